// bench/guard-kernel: what one ban batch costs the kernel path, the two ways the NftEnforcer can send it —
// one `nft -f -` process per transaction, or the daemon's long-lived `nft -i` (src/guard/nft-session.ts) —
// in a lab host with rampart's firewall loaded (real nft, ban sets holding --fill elements first).
// Per way: wall ms per transaction (p50/p99) and the CPU of the nft processes per transaction (from /proc:
// reaped children's cutime+cstime for one-shot runs, the session process's own utime+stime).
// Run as root: node --import tsx bench/guard-kernel.ts [--batches N] [--size K] [--fill F]
import { NftEnforcer } from "../src/guard/enforce.js";
import { loadavg, procCpuMs, quantile, withNftLab } from "./nft-lab.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const BATCHES = opt("--batches", 100);
const SIZE = opt("--size", 150);
const FILL = opt("--fill", 20_000);

let next = 0;
/** a batch of distinct addresses (documentation addresses; they only sit in a set) */
const batch = (k: number) =>
  Array.from({ length: k }, () => {
    const i = next++;
    return { target: `2001:db8:${((i >> 16) & 0xffff).toString(16)}:${(i & 0xffff).toString(16)}::1`, timeoutSec: 3600 };
  });

await withNftLab(async ({ run, session: startSession }) => {
  if (FILL) await new NftEnforcer(run).apply(batch(FILL));
  console.log(`ban set holds ${FILL} elements; ${BATCHES} transactions of ${SIZE} bans each way; load ${loadavg()}`);
  for (const way of ["nft -f - per transaction", "one nft -i (session)"] as const) {
    const session = way.startsWith("one") ? startSession() : undefined;
    const enforcer = new NftEnforcer(run, session);
    await enforcer.apply(batch(1)); // the session starts
    const nftCpu = () => procCpuMs("self").reaped + (session?.pid ? procCpuMs(session.pid).own : 0);
    const cpu0 = nftCpu();
    const walls: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const t = performance.now();
      await enforcer.apply(batch(SIZE));
      walls.push(performance.now() - t);
    }
    const cpu = nftCpu() - cpu0;
    enforcer.close();
    console.log(
      `${way}: wall p50 ${quantile(walls, 0.5).toFixed(1)} ms, p99 ${quantile(walls, 0.99).toFixed(1)} ms; nft CPU ${(cpu / BATCHES).toFixed(1)} ms per transaction`,
    );
  }
});
