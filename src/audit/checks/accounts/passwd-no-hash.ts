// ACC-PASSWD-NO-HASH: /etc/passwd (readable by everyone) holds no password hash: each password field is
// "x" (the hash is in /etc/shadow) or "*" (no password). An empty field is ACC-EMPTY-PASSWORDS' finding.
import { accounts } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

export const passwdNoHash: Check = {
  id: "ACC-PASSWD-NO-HASH",
  area: "accounts",
  title: "/etc/passwd holds no password hashes",
  severity: "high",
  remediation:
    "Run `pwconv` to move the hashes into /etc/shadow, then have the listed users set a new password (the old hash was world-readable).",
  refs: ["dev-sec linux-baseline os-03b", "CIS Debian 12: Ensure accounts in /etc/passwd use shadowed passwords"],
  async run(ctx) {
    const db = await accounts(ctx);
    const bad = db.users.filter((u) => u.passwordField !== "x" && u.passwordField !== "*" && u.passwordField !== "");
    const expected = 'every password field "x" or "*"';
    if (bad.length) return { status: "fail", observed: bad.map((u) => u.name), expected, source: bad.map((u) => u.source).join(", ") };
    return { status: "pass", observed: "no hash in /etc/passwd", expected, source: "/etc/passwd" };
  },
};
