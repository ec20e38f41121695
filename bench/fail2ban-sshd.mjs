#!/usr/bin/env node
// The imported fail2ban sshd filter (rampart's translation of /etc/fail2ban/filter.d/sshd.conf, run by
// `rampart guard test fail2ban:sshd`) against fail2ban-regex with the same filter, on the same generated
// 1,000,000-line auth.log as bench/guard.mjs (bench/guard-gen.mjs): lines/s of both and the ratio.
//   node bench/fail2ban-sshd.mjs [--lines N] [--f2b-lines N] [--no-f2b]
// rampart runs from source through tsx (startup included in the wall time; `durationMs` is its scan loop).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateAuthLog } from "./guard-gen.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const LINES = opt("--lines", 1_000_000);
const F2B_LINES = opt("--f2b-lines", LINES);
const out = path.join(root, "bench/out");
mkdirSync(out, { recursive: true });
const log = path.join(out, `auth-${LINES}.log`);
if (!existsSync(log)) await generateAuthLog(log, LINES);
const fmt = (n) => Math.round(n).toLocaleString("en-US");

const run = (argv) => {
  const t = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 28, cwd: root });
  return { ms: performance.now() - t, stdout: r.stdout, stderr: r.stderr, status: r.status };
};

const r = run([process.execPath, "--import", "tsx", "src/cli/entry.ts", "guard", "test", "fail2ban:sshd", log, "--json", "--counts"]);
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const j = JSON.parse(r.stdout);
const wallRate = (j.lines / r.ms) * 1000;
const loopRate = (j.lines / j.durationMs) * 1000;
console.log(
  `rampart guard test fail2ban:sshd: ${fmt(j.lines)} lines, ${fmt(j.matched)} failures, in ${fmt(r.ms)} ms wall = ${fmt(wallRate)} lines/s (scan loop ${fmt(j.durationMs)} ms = ${fmt(loopRate)} lines/s)`,
);

const f2bBin = spawnSync("sh", ["-c", "command -v fail2ban-regex"], { encoding: "utf8" }).stdout.trim();
if (args.includes("--no-f2b") || !f2bBin) {
  console.log("fail2ban-regex: skipped");
  process.exit(0);
}
let f2bLog = log;
if (F2B_LINES < LINES) {
  f2bLog = path.join(out, `auth-${LINES}-head-${F2B_LINES}.log`);
  if (!existsSync(f2bLog)) spawnSync("sh", ["-c", `head -n ${F2B_LINES} "$0" > "$1"`, log, f2bLog]);
}
const f = run([f2bBin, f2bLog, "/etc/fail2ban/filter.d/sshd.conf"]);
const m = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(f.stdout);
const lines = Number(m?.[1] ?? F2B_LINES);
const f2bRate = (lines / f.ms) * 1000;
console.log(`fail2ban-regex sshd.conf: ${fmt(lines)} lines in ${fmt(f.ms)} ms = ${fmt(f2bRate)} lines/s${m ? ` (${m[3]} matched)` : ""}`);
console.log(
  `ratio: imported filter is ${(wallRate / f2bRate).toFixed(1)}x fail2ban-regex (whole process), ${(loopRate / f2bRate).toFixed(1)}x on the scan loop`,
);
