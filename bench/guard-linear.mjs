#!/usr/bin/env node
// Linear time on attacker text: a 64 KiB crafted line must cost about what any 64 KiB line costs.
// Runs the built sshd filter (dist/) with the line and message caps raised to 70,000 characters (so long
// lines are really scanned, not skipped as too long — in use, sshd messages over 2048 are never scanned) over random and crafted 64 KiB lines, in every mode, and prints
// the time per line. Not an assertion (timing): compare the columns. Build first: npx tsc -p tsconfig.build.json
//   node bench/guard-linear.mjs
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { createFilter } = await import(pathToFileURL(path.join(root, "dist/guard/filters/registry.js")).href);
const { SSHD_MODES } = await import(pathToFileURL(path.join(root, "dist/guard/filters/sshd.js")).href);

const SIZE = 64 * 1024;
const P = "Nov 22 07:01:02 web1 sshd[4242]: ";
const fill = (unit, tail = "") => {
  let s = P + unit.head;
  while (s.length + unit.rep.length + tail.length < SIZE) s += unit.rep;
  return s + tail;
};
let seed = 7;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
let random = P;
while (random.length < SIZE) random += String.fromCharCode(32 + Math.floor(rnd() * 95));

const cases = [
  ["random printable", random],
  [
    "random, as a Failed password line",
    fill({ head: "Failed password for invalid user ", rep: random.slice(40, 1040) }, " from 198.51.100.7 port 22 ssh2"),
  ],
  [
    "' from 1.2.3.4' repeated (user name)",
    fill({ head: "Failed password for invalid user ", rep: " from 1.2.3.4" }, " from 198.51.100.7 port 22 ssh2"),
  ],
  [
    "publickey: ' from A port 1 ssh2: ' repeated",
    fill(
      { head: "Failed publickey for invalid user ", rep: " from 1.2.3.4 port 1 ssh2: " },
      " from 198.51.100.7 port 22 ssh2: RSA SHA256:x",
    ),
  ],
  ["publickey: ' from ' repeated, no address", fill({ head: "Failed publickey for invalid user ", rep: " from " }, "")],
  [
    "' not allowed because ' repeated",
    fill({ head: "User ", rep: " not allowed because " }, " from 198.51.100.7 not allowed because listed in DenyUsers"),
  ],
  ["pam_unix ' rhost=' repeated", fill({ head: "pam_unix(sshd:auth): authentication failure; ruser=", rep: " rhost=" }, "")],
  ["spaces only after 'Connection closed by '", fill({ head: "Connection closed by ", rep: " " }, "198.51.100.7 port 1 [preauth]")],
  ["digits (port-like) repeated", fill({ head: "Invalid user ", rep: " port 1" }, " from 198.51.100.7 port 22")],
  [
    "':' and hex (IPv6-like) repeated",
    fill({ head: "Failed password for invalid user ", rep: "a:b:c:d:" }, " from 2001:db8::7 port 22 ssh2"),
  ],
  [
    "Received disconnect: reason repeated",
    fill({ head: "Received disconnect from 198.51.100.7 port 1:3: ", rep: ": Auth fail" }, " [preauth]"),
  ],
];

const clock = { now: () => Date.UTC(2026, 10, 22, 12) };
const REPS = 300;
console.log(`median time per 64 KiB line (${REPS} runs each, µs; line and message caps raised to 70,000)`);
console.log(["case".padEnd(46), ...SSHD_MODES.map((m) => m.padStart(11))].join(""));
for (const [name, line] of cases) {
  const cols = [];
  for (const mode of SSHD_MODES) {
    const f = createFilter({ name: "sshd", params: { mode } });
    const st = f.createState({ clock, maxLineLength: 70_000, maxMessageLength: 70_000 });
    for (let i = 0; i < 20; i++) f.match(line, st);
    const ts = [];
    for (let i = 0; i < REPS; i++) {
      const t = process.hrtime.bigint();
      f.match(line, st);
      ts.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    ts.sort((a, b) => a - b);
    cols.push(ts[Math.floor(REPS / 2)].toFixed(1).padStart(11));
  }
  console.log([name.slice(0, 45).padEnd(46), ...cols].join(""));
}
