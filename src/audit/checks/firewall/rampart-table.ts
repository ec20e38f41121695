// FW-RAMPART-TABLE: when the policy enables rampart's firewall, its own `table inet rampart` is loaded with
// the ban and blocklist sets the guard and the blocklist loader fill (firewall/sets.ts: addresses, prefixes and
// blocklists per family; an older rampart's table lacks the prefix or /64 sets, so those bans would not land
// where they belong).
// Without them, bans and blocklists silently do nothing.
import { NFT_FAMILY, NFT_TABLE, namedSets } from "../../../firewall/sets.js";
import type { Check } from "../../types.js";
import { isOutcome, loadRuleset } from "./state.js";

const WANTED = namedSets().map((s) => s.name);

export const fwRampartTable: Check = {
  id: "FW-RAMPART-TABLE",
  area: "firewall",
  title: "rampart's nftables table and sets are loaded",
  severity: "medium",
  live: true,
  remediation:
    "Run `rampart apply --only firewall` (it loads table inet rampart with its sets), and `systemctl enable --now rampart-firewall` so it is restored at boot.",
  refs: ["rampart DESIGN: own only table inet rampart"],
  async run(ctx) {
    if (!ctx.policyFromFile) return { status: "skip", reason: "no rampart policy on this host: rampart's firewall is not in use" };
    const fw = ctx.policy.firewall;
    if (!fw.enabled) return { status: "skip", reason: "the policy disables rampart's firewall (firewall.enabled: false)" };
    if (fw.backend !== "nftables") return { status: "skip", reason: `the policy uses the ${fw.backend} backend, not nftables` };
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const expected = `table ${NFT_FAMILY} ${NFT_TABLE} with sets ${WANTED.join(", ")}`;
    const table = state.ruleset.tables.find((t) => t.family === NFT_FAMILY && t.name === NFT_TABLE);
    if (!table)
      return {
        status: "fail",
        observed: `no table ${NFT_FAMILY} ${NFT_TABLE}`,
        expected,
        source: state.source,
        reason: "rampart's firewall is not loaded",
      };
    const have = state.ruleset.sets.filter((s) => s.family === NFT_FAMILY && s.table === NFT_TABLE).map((s) => s.name);
    const missing = WANTED.filter((w) => !have.includes(w));
    const observed = { table: `${NFT_FAMILY} ${NFT_TABLE}`, sets: have };
    if (missing.length > 0)
      return { status: "fail", observed, expected, source: state.source, reason: `missing set(s): ${missing.join(", ")}` };
    return { status: "pass", observed, expected, source: state.source };
  },
};
