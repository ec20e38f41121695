// ACC-EMPTY-PASSWORDS: no account logs in without a password (an empty field in /etc/shadow, or in
// /etc/passwd for an account without a shadow entry).
import { accounts, shadow } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

export const emptyPasswords: Check = {
  id: "ACC-EMPTY-PASSWORDS",
  area: "accounts",
  title: "No account has an empty password",
  severity: "critical",
  remediation: "Lock each listed account (`passwd -l NAME`) or set a password (`passwd NAME`).",
  refs: ["Lynis AUTH-9283", "CIS Debian 12: Ensure /etc/shadow password fields are not empty"],
  async run(ctx) {
    const [db, sh] = await Promise.all([accounts(ctx), shadow(ctx)]);
    const inShadow = new Set((sh ?? []).map((e) => e.name));
    const bad = [
      ...(sh ?? []).filter((e) => e.empty).map((e) => ({ name: e.name, source: e.source })),
      ...db.users.filter((u) => u.emptyPasswordField && !inShadow.has(u.name)).map((u) => ({ name: u.name, source: u.source })),
    ];
    const expected = "every account has a password hash or is locked";
    if (bad.length > 0) return { status: "fail", observed: bad.map((b) => b.name), expected, source: bad.map((b) => b.source).join(", ") };
    return { status: "pass", observed: "none empty", expected, source: sh ? "/etc/shadow" : "/etc/passwd" };
  },
};
