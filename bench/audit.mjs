#!/usr/bin/env node
// Times `rampart audit` (the built dist: node bin/rampart.js audit --format json) cold and warm, and
// `lynis audit system --quick`, on this machine in one run, and prints the wall times and the ratios.
// Cold = rampart's cache of the pending-updates answer (/var/cache/rampart/apt-simulation.json) removed
// before every run, as on a first audit; warm = the cache the previous run left. The cache's state before
// the bench is restored afterwards. Each series also prints the median CPU time (user + system of rampart and
// every program it ran), which a machine shared with other work disturbs less than the wall time.
// Build first: npm run build. Run as root for a complete audit (both tools read root-only files).
// Usage: node bench/audit.mjs [--runs N] [--no-lynis]
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) > 0 && args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 5;
const withLynis = !args.includes("--no-lynis");

if (!existsSync(path.join(root, "dist/bundle/rampart.js"))) {
  console.error("bench: no dist/ — build first: npm run build");
  process.exit(2);
}

/** CPU time (user + system, ms) of this process's waited-for children and theirs: /proc/self/stat cutime + cstime. */
function childrenCpuMs() {
  const f = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(f[13]) + Number(f[14])) * (1000 / 100); // clock ticks; USER_HZ is 100 on Linux
}

function time(argv, opts = {}) {
  const t = process.hrtime.bigint();
  const cpu0 = childrenCpuMs();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.error) throw r.error;
  return { ms, cpuMs: childrenCpuMs() - cpu0, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rampartArgv = [process.execPath, "bin/rampart.js", "audit", "--format", "json"];
const CACHE = "/var/cache/rampart/apt-simulation.json";
const saved = existsSync(CACHE) ? `${CACHE}.bench-saved-${process.pid}` : undefined;
if (saved) copyFileSync(CACHE, saved);

function series(label, before) {
  const times = [];
  const cpus = [];
  let last;
  for (let i = 0; i < runs; i++) {
    before();
    last = time(rampartArgv);
    times.push(last.ms);
    cpus.push(last.cpuMs);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const cpu = cpus[Math.floor(cpus.length / 2)];
  let checks = "?";
  try {
    const j = JSON.parse(last.stdout);
    const upd = j.checks.find((c) => c.id === "UPD-PENDING");
    checks = `${j.checks.length} checks (${j.summary.pass} pass, ${j.summary.fail} fail, ${j.summary.warn} warn, ${j.summary.skip} skip, ${j.summary.error} error); updates from: ${upd?.evidence?.source ?? "?"}`;
  } catch {
    checks = `unparseable output (exit ${last.code}): ${last.stderr.slice(0, 300)}`;
  }
  console.log(
    `rampart audit --format json, ${label}: median ${(median / 1000).toFixed(3)} s over ${runs} runs (min ${(times[0] / 1000).toFixed(3)} s, max ${(times.at(-1) / 1000).toFixed(3)} s; CPU median ${(cpu / 1000).toFixed(2)} s with the programs it ran) — ${checks}`,
  );
  return median;
}

time(rampartArgv); // warm the page cache once
const cold = series("cold (cache removed before each run)", () => rmSync(CACHE, { force: true }));
console.log(`  target < 1 s cold: ${cold < 1000 ? "met" : "NOT met"}`);
time(rampartArgv);
const median = series("warm (cache from the previous run)", () => {});
if (saved) {
  copyFileSync(saved, CACHE);
  rmSync(saved);
} else rmSync(CACHE, { force: true });

if (withLynis) {
  const lynis = ["/usr/sbin/lynis", "/usr/bin/lynis"].find((p) => existsSync(p));
  if (!lynis) {
    console.log("lynis: not installed (apt-get install lynis) — no ratio");
  } else {
    const l = time([lynis, "audit", "system", "--quick", "--no-colors"], { env: { ...process.env, TERM: "dumb" } });
    const tests = /Tests performed\s*:\s*(\d+)/.exec(l.stdout)?.[1] ?? "?";
    console.log(`lynis audit system --quick: ${(l.ms / 1000).toFixed(3)} s (exit ${l.code}, ${tests} tests)`);
    console.log(`ratio: rampart is ${(l.ms / cold).toFixed(1)}x faster than lynis cold, ${(l.ms / median).toFixed(1)}x warm`);
  }
}
