// FW-OUTBOUND-DENY: egress filtering. Only a finding when the policy asks for an outbound allowlist
// (firewall.outbound: { allow: [...] }); with `outbound: allow` the observed output policy is reported for
// information and passes, because that is what the policy wants.
import type { Check } from "../../types.js";
import { defaultDenyChains } from "../../../firewall/observed/input-path.js";
import { isOutcome, loadRuleset } from "./state.js";

export const fwOutboundDeny: Check = {
  id: "FW-OUTBOUND-DENY",
  area: "firewall",
  title: "Outbound traffic is filtered as the policy asks",
  severity: "low",
  live: true,
  remediation:
    "Run `rampart apply --only firewall` to load the output chain with policy drop and the policy's firewall.outbound.allow services.",
  refs: ["CIS Debian Linux 12 4.3.9 (outbound and established connections configured)", "Lynis FIRE-4508"],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const v4 = defaultDenyChains(state.ruleset, 4, "output");
    const v6 = defaultDenyChains(state.ruleset, 6, "output");
    const observed = {
      ipv4: v4.map((d) => d.by).join("; ") || "accept by default",
      ipv6: v6.map((d) => d.by).join("; ") || "accept by default",
    };
    const want = ctx.policy.firewall.outbound;
    if (want === "allow") return { status: "pass", observed, expected: "any (policy firewall.outbound: allow)", source: state.source };
    const expected = `output policy drop, allowing only: ${want.allow.join(", ")}${want.ports ? ` and ports ${want.ports.join(",")}` : ""}`;
    if (v4.length > 0 && v6.length > 0) return { status: "pass", observed, expected, source: state.source };
    return {
      status: "fail",
      observed,
      expected,
      source: state.source,
      reason: "the policy asks for an outbound allowlist but egress is not denied by default",
    };
  },
};
