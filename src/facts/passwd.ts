// The account databases: /etc/passwd, /etc/shadow and /etc/group, parsed once per audit with the line each
// entry is on (for evidence "file:line"). Password hashes are classified while parsing (locked, empty,
// which scheme) and then dropped: no hash ever reaches a report, a log or memory beyond this module.
import type { FactContext } from "./context.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** the password field of /etc/passwd is empty (no shadow entry needed to log in) */
  emptyPasswordField: boolean;
  /** the password field itself: "x" (in shadow), "*" or "!" (locked), or a hash that should be in shadow */
  passwordField: string;
  source: string;
}

export type HashScheme = "des" | "md5" | "bcrypt" | "sha256" | "sha512" | "yescrypt" | "gost-yescrypt" | "scrypt" | "unknown";

export interface ShadowEntry {
  name: string;
  /** "!" / "*" / "!!" prefix: no password login */
  locked: boolean;
  /** empty field: login without a password */
  empty: boolean;
  /** scheme of the hash; undefined when locked without a hash or empty */
  scheme: HashScheme | undefined;
  source: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
  source: string;
}

export interface AccountDb {
  users: PasswdEntry[];
  groups: GroupEntry[];
  user(name: string): PasswdEntry | undefined;
  group(name: string): GroupEntry | undefined;
  groupByGid(gid: number): GroupEntry | undefined;
  /** every user in the group: listed members plus users whose primary group it is */
  membersOf(group: string): string[];
}

export function accounts(ctx: FactContext): Promise<AccountDb> {
  return ctx.memo("accounts", async () => {
    const [passwd, group] = await Promise.all([ctx.fs.readText("/etc/passwd"), ctx.fs.readTextIfExists("/etc/group")]);
    return accountDb(parsePasswd(passwd, "/etc/passwd"), parseGroup(group ?? "", "/etc/group"));
  });
}

/** /etc/shadow; undefined when the system has none. Unreadable (not root) throws a PERMISSION error. */
export function shadow(ctx: FactContext): Promise<ShadowEntry[] | undefined> {
  return ctx.memo("shadow", async () => {
    const text = await ctx.fs.readTextIfExists("/etc/shadow");
    return text === undefined ? undefined : parseShadow(text, "/etc/shadow");
  });
}

export function accountDb(users: PasswdEntry[], groups: GroupEntry[]): AccountDb {
  const byName = new Map(users.map((u) => [u.name, u]));
  const groupByName = new Map(groups.map((g) => [g.name, g]));
  const groupByGid = new Map<number, GroupEntry>();
  for (const g of groups) if (!groupByGid.has(g.gid)) groupByGid.set(g.gid, g);
  return {
    users,
    groups,
    user: (n) => byName.get(n),
    group: (n) => groupByName.get(n),
    groupByGid: (gid) => groupByGid.get(gid),
    membersOf(name) {
      const g = groupByName.get(name);
      if (!g) return [];
      const set = new Set(g.members);
      for (const u of users) if (u.gid === g.gid) set.add(u.name);
      return [...set];
    },
  };
}

function records(text: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? "";
    if (l.trim() === "" || l.startsWith("#") || l.startsWith("+") || l.startsWith("-")) continue;
    out.push({ fields: l.split(":"), line: i + 1 });
  }
  return out;
}

export function parsePasswd(text: string, file: string): PasswdEntry[] {
  return records(text)
    .filter((r) => r.fields.length >= 7)
    .map(({ fields: f, line }) => ({
      name: f[0] ?? "",
      uid: Number(f[2]),
      gid: Number(f[3]),
      home: f[5] ?? "",
      shell: f[6] ?? "",
      emptyPasswordField: f[1] === "",
      passwordField: f[1] ?? "",
      source: `${file}:${line}`,
    }));
}

export function parseGroup(text: string, file: string): GroupEntry[] {
  return records(text)
    .filter((r) => r.fields.length >= 4)
    .map(({ fields: f, line }) => ({
      name: f[0] ?? "",
      gid: Number(f[2]),
      members: (f[3] ?? "")
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean),
      source: `${file}:${line}`,
    }));
}

export function parseShadow(text: string, file: string): ShadowEntry[] {
  return records(text)
    .filter((r) => r.fields.length >= 2)
    .map(({ fields: f, line }) => {
      const pw = f[1] ?? "";
      const locked = pw.startsWith("!") || pw.startsWith("*");
      const hash = pw.replace(/^[!*]+/, "");
      return {
        name: f[0] ?? "",
        locked,
        empty: pw === "",
        scheme: hash === "" ? undefined : hashScheme(hash),
        source: `${file}:${line}`,
      };
    });
}

/** The crypt(3) scheme of a hash, from its prefix (a 13-character hash without one is traditional DES). */
export function hashScheme(hash: string): HashScheme {
  if (hash.startsWith("$1$")) return "md5";
  if (/^\$2[abxy]?\$/.test(hash)) return "bcrypt";
  if (hash.startsWith("$5$")) return "sha256";
  if (hash.startsWith("$6$")) return "sha512";
  if (hash.startsWith("$y$")) return "yescrypt";
  if (hash.startsWith("$gy$")) return "gost-yescrypt";
  if (hash.startsWith("$7$")) return "scrypt";
  if (hash.length === 13 && /^[./0-9A-Za-z]+$/.test(hash)) return "des";
  if (hash.startsWith("_") && hash.length === 20) return "des";
  return "unknown";
}
