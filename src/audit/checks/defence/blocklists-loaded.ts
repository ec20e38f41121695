// DEF-BLOCKLISTS-LOADED: when the policy configures blocklists, their addresses are really in the kernel —
// rampart_block_v4/v6 non-empty in table inet rampart, or ipset lists of those names (iptables backend).
import { BLOCK_SET, NFT_FAMILY, NFT_TABLE } from "../../../firewall/sets.js";
import { ipsetLists, nftSetSize } from "../../../firewall/observed/loaded.js";
import type { Check } from "../../types.js";

export const defBlocklistsLoaded: Check = {
  id: "DEF-BLOCKLISTS-LOADED",
  area: "defence",
  title: "Configured blocklists are loaded in the kernel",
  severity: "medium",
  live: true,
  remediation:
    "Run `rampart blocklist update` (and check `rampart blocklist status`); make sure table inet rampart is loaded first (`rampart apply --only firewall`).",
  refs: ["FireHOL update-ipsets / iprange", "rampart DESIGN: blocklists"],
  async run(ctx) {
    const sources = ctx.policy.blocklists.sources;
    if (sources.length === 0) return { status: "skip", reason: "the policy configures no blocklists" };
    const expected = `${BLOCK_SET[4]} / ${BLOCK_SET[6]} non-empty (${sources.length} source(s) configured)`;
    if (ctx.policy.firewall.backend === "iptables") {
      const ip = await ipsetLists(ctx);
      if (ip.reason) return { status: "error", reason: ip.reason };
      const counts = { [BLOCK_SET[4]]: ip.lists.get(BLOCK_SET[4]), [BLOCK_SET[6]]: ip.lists.get(BLOCK_SET[6]) };
      const total = (counts[BLOCK_SET[4]] ?? 0) + (counts[BLOCK_SET[6]] ?? 0);
      return { status: total > 0 ? "pass" : "fail", observed: counts, expected, source: "ipset list -t" };
    }
    const [v4, v6] = await Promise.all([
      nftSetSize(ctx, NFT_FAMILY, NFT_TABLE, BLOCK_SET[4]),
      nftSetSize(ctx, NFT_FAMILY, NFT_TABLE, BLOCK_SET[6]),
    ]);
    if (v4.reason && v6.reason) {
      const missing = /No such file|does not exist/i.test(v4.reason);
      return missing
        ? {
            status: "fail",
            observed: `no set ${BLOCK_SET[4]} in table ${NFT_FAMILY} ${NFT_TABLE}`,
            expected,
            source: `nft -j list set ${NFT_FAMILY} ${NFT_TABLE} ${BLOCK_SET[4]}`,
          }
        : { status: "error", reason: v4.reason };
    }
    const observed = { [BLOCK_SET[4]]: v4.count ?? v4.reason, [BLOCK_SET[6]]: v6.count ?? v6.reason };
    const total = (v4.count ?? 0) + (v6.count ?? 0);
    return { status: total > 0 ? "pass" : "fail", observed, expected, source: `nft -j list set ${NFT_FAMILY} ${NFT_TABLE} …` };
  },
};
