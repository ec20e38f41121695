// MAC-PROFILES-ENFORCING: AppArmor profiles are loaded and enforce (complain mode only logs); with SELinux,
// the enforce flag. The policy's `mac.apparmor: complain` accepts complain mode.
import type { Check } from "../../types.js";
import { AA_PROFILES, macState, SELINUX_ENFORCE } from "../../../facts/mac.js";

export const profilesEnforcing: Check = {
  id: "MAC-PROFILES-ENFORCING",
  area: "mac",
  title: "MAC profiles are loaded and enforcing",
  severity: "low",
  remediation: "`apt-get install apparmor-profiles apparmor-utils` and put the profiles in enforce mode: `aa-enforce /etc/apparmor.d/*`.",
  refs: ["Lynis MACF-6208", "CIS Debian 12: Ensure all AppArmor Profiles are enforcing"],
  live: true,
  async run(ctx) {
    if (ctx.policy.mac.apparmor === "disabled") return { status: "skip", reason: "the policy turns AppArmor off (mac.apparmor: disabled)" };
    const s = await macState(ctx);
    if (s.apparmor?.enabled) {
      const modes = s.apparmor.profiles;
      if (!modes) return { status: "error", reason: `cannot read ${AA_PROFILES} (securityfs not mounted, or not root)` };
      const complainOk = ctx.policy.mac.apparmor === "complain";
      const expected = complainOk ? "profiles loaded, in enforce or complain mode" : "profiles loaded, all in enforce mode";
      const total = s.apparmor.profileLines ?? 0;
      if (total === 0) return { status: "fail", observed: "no profile loaded", expected, source: AA_PROFILES };
      const complain = modes.complain ?? 0;
      if (complain > 0 && !complainOk)
        return { status: "warn", observed: modes, expected, source: AA_PROFILES, reason: `${complain} profile(s) only log (complain)` };
      return { status: "pass", observed: modes, expected, source: AA_PROFILES };
    }
    if (s.selinux) {
      return s.selinux.enforcing
        ? { status: "pass", observed: "SELinux enforcing", expected: "enforcing", source: SELINUX_ENFORCE }
        : { status: "warn", observed: "SELinux permissive", expected: "enforcing", source: SELINUX_ENFORCE };
    }
    return {
      status: "skip",
      reason: s.apparmor ? "AppArmor is disabled (see MAC-APPARMOR-ENABLED)" : "the kernel has neither AppArmor nor SELinux",
    };
  },
};
