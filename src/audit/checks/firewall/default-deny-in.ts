// FW-DEFAULT-DENY-IN: inbound traffic is dropped unless a rule allows it, for IPv4 AND IPv6 — an input-hook
// base chain with policy drop, or whose last rule drops/rejects everything (nftables inet/ip/ip6 tables,
// iptables INPUT). IPv6 need not be filtered when the host has IPv6 switched off.
import type { Check } from "../../types.js";
import { defaultDenyChains } from "../../../firewall/observed/input-path.js";
import { ipv6Disabled, isOutcome, loadRuleset } from "./state.js";

export const fwDefaultDenyIn: Check = {
  id: "FW-DEFAULT-DENY-IN",
  area: "firewall",
  title: "Inbound traffic is denied by default (IPv4 and IPv6)",
  severity: "high",
  live: true,
  remediation:
    "Set `policy drop` on the input chain of an inet table (what `rampart apply --only firewall` loads), e.g. `nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }'` after allowing ssh.",
  refs: [
    "CIS Debian Linux 12 4.3.8 (nftables default deny policy)",
    "CIS Debian Linux 12 4.4.2.1 (iptables default deny)",
    "Lynis FIRE-4508",
  ],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const v4 = defaultDenyChains(state.ruleset, 4);
    const v6 = defaultDenyChains(state.ruleset, 6);
    const v6off = await ipv6Disabled(ctx);
    const observed = {
      ipv4: v4.map((d) => d.by).join("; ") || "no input chain drops by default",
      ipv6:
        v6.map((d) => d.by).join("; ") ||
        (v6off.disabled ? `not needed: IPv6 disabled (${v6off.source})` : "no input chain drops by default"),
    };
    const missing = [v4.length === 0 ? "IPv4" : "", v6.length === 0 && !v6off.disabled ? "IPv6" : ""].filter(Boolean);
    return {
      status: missing.length === 0 ? "pass" : "fail",
      observed,
      expected: "an input-hook chain with policy drop (or a final drop/reject rule) for IPv4 and IPv6",
      source: state.source,
      ...(missing.length > 0 ? { reason: `${missing.join(" and ")} inbound traffic is accepted unless a rule drops it` } : {}),
    };
  },
};
