// UPD-SECURITY-ORIGIN: unattended-upgrades is told to install from the security suite
// (Unattended-Upgrade::Origins-Pattern, or the older ::Allowed-Origins), otherwise it runs and installs
// nothing that matters.
import { aptConfig, aptKey } from "../../../facts/apt.js";
import { packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";

const LISTS = ["Unattended-Upgrade::Origins-Pattern", "Unattended-Upgrade::Allowed-Origins"];

export const updSecurityOrigin: Check = {
  id: "UPD-SECURITY-ORIGIN",
  area: "updates",
  title: "unattended-upgrades installs from the security suite",
  severity: "medium",
  remediation:
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${distro_codename} is apt's own variable syntax
    'Add the security origin to /etc/apt/apt.conf.d/50unattended-upgrades: Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=${distro_codename}-security,label=Debian-Security"; }; (Ubuntu: "${distro_id}:${distro_codename}-security" in Allowed-Origins).',
  refs: ["Lynis PKGS-7420", "https://wiki.debian.org/UnattendedUpgrades"],
  async run(ctx) {
    const db = await packages(ctx);
    if (!db.packages.get("unattended-upgrades")?.installed)
      return { status: "skip", reason: "unattended-upgrades is not installed (see UPD-UNATTENDED-ENABLED)" };
    const cfg = await aptConfig(ctx);
    const items = LISTS.flatMap((k) => (cfg.lists.get(aptKey(k)) ?? []).map((v) => ({ ...v, key: k })));
    const sec = items.filter((i) => /security/i.test(i.value));
    const expected = "an Origins-Pattern (or Allowed-Origins) entry for the -security suite";
    if (sec.length > 0) return { status: "pass", observed: sec.map((s) => s.value), expected, source: sec.map((s) => s.source).join(", ") };
    return {
      status: "fail",
      observed: items.length > 0 ? items.map((i) => i.value) : "no Origins-Pattern or Allowed-Origins configured",
      expected,
      source: items.map((i) => i.source).join(", ") || cfg.files.join(", ") || "/etc/apt/apt.conf.d",
      reason: "unattended-upgrades would not install security updates",
    };
  },
};
