// ACC-PAM-FAILLOCK: repeated wrong passwords lock the account for a while (pam_faillock; pam_tally2 on old
// systems), which stops password guessing at the console, su and sudo. Strict-only: a lockout can also be
// used to lock an admin out, and on a key-only SSH server sshd never asks PAM for a password.
import { findModule, pamStack } from "../../../facts/pam.js";
import type { Check } from "../../types.js";
import { skip } from "../../types.js";
import { isStrict, onlyStrictRequires } from "../../profile.js";

const LOCKERS = ["pam_faillock.so", "pam_tally2.so"];
const STACKS = ["common-auth", "system-auth", "password-auth"];

export const pamFaillock: Check = {
  id: "ACC-PAM-FAILLOCK",
  area: "accounts",
  title: "repeated failed logins lock the account (PAM)",
  severity: "low",
  remediation:
    "Add pam_faillock to /etc/pam.d/common-auth (`auth required pam_faillock.so preauth` before pam_unix, `auth [default=die] pam_faillock.so authfail` after it) and set deny = 5, unlock_time = 900 in /etc/security/faillock.conf.",
  refs: ["CIS Debian 12: Ensure lockout for failed password attempts is configured"],
  strict: "requires pam_faillock (or pam_tally2) in the auth stack; the baseline profile does not judge lockout",
  async run(ctx) {
    if (!(await ctx.fs.exists("/etc/pam.d"))) return skip("no /etc/pam.d (PAM not in use)");
    for (const s of STACKS) {
      const hit = findModule(await pamStack(ctx, s), "auth", LOCKERS);
      if (hit)
        return {
          status: "pass",
          observed: `${hit.module} ${hit.args.join(" ")}`.trim(),
          expected: LOCKERS.join(" or "),
          source: hit.source,
        };
    }
    if (!isStrict(ctx)) return onlyStrictRequires("an account lockout after failed logins");
    return {
      status: "fail",
      observed: "no lockout module in the auth stack",
      expected: LOCKERS.join(" or "),
      source: "/etc/pam.d/common-auth",
    };
  },
};
