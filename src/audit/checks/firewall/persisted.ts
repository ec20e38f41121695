// FW-PERSISTED: the firewall comes back after a reboot — a non-trivial /etc/nftables.conf with
// nftables.service enabled, /etc/iptables/rules.v4 with netfilter-persistent enabled, ufw or firewalld
// enabled, or rampart's own firewall unit. "Enabled" means a symlink in /etc/systemd/system/*.wants, what
// `systemctl enable` creates, so this works on an image under --root as well.
import { enabledUnits } from "../../../facts/units.js";
import type { Check } from "../../types.js";

/** Rules in an nftables file beyond Debian's stock accept-all skeleton. */
export function nftConfHasRules(text: string): boolean {
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line || line === "}" || line === "{" || line.startsWith("#!")) continue;
    if (/^(flush ruleset|table\s|chain\s|type\s)/.test(line) && !/policy\s+drop/.test(line)) continue;
    return true;
  }
  return false;
}

export const fwPersisted: Check = {
  id: "FW-PERSISTED",
  area: "firewall",
  title: "Firewall rules are restored at boot",
  severity: "medium",
  remediation:
    "`rampart apply --only firewall` installs and enables its unit; by hand: put the ruleset in /etc/nftables.conf and `systemctl enable nftables`, or `apt-get install iptables-persistent && netfilter-persistent save`.",
  refs: ["CIS Debian Linux 12 4.3.10 (nftables rules are permanent)", "Lynis FIRE-4540"],
  async run(ctx) {
    const units = await enabledUnits(ctx);
    const found: string[] = [];
    const partial: string[] = [];
    const unit = (name: string) => units.get(name);
    const nftConf = await ctx.fs.readTextIfExists("/etc/nftables.conf");
    if (nftConf !== undefined) {
      const rules = nftConfHasRules(nftConf);
      const u = unit("nftables.service");
      if (rules && u) found.push(`/etc/nftables.conf (rules) + ${u}`);
      else if (rules) partial.push("/etc/nftables.conf has rules but nftables.service is not enabled");
      else if (u) partial.push("nftables.service is enabled but /etc/nftables.conf has no rules (accept-all skeleton)");
    }
    for (const f of ["/etc/iptables/rules.v4", "/etc/iptables/rules.v6"]) {
      const text = await ctx.fs.readTextIfExists(f);
      if (text === undefined) continue;
      const hasRules = /^(-A |:\w+ DROP)/m.test(text);
      const u = unit("netfilter-persistent.service");
      if (hasRules && u) found.push(`${f} + ${u}`);
      else if (hasRules) partial.push(`${f} has rules but netfilter-persistent.service is not enabled`);
    }
    const ufwConf = await ctx.fs.readTextIfExists("/etc/ufw/ufw.conf");
    if (ufwConf && /^\s*ENABLED\s*=\s*"?yes/im.test(ufwConf) && unit("ufw.service"))
      found.push(`ufw (ENABLED=yes) + ${unit("ufw.service")}`);
    if (unit("firewalld.service")) found.push(`firewalld: ${unit("firewalld.service")}`);
    for (const [name, link] of units) if (/^rampart.*firewall.*\.service$/.test(name)) found.push(`rampart: ${link}`);
    const expected = "an enabled unit that loads a non-trivial ruleset at boot";
    const source = "/etc/systemd/system/*.wants, /etc/nftables.conf, /etc/iptables/rules.v4";
    if (found.length > 0) return { status: "pass", observed: found, expected, source };
    return {
      status: "fail",
      observed: partial.length > 0 ? partial : "no persisted ruleset and no enabled firewall unit",
      expected,
      source,
      reason: "after a reboot the host starts with no firewall",
    };
  },
};
