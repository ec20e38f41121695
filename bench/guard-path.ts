// bench/guard-path: the CPU cost per line of the reading path the daemon and `guard test` share, alone —
// LineSplitter (256 KiB reads, as the file source makes them) → the built-in sshd filter by position →
// Jail.failure, as GuardDaemon's sink calls them; no state database, no BanBook, no kernel, no file watching.
// The 1,000,000-line auth.log of bench/guard.mjs; the clock stands just after its last line and findtime
// covers it all, so every failure counts (the same 22k bans as bench/guard-inprocess.ts). Prints CPU ms and
// lines/s per run (the first runs include the JIT's warm-up); CPU time is the figure to compare on a
// loaded machine. Run: node --import tsx bench/guard-path.ts [--lines N] [--runs N]
import { closeSync, existsSync, mkdirSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { FakeClock } from "../src/core/clock.js";
import { createFilter } from "../src/guard/filters/registry.js";
import { Jail } from "../src/guard/jail.js";
import { LineSplitter } from "../src/guard/lines.js";
import { REPO } from "../test/helpers/cli.js";
import { generateAuthLog } from "./guard-gen.mjs";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const LINES = opt("--lines", 1_000_000);
const RUNS = opt("--runs", 5);
mkdirSync(path.join(REPO, "bench/out"), { recursive: true });
const src = path.join(REPO, "bench/out", `auth-${LINES}.log`);
if (!existsSync(src)) await generateAuthLog(src, LINES);

const DAY = 86_400_000;
for (let run = 1; run <= RUNS; run++) {
  // the generated log's stamps are of November (a year-less syslog time: read in the clock's year)
  const clock = new FakeClock(Date.UTC(new Date().getUTCFullYear(), 10, 23));
  const filter = createFilter({ name: "sshd", params: {} });
  const state = filter.createState({ clock, utcOffsetMinutes: 0 });
  const jail = new Jail(
    { name: "sshd", maxretry: 3, findtimeMs: 7 * DAY, bantimeMs: 3_600_000, ipv6Prefix: 64, ignore: ["127.0.0.0/8", "::1"] },
    clock,
  );
  let lines = 0;
  let failures = 0;
  let bans = 0;
  const splitter = new LineSplitter(
    {
      line(text, start, end) {
        lines++;
        const m = filter.matchAt ? filter.matchAt(text, start, end, state) : filter.match(text.slice(start, end), state);
        if (m.kind !== "failure") return;
        failures++;
        if (jail.failure(m.address, m.time).action === "ban") bans++;
      },
      tooLong() {
        lines++;
      },
    },
    32 * 1024,
  );
  const fd = openSync(src, "r");
  const buf = Buffer.allocUnsafe(256 * 1024);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) splitter.push(buf.subarray(0, n));
  splitter.end();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  closeSync(fd);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    `run ${run}: ${lines.toLocaleString("en-US")} lines, ${failures.toLocaleString("en-US")} failures, ${bans.toLocaleString("en-US")} bans: ` +
      `CPU ${Math.round(cpuMs)} ms = ${Math.round((lines / cpuMs) * 1000).toLocaleString("en-US")} lines per CPU-second; ` +
      `wall ${Math.round(ms)} ms = ${Math.round((lines / ms) * 1000).toLocaleString("en-US")} lines/s`,
  );
}
