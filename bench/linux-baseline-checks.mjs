#!/usr/bin/env node
// Times the dev-sec linux-baseline checks added for #17 on their own (the built dist, this machine, live):
// every check of the files, logging and system areas plus the new kernel and accounts checks, one audit
// per run with a fresh memo (cold caches of rampart, warm page cache), and the .rhosts/.netrc walk alone.
// Usage: npm run build && node bench/linux-baseline-checks.mjs [--runs N]
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const imp = (p) => import(pathToFileURL(path.join(root, "dist", p)).href);
const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 7;

const { checksByArea } = await imp("audit/registry.js");
const { runAudit } = await imp("audit/run.js");
const { HostFs } = await imp("system/hostfs.js");
const { systemClock } = await imp("core/clock.js");
const { silentLogger } = await imp("core/logger.js");
const { defaultPolicy } = await imp("policy/load.js");
const { run } = await imp("system/exec.js");

const NEW = new Set([
  "ACC-LOGIN-DEFS",
  "ACC-UNIQUE-IDS",
  "ACC-PASSWD-NO-HASH",
  "KERN-IPV6-RA",
  "KERN-ARP",
  "KERN-TCP-TIMESTAMPS",
  "KERN-MODULES-DISABLED",
  "KERN-NX",
  "KERN-CPU-VULNERABILITIES",
  "KERN-UNUSED-FILESYSTEMS",
  "KERN-USB-STORAGE",
  "KERN-FIREWIRE",
  "KERN-RARE-PROTOCOLS",
]);
const checks = Object.entries(checksByArea).flatMap(([area, cs]) =>
  ["files", "logging", "system"].includes(area) ? cs : cs.filter((c) => NEW.has(c.id)),
);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const times = [];
const slowest = new Map();
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const r = await runAudit({
    fs: new HostFs("/"),
    run,
    live: true,
    policy: defaultPolicy(),
    policyFromFile: false,
    clock: systemClock,
    log: silentLogger,
    checks,
  });
  times.push(performance.now() - t);
  for (const c of r.checks) slowest.set(c.id, [...(slowest.get(c.id) ?? []), c.durationMs]);
}
console.log(
  `${checks.length} linux-baseline checks, live: median ${median(times).toFixed(1)} ms over ${runs} runs (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
);
const per = [...slowest].map(([id, ms]) => [id, median(ms)]).sort((a, b) => b[1] - a[1]);
console.log(
  `slowest (median ms, concurrent): ${per
    .slice(0, 5)
    .map(([id, ms]) => `${id} ${ms.toFixed(1)}`)
    .join(", ")}`,
);
