// The account databases as maps by name, for the apply parts and MFA enrolment (passwd.ts holds the parsers and
// the audit's line-numbered view), read through HostFs so plans work for --root images too, and read fresh on
// each call: a plan's commands create users, and the next step must see them. Read-only: changes go through
// Debian's own tools (useradd, usermod, passwd), whose argv the plan shows. Shadow password fields are only
// ever classified (locked/usable/empty), never kept.
import { parseGroup, parsePasswd, parseShadow } from "./passwd.js";
import type { HostFs } from "../system/hostfs.js";

/** A user as the apply parts need it (passwd.ts's PasswdEntry also carries the file:line and the empty-field flag). */
export interface AccountUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface AccountGroup {
  name: string;
  gid: number;
  members: string[];
}

/** "locked": `!…` or `*…` (no password login); "empty": login without a password; "usable": a hash */
export type PasswordState = "locked" | "usable" | "empty";

export interface Accounts {
  users: Map<string, AccountUser>;
  groups: Map<string, AccountGroup>;
  /** shadow state per user; no hashes are kept */
  passwords: Map<string, PasswordState>;
}

export async function readAccounts(fs: HostFs): Promise<Accounts> {
  // the audit's parsers (one reading of these formats in rampart), kept here as maps by name
  const [passwd, group, shadow] = await Promise.all(["/etc/passwd", "/etc/group", "/etc/shadow"].map((f) => fs.readTextIfExists(f)));
  const users = new Map(
    parsePasswd(passwd ?? "", "/etc/passwd").map((u) => [u.name, { name: u.name, uid: u.uid, gid: u.gid, home: u.home, shell: u.shell }]),
  );
  const groups = new Map(parseGroup(group ?? "", "/etc/group").map((g) => [g.name, { name: g.name, gid: g.gid, members: g.members }]));
  const passwords = new Map<string, PasswordState>(
    parseShadow(shadow ?? "", "/etc/shadow").map((e) => [e.name, e.empty ? "empty" : e.locked ? "locked" : "usable"]),
  );
  return { users, groups, passwords };
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
