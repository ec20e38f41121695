// Who the admins are, as sudo sees them: users granted ALL commands by /etc/sudoers (directly, through a
// User_Alias, or through a %group such as sudo/admin/wheel). Shared by ACC-ADMIN-SUDO and ACC-ADMIN-KEYS.
import { type AccountDb, accounts } from "../../../facts/passwd.js";
import { type Sudoers, sudoers } from "../../../facts/sudoers.js";
import type { AuditContext } from "../../types.js";

export const ADMIN_GROUPS = ["sudo", "admin", "wheel"] as const;

export interface SudoAdmin {
  name: string;
  /** how sudo grants it: "group sudo (/etc/group:27) via %sudo (/etc/sudoers:50)" */
  via: string;
  sources: string[];
}

export interface AdminView {
  db: AccountDb;
  sudo: Sudoers;
  /** non-root users who may run ALL commands through sudo */
  admins: SudoAdmin[];
}

export function sudoAdmins(ctx: AuditContext): Promise<AdminView> {
  return ctx.memo("accounts:sudo-admins", async () => {
    const [db, sudo] = await Promise.all([accounts(ctx), sudoers(ctx)]);
    const found = new Map<string, SudoAdmin>();
    const add = (name: string, via: string, sources: string[]) => {
      const u = db.user(name);
      if (!u || u.uid === 0 || found.has(name)) return;
      found.set(name, { name, via, sources });
    };
    for (const rule of sudo.rules) {
      if (!rule.all) continue;
      for (const who of rule.who) {
        if (who.startsWith("%")) {
          const group = who.replace(/^%:?/, "");
          const g = group.startsWith("#") ? db.groupByGid(Number(group.slice(1))) : db.group(group);
          if (!g) continue;
          for (const m of db.membersOf(g.name))
            add(m, `group ${g.name} (${g.source}) via ${who} (${rule.source})`, [g.source, rule.source]);
        } else if (who.startsWith("#")) {
          const u = db.users.find((x) => x.uid === Number(who.slice(1)));
          if (u) add(u.name, `uid ${who.slice(1)} (${rule.source})`, [rule.source]);
        } else if (who !== "ALL" && !who.startsWith("!")) {
          add(who, `user rule (${rule.source})`, [rule.source]);
        }
      }
    }
    return { db, sudo, admins: [...found.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) };
  });
}

/** The admins whose access matters: the policy's admins when it names any, else everyone sudo grants ALL. */
export async function adminNames(ctx: AuditContext): Promise<{ names: string[]; from: "policy" | "sudo" }> {
  if (ctx.policy.admins.length > 0) return { names: ctx.policy.admins.map((a) => a.name), from: "policy" };
  const view = await sudoAdmins(ctx);
  return { names: view.admins.map((a) => a.name), from: "sudo" };
}
