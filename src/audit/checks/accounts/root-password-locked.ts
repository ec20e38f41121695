// ACC-ROOT-PASSWORD-LOCKED: root has no usable password ("!" or "*" in /etc/shadow), so nobody can log in
// or `su` as root with a guessed password; admins use sudo. The hash itself is never shown.
import { accounts, shadow } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

export const rootPasswordLocked: Check = {
  id: "ACC-ROOT-PASSWORD-LOCKED",
  area: "accounts",
  title: "Root's password is locked",
  severity: "medium",
  remediation: "Lock it once an admin can use sudo: `passwd -l root`.",
  refs: ["Lynis AUTH-9284", "CIS Debian 12: Ensure root password is set or locked"],
  async run(ctx) {
    const [sh, db] = await Promise.all([shadow(ctx), accounts(ctx)]);
    const expected = "locked (! or * in /etc/shadow)";
    const entry = sh?.find((e) => e.name === "root");
    if (!entry) {
      const pw = db.user("root");
      if (!pw) return { status: "error", reason: "no root entry in /etc/passwd" };
      return pw.emptyPasswordField
        ? { status: "fail", observed: "empty password in /etc/passwd", expected, source: pw.source }
        : { status: "skip", reason: "root has no /etc/shadow entry to judge" };
    }
    if (entry.locked)
      return { status: "pass", observed: entry.scheme ? "locked (a hash behind !)" : "locked", expected, source: entry.source };
    const observed = entry.empty ? "empty: login without a password" : `a usable ${entry.scheme} password hash`;
    return { status: "fail", observed, expected, source: entry.source };
  },
};
