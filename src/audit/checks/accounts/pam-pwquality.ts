// ACC-PAM-PWQUALITY: password changes pass through a strength checker (pam_pwquality, pam_cracklib or
// pam_passwdqc), so a user (or an admin for their sudo password) cannot set "password1". Low: on a
// key-only SSH server a password guards sudo and the console, not the network login.
import { findModule, pamStack } from "../../../facts/pam.js";
import type { Check } from "../../types.js";
import { skip } from "../../types.js";
import { isStrict } from "../../profile.js";

const CHECKERS = ["pam_pwquality.so", "pam_cracklib.so", "pam_passwdqc.so"];
const STACKS = ["common-password", "system-auth", "password-auth", "passwd"];

export const pamPwquality: Check = {
  id: "ACC-PAM-PWQUALITY",
  area: "accounts",
  title: "password changes are checked for strength (PAM)",
  severity: "low",
  remediation:
    "`apt-get install libpam-pwquality` (it adds pam_pwquality to /etc/pam.d/common-password); set minlen = 14 in /etc/security/pwquality.conf.",
  refs: ["Lynis AUTH-9262", "CIS Debian 12: Ensure password creation requirements are configured"],
  strict: "fails (instead of warning) when no strength checker is in the password stack",
  async run(ctx) {
    if (!(await ctx.fs.exists("/etc/pam.d"))) return skip("no /etc/pam.d (PAM not in use)");
    for (const s of STACKS) {
      const stack = await pamStack(ctx, s);
      const hit = findModule(stack, "password", CHECKERS);
      if (hit)
        return {
          status: "pass",
          observed: `${hit.module} ${hit.args.join(" ")}`.trim(),
          expected: CHECKERS.join(" or "),
          source: hit.source,
        };
    }
    const sources = (await Promise.all(STACKS.map(async (s) => ((await pamStack(ctx, s)).length ? `/etc/pam.d/${s}` : "")))).filter(
      Boolean,
    );
    return {
      status: isStrict(ctx) ? "fail" : "warn",
      observed: "no strength checker in the password stack",
      expected: CHECKERS.join(" or "),
      source: sources.join(", ") || "/etc/pam.d",
    };
  },
};
