// SSH-MFA: per admin, does sshd demand a second factor after the key (the effective AuthenticationMethods
// for that admin, and a PAM stack that really runs the TOTP module) and is the admin enrolled (a secret file
// the module accepts)? The policy decides, as for every ssh setting: with `ssh.mfa: off` the check passes
// and only shows each admin's state; with `totp` or `password` anything weaker, or an admin who is not
// enrolled, is a finding.
import { mfaStatus } from "../../../mfa/status.js";
import { PAM_SSHD, TOTP_MODULE, TOTP_PACKAGE, pamUsesModule } from "../../../sshd/pam.js";
import { packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";
import { factsOrSkip, isOutcome } from "./setting.js";

export const sshMfa: Check = {
  id: "SSH-MFA",
  area: "ssh",
  title: "Admins need a second factor after the SSH key, and are enrolled for it",
  severity: "medium",
  remediation:
    "Enrol each admin (`sudo rampart mfa enroll ADMIN`, scan the QR code), then set `ssh: { mfa: totp }` in the policy and `rampart apply --only ssh` (AuthenticationMethods publickey,keyboard-interactive:pam).",
  refs: ["Linux Journal: hurdle after hurdle (multi-factor SSH)", "CIS Debian 12 5.2.x (AuthenticationMethods)", "NIST SP 800-63B AAL2"],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    if (f.admins.names.length === 0)
      return { status: "skip", reason: "no admin: the policy names none and no user is in sudo/admin/wheel" };
    const want = ctx.policy.ssh.mfa;
    const rows = await mfaStatus(ctx, f.admins.names);
    const observed = rows.map(
      (r) =>
        `${r.user}: ${r.required === "none" ? "key only" : `key + ${r.required}`}, ${!r.exists ? "no such user" : r.enrolled ? "enrolled" : r.problem ? `secret refused (${r.problem})` : "not enrolled"}`,
    );
    const source = [...new Set(rows.map((r) => r.source))].join(", ");
    const expected =
      want === "off"
        ? "a second factor for every admin (policy ssh.mfa: off)"
        : `key + ${want} for every admin${want === "totp" ? ", each enrolled" : ""}`;
    // a stack that names the module while its package is gone fails every keyboard-interactive login (default=die)
    const db = await packages(ctx);
    if (
      db.present &&
      !db.packages.get(TOTP_PACKAGE)?.installed &&
      pamUsesModule((await ctx.fs.readTextIfExists(PAM_SSHD)) ?? "", TOTP_MODULE)
    ) {
      return {
        status: "fail",
        observed,
        expected,
        source: PAM_SSHD,
        reason: `${PAM_SSHD} uses ${TOTP_MODULE} but ${TOTP_PACKAGE} is not installed: every login that needs the code fails (apt-get install ${TOTP_PACKAGE})`,
      };
    }
    // the policy decides (as for every ssh setting): `off` is a pass that still shows each admin's state
    if (want === "off")
      return { status: "pass", observed, expected, source, reason: "the policy asks for no second factor (ssh.mfa: off)" };
    const bad = rows.filter((r) => r.required !== want || (want === "totp" && !r.enrolled && r.exists));
    if (bad.length === 0) return { status: "pass", observed, expected, source };
    return {
      status: "fail",
      observed,
      expected,
      source,
      reason: bad
        .map((r) =>
          r.required !== want
            ? `${r.user}: sshd asks ${r.required === "none" ? "the key only" : `key + ${r.required}`}`
            : `${r.user}: not enrolled`,
        )
        .join("; "),
    };
  },
};
