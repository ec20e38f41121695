// bench/guard-p64: what IPv6 /64 bans cost each later ban transaction, by the set that holds them — the reason
// they have a hash set of their own (firewall/sets.ts). nft 1.0.6 reads every element of the table's interval
// sets into its cache before each transaction, so /64s in the interval set `rampart_ban_net_v6` (before) make
// every small add dearer; the same /64s as network addresses in the hash set `rampart_ban_p64_v6` (now) do not.
// In a lab host with rampart's firewall loaded (real nft): per case, the ban sets emptied, --p64 /64s loaded
// into one set, then --batches transactions of --size single addresses through one long-lived `nft -i`
// (nft-session.ts, as the daemon sends them); prints the nft process's CPU (utime+stime) per transaction and
// the wall time per transaction.
// Run as root: node --import tsx bench/guard-p64.ts [--p64 N] [--batches N] [--size K]
import { BAN_NET_SET, BAN_P64_SET, BAN_SETS, NFT_FAMILY, NFT_TABLE } from "../src/firewall/sets.js";
import { NftEnforcer } from "../src/guard/enforce.js";
import { loadavg, procCpuMs, quantile, withNftLab } from "./nft-lab.js";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const P64S = opt("--p64", 2000);
const BATCHES = opt("--batches", 200);
const SIZE = opt("--size", 40);

let next = 0;
/** distinct single addresses (documentation range; they only sit in a set) */
const batch = (k: number) =>
  Array.from({ length: k }, () => {
    const i = next++;
    return { target: `2001:db8:ffff:${(i & 0xffff).toString(16)}::${((i >> 16) + 1).toString(16)}`, timeoutSec: 3600 };
  });
/** n /64s as elements of `set`: network addresses in the hash set, CIDR in the interval set */
const p64s = (set: string, n: number) => {
  const els = Array.from({ length: n }, (_, i) => {
    const net = `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::`;
    return `${set === BAN_P64_SET ? net : `${net}/64`} timeout 3600s`;
  });
  const lines: string[] = [];
  for (let j = 0; j < els.length; j += 1000)
    lines.push(`add element ${NFT_FAMILY} ${NFT_TABLE} ${set} { ${els.slice(j, j + 1000).join(", ")} }`);
  return `${lines.join("\n")}\n`;
};

await withNftLab(async ({ srv, run, session }) => {
  console.log(
    `${BATCHES} transactions of ${SIZE} addresses through one nft -i per case; ${P64S} /64s; ${(await srv.exec(["nft", "--version"])).stdout.trim()}; load ${loadavg()}`,
  );
  const cases = [
    { name: "no /64 banned", set: undefined },
    { name: `${P64S} /64s in the interval set ${BAN_NET_SET[6]} (before)`, set: BAN_NET_SET[6] },
    { name: `${P64S} /64s in the hash set ${BAN_P64_SET} (now)`, set: BAN_P64_SET },
  ];
  for (const c of cases) {
    for (const set of BAN_SETS) await srv.exec(["nft", "flush", "set", NFT_FAMILY, NFT_TABLE, set]);
    if (c.set) await srv.exec(["nft", "-f", "-"], { input: p64s(c.set, P64S) });
    const nft = session();
    const enforcer = new NftEnforcer(run, nft);
    await enforcer.apply(batch(1)); // the session starts
    const cpu0 = procCpuMs(nft.pid as number).own;
    const walls: number[] = [];
    for (let b = 0; b < BATCHES; b++) {
      const t = performance.now();
      await enforcer.apply(batch(SIZE));
      walls.push(performance.now() - t);
    }
    const cpu = procCpuMs(nft.pid as number).own - cpu0;
    enforcer.close();
    console.log(
      `${c.name}: nft CPU ${(cpu / BATCHES).toFixed(2)} ms per transaction; wall p50 ${quantile(walls, 0.5).toFixed(1)} ms, p99 ${quantile(walls, 0.99).toFixed(1)} ms`,
    );
  }
});
