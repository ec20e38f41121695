// MAC-INSTALLED: the AppArmor (or SELinux) userspace is installed, so profiles load at boot. File-based
// (dpkg database), so it also judges an image under --root.
import { installedOf, packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";

const APPARMOR = ["apparmor"];
const SELINUX = ["selinux-basics", "selinux-policy-default"];

export const macInstalled: Check = {
  id: "MAC-INSTALLED",
  area: "mac",
  title: "AppArmor (or SELinux) userspace is installed",
  severity: "low",
  remediation: "`apt-get install apparmor apparmor-utils apparmor-profiles`.",
  refs: ["Lynis MACF-6204", "CIS Debian 12: Ensure AppArmor is installed"],
  async run(ctx) {
    if (ctx.policy.mac.apparmor === "disabled") return { status: "skip", reason: "the policy turns AppArmor off (mac.apparmor: disabled)" };
    const db = await packages(ctx);
    if (!db.present) return { status: "skip", reason: "no dpkg database (/var/lib/dpkg/status)" };
    const found = installedOf(db, [...APPARMOR, ...SELINUX]);
    const expected = "apparmor (or selinux-basics) installed";
    if (found.length)
      return {
        status: "pass",
        observed: found.map((p) => `${p.name} ${p.version}`),
        expected,
        source: found.map((p) => p.source).join(", "),
      };
    return { status: "fail", observed: "not installed", expected, source: "/var/lib/dpkg/status" };
  },
};
