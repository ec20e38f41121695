#!/usr/bin/env node
// rampart's sshd filter against fail2ban-regex with fail2ban's sshd filter, on the same generated
// 1,000,000-line auth.log (bench/guard-gen.mjs; syslog form, v4 + v6, ~30% sshd-session lines):
// lines/s of both, the ratio, rampart's peak RSS, and whether the two agree on the failure lines.
//   node bench/guard.mjs [--lines N] [--runs N] [--f2b-lines N] [--agree-lines N] [--no-build] [--no-f2b]
// It builds dist/ first (npx tsc -p tsconfig.build.json) and runs the built CLI: node bin/rampart.js.
// --f2b-lines: time fail2ban-regex on the first N lines only (default: all; ~45 s for 1M lines).
// --agree-lines: size of the slice on which the per-line agreement is checked (default 200,000).
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { generateAuthLog } from "./guard-gen.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const LINES = opt("--lines", 1_000_000);
const RUNS = opt("--runs", 3);
const F2B_LINES = opt("--f2b-lines", LINES);
const AGREE_LINES = opt("--agree-lines", 200_000);
const out = path.join(root, "bench/out");
mkdirSync(out, { recursive: true });

function run(argv, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: "utf8", maxBuffer: 1024 * 1024 * 1024, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function head(src, dst, n) {
  const rl = readline.createInterface({ input: createReadStream(src), crlfDelay: Number.POSITIVE_INFINITY });
  const w = createWriteStream(dst);
  let i = 0;
  for await (const line of rl) {
    if (i++ >= n) break;
    if (!w.write(`${line}\n`)) await new Promise((r) => w.once("drain", r));
  }
  rl.close();
  await new Promise((r) => w.end(r));
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");

// 1. build
if (!args.includes("--no-build")) {
  const b = run(["npx", "tsc", "-p", "tsconfig.build.json"]);
  if (b.code !== 0)
    console.log(
      `note: tsc reported errors (in files outside the guard?); using what it emitted\n${b.stdout.split("\n").slice(0, 5).join("\n")}`,
    );
}
if (!existsSync(path.join(root, "dist/guard/scan.js"))) {
  console.error("bench: dist/guard/scan.js missing — build failed: npx tsc -p tsconfig.build.json");
  process.exit(2);
}

// 2. the log
const log = path.join(out, `auth-${LINES}.log`);
if (!existsSync(log)) await generateAuthLog(log, LINES);
console.log(`log: ${path.relative(root, log)} (${fmt(LINES)} lines, ${(statSync(log).size / 1e6).toFixed(1)} MB)`);

// 3. rampart
const hasTime = existsSync("/usr/bin/time");
const rampartArgv = [process.execPath, "bin/rampart.js", "guard", "test", "sshd", log, "--json", "--counts"];
run(rampartArgv); // warm the page cache
const results = [];
for (let i = 0; i < RUNS; i++) {
  const r = run(hasTime ? ["/usr/bin/time", "-v", ...rampartArgv] : rampartArgv);
  if (r.code !== 0) throw new Error(`rampart failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  const rss = hasTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN) : Number.NaN;
  const cpu = hasTime
    ? Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1])
    : Number.NaN;
  results.push({ wallMs: r.ms, filterMs: j.durationMs, matched: j.matched, lines: j.lines, rssKb: rss, cpuS: cpu });
}
results.sort((a, b) => a.wallMs - b.wallMs);
const med = results[Math.floor(results.length / 2)];
const best = results[0];
console.log(
  `rampart  (node bin/rampart.js guard test sshd FILE --counts, ${RUNS} runs): ${fmt(med.lines)} lines, ${fmt(med.matched)} failures\n` +
    `         median: whole process ${fmt(med.wallMs)} ms = ${fmt((med.lines / med.wallMs) * 1000)} lines/s; ` +
    `filter loop ${fmt(med.filterMs)} ms = ${fmt((med.lines / med.filterMs) * 1000)} lines/s; cpu ${med.cpuS.toFixed(2)} s\n` +
    `         best:   whole process ${fmt(best.wallMs)} ms = ${fmt((best.lines / best.wallMs) * 1000)} lines/s; ` +
    `filter loop ${fmt((best.lines / best.filterMs) * 1000)} lines/s\n` +
    `         peak RSS ${hasTime ? `${fmt(Math.max(...results.map((r) => r.rssKb)) / 1024)} MiB (/usr/bin/time -v)` : "n/a (/usr/bin/time missing)"}`,
);

// 4. fail2ban-regex
const f2bBin = spawnSync("sh", ["-c", "command -v fail2ban-regex"], { encoding: "utf8" }).stdout.trim();
const f2bConf = "/etc/fail2ban/filter.d/sshd.conf";
let f2bRate;
if (args.includes("--no-f2b") || !f2bBin || !existsSync(f2bConf)) {
  console.log("fail2ban-regex: skipped (not installed or --no-f2b)");
} else {
  let f2bLog = log;
  if (F2B_LINES < LINES) {
    f2bLog = path.join(out, `auth-${LINES}-head-${F2B_LINES}.log`);
    if (!existsSync(f2bLog)) await head(log, f2bLog, F2B_LINES);
  }
  const r = run(hasTime ? ["/usr/bin/time", "-v", f2bBin, f2bLog, f2bConf] : [f2bBin, f2bLog, f2bConf]);
  const m = /Lines: (\d+) lines, (\d+) ignored, (\d+) matched, (\d+) missed/.exec(r.stdout);
  const lines = Number(m?.[1] ?? F2B_LINES);
  f2bRate = (lines / r.ms) * 1000;
  const f2bCpu = hasTime
    ? Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1])
    : Number.NaN;
  console.log(
    `fail2ban-regex FILE ${f2bConf}${F2B_LINES < LINES ? ` (first ${fmt(F2B_LINES)} lines)` : ""}: ${fmt(lines)} lines in ${fmt(r.ms)} ms = ${fmt(f2bRate)} lines/s; cpu ${f2bCpu.toFixed(1)} s` +
      (m ? `; its summary: ${m[3]} matched (failregex hits, including its no-fail helper lines), ${m[4]} missed` : ""),
  );
  console.log(
    `ratio: rampart is ${(((med.lines / med.wallMs) * 1000) / f2bRate).toFixed(1)}x fail2ban-regex (whole process, wall, median); ` +
      `${(((med.lines / med.filterMs) * 1000) / f2bRate).toFixed(1)}x on the filter loop; ` +
      `${(med.lines / med.cpuS / (lines / f2bCpu)).toFixed(1)}x in lines per CPU-second (fair on a busy machine)`,
  );

  // 5. agreement on failure lines, on a slice: (address, second) multisets of both tools
  const slice = path.join(out, `auth-${LINES}-head-${AGREE_LINES}.log`);
  if (!existsSync(slice)) await head(log, slice, AGREE_LINES);
  const f = run([f2bBin, "-o", "row", slice, f2bConf]);
  const f2b = new Map();
  for (const line of f.stdout.split("\n")) {
    const row = /^\['([^']+)',\s*([\d.]+),/.exec(line);
    if (row) {
      const k = `${row[1]} ${Math.round(Number(row[2]))}`;
      f2b.set(k, (f2b.get(k) ?? 0) + 1);
    }
  }
  const rr = run([process.execPath, "bin/rampart.js", "guard", "test", "sshd", slice, "--json"]);
  const rj = JSON.parse(rr.stdout);
  const ram = new Map();
  const ruleOf = new Map();
  for (const mt of rj.matches) {
    const k = `${mt.address} ${Math.round(Date.parse(mt.time) / 1000)}`;
    ram.set(k, (ram.get(k) ?? 0) + 1);
    ruleOf.set(k, mt.rule);
  }
  const total = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  let both = 0;
  const onlyF2b = [];
  const onlyRam = [];
  for (const k of new Set([...f2b.keys(), ...ram.keys()])) {
    const a = f2b.get(k) ?? 0;
    const b = ram.get(k) ?? 0;
    both += Math.min(a, b);
    if (a > b) onlyF2b.push([k, a - b]);
    if (b > a) onlyRam.push([k, b - a]);
  }
  console.log(
    `agreement on the first ${fmt(AGREE_LINES)} lines (failures as address+second): fail2ban ${fmt(total(f2b))}, rampart ${fmt(total(ram))}, ` +
      `both ${fmt(both)}, only fail2ban ${fmt(onlyF2b.reduce((s, [, n]) => s + n, 0))}, only rampart ${fmt(onlyRam.reduce((s, [, n]) => s + n, 0))}`,
  );
  // explain: bucket the differing failures by the kind of line they come from
  const sliceLines = readFileSync(slice, "utf8").split("\n");
  const byKey = new Map();
  for (const l of sliceLines) {
    const ts = /^(\w{3} [ \d]\d \d\d:\d\d:\d\d) \S+ (\S+?)(?:\[\d+\])?: (.*)$/.exec(l);
    if (!ts) continue;
    const sec = Math.round(new Date(`${ts[1]} ${new Date().getFullYear()}`).getTime() / 1000);
    for (const tok of ts[3].split(" ")) {
      const k = `${tok} ${sec}`;
      if (f2b.has(k) || ram.has(k)) {
        const list = byKey.get(k) ?? [];
        list.push(
          `${ts[2]}: ${ts[3]
            .replace(/\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]+/g, "A")
            .replace(/ port \d+/g, " port P")
            .replace(/user \S+/g, "user U")
            .slice(0, 80)}`,
        );
        byKey.set(k, list);
      }
    }
  }
  const explain = (diffs, label) => {
    const buckets = new Map();
    for (const [k, n] of diffs) {
      for (const kind of new Set(byKey.get(k) ?? ["(line not found)"])) buckets.set(kind, (buckets.get(kind) ?? 0) + n);
    }
    const top = [...buckets].sort((a, b) => b[1] - a[1]).slice(0, 8);
    if (top.length) console.log(`  ${label} (by kind of line at that address and second; a second may hold several kinds):`);
    for (const [kind, n] of top) console.log(`    ${String(fmt(n)).padStart(8)}  ${kind}`);
  };
  explain(onlyF2b, "only fail2ban");
  explain(onlyRam, "only rampart");
}
