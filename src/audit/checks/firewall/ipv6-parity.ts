// FW-IPV6-PARITY: when IPv4 is filtered, IPv6 is filtered too (or IPv6 is off). An `ip`-family table or an
// iptables-only setup leaves every service reachable over IPv6 — the classic hole of v4-only rulesets.
import type { Check } from "../../types.js";
import { defaultDenyChains } from "../../../firewall/observed/input-path.js";
import { ipv6Disabled, isOutcome, loadRuleset } from "./state.js";

export const fwIpv6Parity: Check = {
  id: "FW-IPV6-PARITY",
  area: "firewall",
  title: "IPv6 is filtered like IPv4",
  severity: "high",
  live: true,
  remediation:
    "Use an `inet` table (one ruleset for both families; `rampart apply --only firewall` does), or load the same rules with ip6tables-restore (/etc/iptables/rules.v6), or disable IPv6 (net.ipv6.conf.all.disable_ipv6 = 1).",
  refs: ["CIS Debian Linux 12 4.4.3.1 (ip6tables default deny)", "Lynis FIRE-4508"],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const v4 = defaultDenyChains(state.ruleset, 4);
    const v6 = defaultDenyChains(state.ruleset, 6);
    const off = await ipv6Disabled(ctx);
    const expected = "IPv6 denied by default whenever IPv4 is, or IPv6 disabled";
    if (off.disabled) return { status: "pass", observed: `IPv6 disabled (${off.source})`, expected, source: off.source };
    if (v4.length === 0)
      return {
        status: "skip",
        reason: "IPv4 is not filtered either (see FW-DEFAULT-DENY-IN)",
        observed: "no default deny for IPv4",
        expected,
        source: state.source,
      };
    const observed = { ipv4: v4.map((d) => d.by).join("; "), ipv6: v6.map((d) => d.by).join("; ") || "accepted by default" };
    if (v6.length > 0) return { status: "pass", observed, expected, source: state.source };
    return {
      status: "fail",
      observed,
      expected,
      source: state.source,
      reason: "IPv4 is filtered but IPv6 is not: every service listening on :: is reachable over IPv6",
    };
  },
};
