// MAC-APPARMOR-ENABLED: a mandatory access control framework is active in the running kernel — AppArmor
// (Debian/Ubuntu) or SELinux. Skipped with the reason when the kernel has neither.
import type { Check } from "../../types.js";
import { AA_ENABLED, macState, SELINUX_ENFORCE } from "../../../facts/mac.js";

export const macEnabled: Check = {
  id: "MAC-APPARMOR-ENABLED",
  area: "mac",
  title: "AppArmor (or SELinux) is enabled",
  severity: "medium",
  remediation:
    "`apt-get install apparmor apparmor-utils`, keep `apparmor=1 security=apparmor` on the kernel command line (not `apparmor=0`), and reboot.",
  refs: ["Lynis MACF-6208", "Lynis MACF-6234", "CIS Debian 12: Ensure AppArmor is enabled in the bootloader configuration"],
  live: true,
  async run(ctx) {
    if (ctx.policy.mac.apparmor === "disabled") return { status: "skip", reason: "the policy turns AppArmor off (mac.apparmor: disabled)" };
    const s = await macState(ctx);
    if (s.apparmor) {
      const expected = "Y";
      if (s.apparmor.enabled) return { status: "pass", observed: "AppArmor enabled (Y)", expected, source: AA_ENABLED };
      if (s.selinux) return judgeSelinux(s.selinux.enforcing);
      return { status: "fail", observed: "AppArmor built in but disabled (N)", expected, source: AA_ENABLED };
    }
    if (s.selinux) return judgeSelinux(s.selinux.enforcing);
    return { status: "skip", reason: `the kernel has neither AppArmor (${AA_ENABLED}) nor SELinux (${SELINUX_ENFORCE})` };
  },
};

function judgeSelinux(enforcing: boolean) {
  return enforcing
    ? { status: "pass" as const, observed: "SELinux enforcing", expected: "enforcing", source: SELINUX_ENFORCE }
    : { status: "warn" as const, observed: "SELinux permissive", expected: "enforcing", source: SELINUX_ENFORCE };
}
