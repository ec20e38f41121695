// bench/guard-inprocess: the daemon's own cost, without a kernel. The same GuardDaemon `guard run` builds
// (file source, the built-in sshd filter, jails, SQLite state, the BanBook, a logger writing every ban line to
// a file), with a kernel that accepts every call and does nothing in place of nft; the 1,000,000-line auth.log of bench/guard.mjs (time
// stamps rewritten to today) is appended to the watched file and the clock runs until every line is read.
// Prints lines/s, bans and peak RSS; for profiling run it under `node --cpu-prof` or `--heap-prof`.
// Run: node --import tsx bench/guard-inprocess.ts [--lines N]
import { spawnSync } from "node:child_process";
import {
  closeSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { systemClock } from "../src/core/clock.js";
import { createLogger } from "../src/core/logger.js";
import { GuardDaemon } from "../src/guard/daemon.js";
import type { BanEnforcer } from "../src/guard/enforce.js";
import { GuardState } from "../src/guard/state.js";
import { policySchema } from "../src/policy/schema.js";
import { HostFs } from "../src/system/hostfs.js";
import { REPO } from "../test/helpers/cli.js";
import { generateAuthLog } from "./guard-gen.mjs";

const args = process.argv.slice(2);
const LINES = args.includes("--lines") ? Number(args[args.indexOf("--lines") + 1]) : 1_000_000;
mkdirSync(path.join(REPO, "bench/out"), { recursive: true });
const src = path.join(REPO, "bench/out", `auth-${LINES}.log`);
if (!existsSync(src)) await generateAuthLog(src, LINES);
const stamp = new Date()
  .toString()
  .slice(4, 10)
  .replace(/ 0(\d)$/, "  $1");

const dir = mkdtempSync(path.join(tmpdir(), "rampart-bench-guard-"));
try {
  const log = path.join(dir, "auth.log");
  writeFileSync(log, "");
  // the lines with today's syslog stamps, on disk (sed): this process never holds the log, so its memory
  // figures are the daemon's
  const live = path.join(dir, "live.log");
  const liveFd = openSync(live, "w");
  spawnSync("sed", ["-E", `s/^[A-Z][a-z]{2} [ 0-9][0-9]/${stamp}/`, src], { stdio: ["ignore", liveFd, "inherit"] });
  closeSync(liveFd);
  const policy = policySchema.parse({
    guard: { jails: { sshd: { maxretry: 3, findtime: "1d", bantime: "1h", backend: "file", logpath: log } } },
  });
  const out = createWriteStream(path.join(dir, "guard.log"));
  const logger = createLogger({ write: (l) => out.write(l), color: false });
  const state = GuardState.open(path.join(dir, "state.db"), logger);
  const kernel: BanEnforcer = { name: "none", backend: "nftables", apply: async () => {}, list: async () => new Map() };
  const daemon = new GuardDaemon({
    policy,
    fs: new HostFs("/"),
    clock: systemClock,
    log: logger,
    state,
    enforcer: kernel,
    socketPath: path.join(dir, "guard.sock"),
  });
  await daemon.start();
  let peak = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  }, 20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const fd = openSync(log, "a");
  const from = openSync(live, "r");
  const piece = Buffer.allocUnsafe(4 << 20);
  for (let got = readSync(from, piece); got > 0; got = readSync(from, piece)) writeSync(fd, piece, 0, got);
  closeSync(from);
  closeSync(fd);
  for (;;) {
    const s = daemon.status();
    if (s.lines >= LINES) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const s = daemon.status();
  console.log(
    `in-process daemon (no-op kernel): ${LINES.toLocaleString("en-US")} lines in ${Math.round(ms)} ms = ` +
      `${Math.round((LINES / ms) * 1000).toLocaleString("en-US")} lines/s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s ` +
      `(less sensitive to other load than the wall clock; includes the append); ${s.activeBans} bans; peak RSS ${(peak.rss / 2 ** 20).toFixed(1)} MiB ` +
      `(then: heap ${(peak.heapUsed / 2 ** 20).toFixed(0)}/${(peak.heapTotal / 2 ** 20).toFixed(0)} MiB, external ${(peak.external / 2 ** 20).toFixed(0)} MiB;)`,
  );
  await daemon.stop();
  state.close();
  out.end();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
