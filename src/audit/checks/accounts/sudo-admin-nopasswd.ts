// ACC-SUDO-NOPASSWD: sudo asks each admin for their password — the last hurdle the hardening guides keep
// after key-only SSH (a stolen key or an unlocked laptop is not root at once). Every sudo rule that reaches
// an admin (by name, uid, %group, User_Alias or ALL) and lets any command run without a password is a
// finding, and so is `Defaults !authenticate` for them. Stricter than ACC-SUDO-NOPASSWD-ALL: NOPASSWD for a
// single command counts too, and `sudoPassword: false` in the policy only lowers it to a warning — a waiver
// (waivers: [{check: ACC-SUDO-NOPASSWD, reason: …}]) is how an intended exception is recorded.
import type { AccountDb } from "../../../facts/passwd.js";
import { sudoers } from "../../../facts/sudoers.js";
import type { Check } from "../../types.js";
import { adminNames, sudoAdmins } from "./admins.js";

/** Does a sudoers user list entry ("alice", "%sudo", "#1000", "ALL") name this user? */
function names(who: string, user: string, db: AccountDb): boolean {
  if (who === "ALL" || who === user) return true;
  const u = db.user(user);
  if (who.startsWith("#")) return u !== undefined && u.uid === Number(who.slice(1));
  if (who.startsWith("%")) {
    const group = who.replace(/^%:?/, "");
    const g = group.startsWith("#") ? db.groupByGid(Number(group.slice(1))) : db.group(group);
    return g !== undefined && db.membersOf(g.name).includes(user);
  }
  return false;
}

export const sudoAdminNopasswd: Check = {
  id: "ACC-SUDO-NOPASSWD",
  area: "accounts",
  title: "sudo asks every admin for a password (no NOPASSWD rule reaches an admin)",
  severity: "medium",
  remediation:
    "Remove NOPASSWD from the listed rules (`visudo -f FILE`; rampart writes /etc/sudoers.d/rampart from admins[].sudoPassword), or record the exception as a waiver with a reason.",
  refs: [
    "Lynis AUTH-9250",
    "CIS Debian 12: Ensure users must provide password for privilege escalation",
    "Linux Journal: hurdle after hurdle",
  ],
  async run(ctx) {
    const sudo = await sudoers(ctx);
    if (!sudo.present) return { status: "skip", reason: "sudo is not installed (no /etc/sudoers)" };
    const { db } = await sudoAdmins(ctx);
    const { names: admins, from } = await adminNames(ctx);
    if (admins.length === 0) return { status: "skip", reason: "no admin: the policy names none and sudo grants ALL to nobody" };
    const expected = "every admin's sudo rules ask for the password (no NOPASSWD, no !authenticate)";
    const found: { admin: string; text: string; source: string }[] = [];
    for (const admin of admins) {
      for (const r of sudo.rules) if (r.nopasswd && r.who.some((w) => names(w, admin, db))) found.push({ admin, ...r });
      for (const d of sudo.noAuthDefaults) {
        // `Defaults:LIST !authenticate` reaches the listed users only; other Defaults forms reach everyone
        const target = /^Defaults:(\S+)/.exec(d.text)?.[1];
        if (target === undefined || target.split(",").some((w) => names(w.trim(), admin, db))) found.push({ admin, ...d });
      }
    }
    if (found.length === 0) {
      return {
        status: "pass",
        observed: `no NOPASSWD rule reaches ${admins.join(", ")} (admins from ${from})`,
        expected,
        source: sudo.files.map((f) => f.path).join(", "),
      };
    }
    const declared = new Set(ctx.policy.admins.filter((a) => !a.sudoPassword).map((a) => a.name));
    const onlyDeclared = found.every((f) => declared.has(f.admin));
    return {
      status: onlyDeclared ? "warn" : "fail",
      observed: found.map((f) => `${f.admin}: ${f.source}: ${f.text}`),
      expected,
      source: [...new Set(found.map((f) => f.source))].join(", "),
      ...(onlyDeclared ? { reason: "the policy asks for it (sudoPassword: false): waive this check to record why" } : {}),
    };
  },
};
