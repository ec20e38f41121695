// ACC-SUDO-NOPASSWD-ALL: sudo asks for the user's password before running anything as root. A global
// NOPASSWD (for ALL, a %group, or any user not named by the policy) and `Defaults !authenticate` turn a
// stolen session or key into root at once. A policy admin with `sudoPassword: false` may have NOPASSWD.
import { sudoers } from "../../../facts/sudoers.js";
import type { Check } from "../../types.js";

export const sudoNopasswdAll: Check = {
  id: "ACC-SUDO-NOPASSWD-ALL",
  area: "accounts",
  title: "sudo asks for a password (no NOPASSWD: ALL)",
  severity: "high",
  remediation:
    "Remove NOPASSWD from the listed rules (`visudo -f FILE`), e.g. cloud-init's /etc/sudoers.d/90-cloud-init-users; or declare the admin with `sudoPassword: false` in the policy if that is intended.",
  refs: ["Lynis AUTH-9250", "CIS Debian 12: Ensure users must provide password for privilege escalation"],
  async run(ctx) {
    const sudo = await sudoers(ctx);
    if (!sudo.present) return { status: "skip", reason: "sudo is not installed (no /etc/sudoers)" };
    const allowed = new Set(ctx.policy.admins.filter((a) => !a.sudoPassword).map((a) => a.name));
    const bad = [
      ...sudo.rules.filter((r) => r.nopasswdAll && !r.who.every((w) => allowed.has(w))).map((r) => ({ text: r.text, source: r.source })),
      ...sudo.noAuthDefaults,
    ];
    const expected = "no NOPASSWD for ALL commands (except policy admins with sudoPassword: false)";
    if (bad.length > 0) {
      return { status: "fail", observed: bad.map((b) => `${b.source}: ${b.text}`), expected, source: bad.map((b) => b.source).join(", ") };
    }
    const sanctioned = sudo.rules.filter((r) => r.nopasswdAll);
    return {
      status: "pass",
      observed: sanctioned.length ? sanctioned.map((r) => `${r.source}: ${r.text} (allowed by the policy)`) : "no NOPASSWD: ALL rule",
      expected,
      source: sudo.files.map((f) => f.path).join(", "),
    };
  },
};
