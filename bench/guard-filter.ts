// bench/guard-filter: the cost of the built-in sshd filter alone, on the daemon's path — the one line
// splitter (src/guard/lines.ts) feeding Filter.matchAt with details on (time, user, rule), no jail, no
// kernel. Reads the generated 1,000,000-line auth.log of bench/guard.mjs several times in one process and
// prints the CPU time of each pass (process.cpuUsage: less sensitive to other load than the wall clock):
// the first pass includes the JIT's warm-up and the address caches filling (what a fresh daemon pays
// once), the later ones are the steady cost per line. For an A/B, run it in both trees, alternating.
// Run: node --import tsx bench/guard-filter.ts [--lines N] [--passes N]
import { closeSync, existsSync, mkdirSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { systemClock } from "../src/core/clock.js";
import { SshdFilter } from "../src/guard/filters/sshd/filter.js";
import { LineSplitter } from "../src/guard/lines.js";
import { REPO } from "../test/helpers/cli.js";
import { generateAuthLog } from "./guard-gen.mjs";

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const LINES = arg("--lines", 1_000_000);
const PASSES = arg("--passes", 3);
mkdirSync(path.join(REPO, "bench/out"), { recursive: true });
const file = path.join(REPO, "bench/out", `auth-${LINES}.log`);
if (!existsSync(file)) await generateAuthLog(file, LINES);

const buf = Buffer.allocUnsafe(256 * 1024);
const cpu: number[] = [];
let summary = "";
for (let pass = 0; pass < PASSES; pass++) {
  const filter = new SshdFilter("normal");
  const state = filter.createState({ clock: systemClock });
  let lines = 0;
  let failures = 0;
  let successes = 0;
  const splitter = new LineSplitter(
    {
      line(text, start, end) {
        lines++;
        const m = filter.matchAt(text, start, end, state);
        if (m.kind === "failure") failures++;
        else if (m.kind === "success") successes++;
      },
      tooLong() {
        lines++;
      },
    },
    8192,
  );
  const fd = openSync(file, "r");
  const c0 = process.cpuUsage();
  for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) splitter.push(got === buf.length ? buf : buf.subarray(0, got));
  splitter.end();
  const c = process.cpuUsage(c0);
  closeSync(fd);
  cpu.push(Math.round((c.user + c.system) / 1000));
  summary = `${lines.toLocaleString("en-US")} lines, ${failures} failures, ${successes} successes`;
}
console.log(
  `sshd filter + splitter (matchAt, details on): ${summary}; CPU ms per pass: ${cpu.join(" ")} ` +
    `(first pass: with JIT warm-up; later: steady) = ${Math.round((LINES / Math.min(...cpu)) * 1000).toLocaleString("en-US")} lines per CPU-second steady`,
);
