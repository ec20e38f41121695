// The account databases as files (/etc/passwd, /etc/group, /etc/shadow), read through HostFs so plans work
// for --root images too. Read-only: changes go through Debian's own tools (useradd, usermod, passwd), whose
// argv the plan shows. Shadow password fields are only ever classified (locked/usable/empty), never kept.
import type { HostFs } from "../system/hostfs.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export type PasswordState = "locked" | "usable" | "empty" | "none";

export interface Accounts {
  users: Map<string, PasswdEntry>;
  groups: Map<string, GroupEntry>;
  /** shadow state per user; no hashes are kept */
  passwords: Map<string, PasswordState>;
}

export async function readAccounts(fs: HostFs): Promise<Accounts> {
  const users = new Map<string, PasswdEntry>();
  for (const line of ((await fs.readTextIfExists("/etc/passwd")) ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || !f[0]) continue;
    users.set(f[0], { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "", shell: f[6] ?? "" });
  }
  const groups = new Map<string, GroupEntry>();
  for (const line of ((await fs.readTextIfExists("/etc/group")) ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length < 4 || !f[0]) continue;
    groups.set(f[0], { name: f[0], gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) });
  }
  const passwords = new Map<string, PasswordState>();
  for (const line of ((await fs.readTextIfExists("/etc/shadow")) ?? "").split("\n")) {
    const f = line.split(":");
    if (f.length < 2 || !f[0]) continue;
    passwords.set(f[0], classifyPassword(f[1] ?? ""));
  }
  return { users, groups, passwords };
}

/** "!…" or "*" = locked (or no password); "" = empty (login without password!); else a usable hash. */
export function classifyPassword(field: string): PasswordState {
  if (field === "") return "empty";
  if (field.startsWith("!") || field === "*") return "locked";
  if (field.startsWith("*")) return "none";
  return "usable";
}

/** Every group a user is in: the primary group and supplementary memberships. */
export function groupsOf(acc: Accounts, user: string): string[] {
  const out = new Set<string>();
  const u = acc.users.get(user);
  if (u) for (const g of acc.groups.values()) if (g.gid === u.gid) out.add(g.name);
  for (const g of acc.groups.values()) if (g.members.includes(user)) out.add(g.name);
  return [...out];
}

/** uid/gid of an owner given by names (after the plan's commands have created them). */
export function resolveOwner(acc: Accounts, owner: { user: string; group: string }): { uid: number; gid: number } | undefined {
  const u = acc.users.get(owner.user);
  const g = acc.groups.get(owner.group);
  if (!u || !g) return undefined;
  return { uid: u.uid, gid: g.gid };
}

/** Names of ids, for showing the current owner of a file. */
export function ownerNames(acc: Accounts, uid: number, gid: number): { user: string; group: string } {
  const user = [...acc.users.values()].find((u) => u.uid === uid)?.name ?? String(uid);
  const group = [...acc.groups.values()].find((g) => g.gid === gid)?.name ?? String(gid);
  return { user, group };
}
