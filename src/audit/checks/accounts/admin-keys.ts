// ACC-ADMIN-KEYS: each admin can log in with a key, and sshd's StrictModes would accept it — the key lines
// parse, ~/.ssh/authorized_keys is owned by the user and 0600 or stricter, ~/.ssh is 0700, the home is not
// group- or world-writable. With keys in the policy, each admin's policy key should be on the host.
import { oct } from "../../mode.js";
import type { Stats } from "node:fs";
import path from "node:path";
import { accounts } from "../../../facts/passwd.js";
import type { AuditContext, Check, Outcome } from "../../types.js";
import { adminNames } from "./admins.js";
import { keyIdentity, parseKeyLine } from "./authorized-keys.js";

interface AdminKeys {
  user: string;
  file: string;
  validKeys: number;
  problems: string[];
  warnings: string[];
  firstProblemSource?: string;
}

export const adminKeys: Check = {
  id: "ACC-ADMIN-KEYS",
  area: "accounts",
  title: "Each admin has a valid authorized_keys that sshd will accept",
  severity: "high",
  remediation:
    "Put the admin's public key in ~/.ssh/authorized_keys, then `chown -R USER: ~USER/.ssh && chmod 700 ~USER/.ssh && chmod 600 ~USER/.ssh/authorized_keys && chmod go-w ~USER`.",
  refs: ["Lynis HOME-9304", "Lynis HOME-9306", "OpenSSH sshd_config(5) StrictModes"],
  async run(ctx) {
    const { names, from } = await adminNames(ctx);
    if (names.length === 0) return { status: "skip", reason: "no admin user to check (see ACC-ADMIN-SUDO)" };
    const results = await Promise.all(names.map((n) => inspect(ctx, n)));
    return judge(results, from);
  },
};

function judge(results: AdminKeys[], from: "policy" | "sudo"): Outcome {
  const observed = results.map((r) => ({
    user: r.user,
    file: r.file,
    validKeys: r.validKeys,
    ...(r.problems.length ? { problems: r.problems } : {}),
    ...(r.warnings.length ? { warnings: r.warnings } : {}),
  }));
  const expected = "≥1 valid key; authorized_keys owned by the user, 0600 or stricter; ~/.ssh 0700; home not group/world-writable";
  const bad = results.find((r) => r.problems.length > 0 || r.validKeys === 0);
  const warned = results.find((r) => r.warnings.length > 0);
  const pick = bad ?? warned;
  const source = pick?.firstProblemSource ?? pick?.file ?? results.map((r) => r.file).join(", ");
  const admins = `admins from ${from === "policy" ? "the policy" : "sudo"}: ${results.map((r) => r.user).join(", ")}`;
  if (bad) return { status: "fail", observed, expected, source, reason: admins };
  if (warned) return { status: "warn", observed, expected, source, reason: admins };
  return { status: "pass", observed, expected, source, reason: admins };
}

async function inspect(ctx: AuditContext, name: string): Promise<AdminKeys> {
  const db = await accounts(ctx);
  const u = db.user(name);
  const out: AdminKeys = { user: name, file: "", validKeys: 0, problems: [], warnings: [] };
  const problem = (msg: string, source: string) => {
    out.problems.push(msg);
    out.firstProblemSource ??= source;
  };
  if (!u) {
    out.file = "/etc/passwd";
    problem(`no user ${name} in /etc/passwd`, "/etc/passwd");
    return out;
  }
  const home = u.home || "/";
  const sshDir = path.posix.join(home, ".ssh");
  const file = path.posix.join(sshDir, "authorized_keys");
  out.file = file;
  const [homeSt, dirSt, fileSt] = await Promise.all([ctx.fs.stat(home), ctx.fs.stat(sshDir), ctx.fs.stat(file)]);
  const owned = (st: Stats, allowRoot: boolean) => st.uid === u.uid || (allowRoot && st.uid === 0);
  if (!homeSt) problem(`home ${home} does not exist`, home);
  else {
    if (!owned(homeSt, true)) problem(`home ${home} is owned by uid ${homeSt.uid}, not ${name}`, home);
    if (homeSt.mode & 0o022) problem(`home ${home} is group/world-writable (${oct(homeSt.mode)})`, home);
  }
  if (!dirSt) {
    problem(`${sshDir} does not exist`, sshDir);
    return out;
  }
  if (!dirSt.isDirectory()) problem(`${sshDir} is not a directory`, sshDir);
  if (!owned(dirSt, false)) problem(`${sshDir} is owned by uid ${dirSt.uid}, not ${name}`, sshDir);
  if (dirSt.mode & 0o077) problem(`${sshDir} is ${oct(dirSt.mode)}, not 0700`, sshDir);
  if (!fileSt) {
    problem(`${file} does not exist`, file);
    return out;
  }
  if (!owned(fileSt, false)) problem(`${file} is owned by uid ${fileSt.uid}, not ${name}`, file);
  if (fileSt.mode & 0o177) problem(`${file} is ${oct(fileSt.mode)}, not 0600 or stricter`, file);
  const text = (await ctx.fs.readTextIfExists(file)) ?? "";
  const present = new Set<string>();
  text.split("\n").forEach((line, i) => {
    const k = parseKeyLine(line);
    const where = `${file}:${i + 1}`;
    if (k.kind === "invalid") {
      out.warnings.push(`${where}: ${k.why}`);
      out.firstProblemSource ??= where;
    } else if (k.kind === "key") {
      if (k.weak) {
        out.warnings.push(`${where}: ${k.weak}`);
        out.firstProblemSource ??= where;
      } else out.validKeys++;
      const id = keyIdentity(line);
      if (id) present.add(id);
    }
  });
  if (out.validKeys === 0) problem(`${file} holds no usable key`, file);
  const policyKeys = ctx.policy.admins.find((a) => a.name === name)?.keys ?? [];
  const missing = policyKeys.filter((k) => {
    const id = keyIdentity(k);
    return id !== undefined && !present.has(id);
  });
  if (missing.length > 0) out.warnings.push(`${missing.length} of the policy's keys for ${name} are not in ${file}`);
  return out;
}
