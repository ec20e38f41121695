// FW-ACTIVE: which packet filter is really loaded in the kernel — nftables, iptables through nf_tables,
// iptables-legacy (x_tables), ufw or firewalld on top — judged from the rules present, not from the
// packages installed. Rules in both nftables and iptables-legacy are evaluated independently by the kernel,
// which surprises people, so that mix is a warning.
import { processes, programName } from "../../../facts/processes.js";
import type { Check } from "../../types.js";
import { isOutcome, loadRuleset, ufwEnabled } from "./state.js";

export const fwActive: Check = {
  id: "FW-ACTIVE",
  area: "firewall",
  title: "A host firewall is active",
  severity: "high",
  live: true,
  remediation:
    "Load a default-deny ruleset: `rampart apply --only firewall` (nftables table inet rampart), or `apt-get install nftables && systemctl enable --now nftables` with rules in /etc/nftables.conf.",
  refs: ["CIS Debian Linux 12 4.1.1 (a single firewall utility in use)", "Lynis FIRE-4512", "Lynis FIRE-4590"],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const found: string[] = [];
    for (const origin of state.active) {
      const tables = [...new Set(state.ruleset.tables.filter((t) => t.origin === origin).map((t) => `${t.family} ${t.name}`))];
      found.push(`${origin} (${tables.join(", ")})`);
    }
    const ufw = await ufwEnabled(ctx);
    const ufwChains = state.ruleset.chains.some((c) => c.name.startsWith("ufw-") || c.name.startsWith("ufw6-"));
    if (ufw?.enabled && ufwChains) found.push(`ufw (${ufw.source})`);
    const firewalld = (await processes(ctx)).find(
      (p) => p.argv.some((a) => a.endsWith("/firewalld") || a === "firewalld") || programName(p) === "firewalld",
    );
    if (firewalld) found.push(`firewalld (pid ${firewalld.pid})`);
    const base = { expected: "a loaded packet filter (nftables, iptables, ufw or firewalld)", source: state.source };
    if (found.length === 0) {
      const why = ufw?.enabled ? `; ${ufw.source} says ENABLED=yes but no ufw chains are loaded` : "";
      return {
        status: "fail",
        ...base,
        observed: "no filter rules or drop policies loaded",
        reason: `the kernel accepts every packet${why}`,
      };
    }
    if (state.active.includes("iptables-legacy") && (state.active.includes("nftables") || state.active.includes("iptables-nft"))) {
      return {
        status: "warn",
        ...base,
        observed: found,
        reason:
          "rules are loaded in both iptables-legacy and nf_tables; both apply, independently — keep one (update-alternatives --set iptables /usr/sbin/iptables-nft)",
      };
    }
    return { status: "pass", ...base, observed: found };
  },
};
