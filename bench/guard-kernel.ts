// bench/guard-kernel: what one ban batch costs the kernel path, the two ways the NftEnforcer can send it —
// one `nft -f -` process per transaction, or the daemon's long-lived `nft -i` (src/guard/nft-session.ts) —
// in a lab host with rampart's firewall loaded (real nft, ban sets holding --fill elements first).
// Per way: wall ms per transaction (p50/p99) and the CPU of the nft processes per transaction (from /proc:
// reaped children's cutime+cstime for one-shot runs, the session process's own utime+stime).
// Run as root: node --import tsx bench/guard-kernel.ts [--batches N] [--size K] [--fill F]
import { readFileSync } from "node:fs";
import { NftEnforcer } from "../src/guard/enforce.js";
import { NftSession } from "../src/guard/nft-session.js";
import type { Runner } from "../src/system/exec.js";
import { Lab } from "../test/lab/index.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const BATCHES = opt("--batches", 100);
const SIZE = opt("--size", 150);
const FILL = opt("--fill", 20_000);

const stat = (pid: number | "self") => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /s, "")
    .split(" ")
    .map(Number);
  return { own: ((f[11] as number) + (f[12] as number)) * 10, reaped: ((f[13] as number) + (f[14] as number)) * 10 };
};
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;
let next = 0;
/** a batch of distinct addresses (documentation addresses; they only sit in a set) */
const batch = (k: number) =>
  Array.from({ length: k }, () => {
    const i = next++;
    return { target: `2001:db8:${((i >> 16) & 0xffff).toString(16)}:${(i & 0xffff).toString(16)}::1`, timeoutSec: 3600 };
  });

const lab = await Lab.create();
try {
  const srv = await lab.host("srv", { role: "server" });
  await srv.writeFile("/etc/rampart/policy.yaml", "guard:\n  jails: {}\n");
  await srv.exec(["nft", "-f", "-"], { input: (await srv.rampart(["firewall", "render"])).stdout });
  await srv.exec(["mkdir", "-m", "700", "/run/rampart-nft"]);
  const run: Runner = (argv, o = {}) => srv.exec(argv, { ...(o.input !== undefined ? { input: o.input } : {}), okCodes: o.okCodes ?? [0] });
  if (FILL) await new NftEnforcer(run).apply(batch(FILL));
  console.log(
    `ban set holds ${FILL} elements; ${BATCHES} transactions of ${SIZE} bans each way; load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
  for (const way of ["nft -f - per transaction", "one nft -i (session)"] as const) {
    const session = way.startsWith("one")
      ? new NftSession({ argv: srv.wrap(["nft", "-i"]), dir: { write: srv.path("/run/rampart-nft"), nft: "/run/rampart-nft" } })
      : undefined;
    const enforcer = new NftEnforcer(run, session);
    await enforcer.apply(batch(1)); // the session starts
    const cpu0 = stat("self").reaped + (session?.pid ? stat(session.pid).own : 0);
    const walls: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const t = performance.now();
      await enforcer.apply(batch(SIZE));
      walls.push(performance.now() - t);
    }
    const cpu = stat("self").reaped + (session?.pid ? stat(session.pid).own : 0) - cpu0;
    enforcer.close();
    console.log(
      `${way}: wall p50 ${q(walls, 0.5).toFixed(1)} ms, p99 ${q(walls, 0.99).toFixed(1)} ms; nft CPU ${(cpu / BATCHES).toFixed(1)} ms per transaction`,
    );
  }
} finally {
  await lab.destroy();
}
