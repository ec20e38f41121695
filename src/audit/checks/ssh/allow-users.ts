// SSH-ALLOW-USERS: an explicit allow-list (AllowUsers/AllowGroups) exists and lets the admins in. Without
// one, every account with a password or key is an SSH account; with one that misses the admin, the admin
// is locked out at the next reload. Admins: the policy's, else the members of sudo/admin/wheel.
import { setting } from "../../../sshd/effective.js";
import { matchPatternList } from "../../../sshd/patterns.js";
import { parseColonFile } from "../../../facts/sshd.js";
import type { Check } from "../../types.js";
import { CIS, LYNIS, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

/** AllowUsers entries are USER or USER@HOST patterns; only the user part is judged here. */
const userPart = (p: string) => {
  const at = p.indexOf("@");
  return at === -1 ? p : p.slice(0, at);
};

export const allowUsers: Check = {
  id: "SSH-ALLOW-USERS",
  area: "ssh",
  title: "SSH logins are limited to named users or groups, and the admins are among them",
  severity: "medium",
  remediation:
    "List the admins: `AllowUsers alice` or `AllowGroups sudo` in /etc/ssh/sshd_config.d/00-rampart.conf (policy `ssh.allowUsers`/`ssh.allowGroups`, then `rampart apply --only ssh`).",
  refs: [CIS("5.2.4", "SSH access is limited"), LYNIS("SSH-7440")],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const view = viewFor(f, f.views[0]?.label ?? "root");
    const users = setting(view, "AllowUsers");
    const groups = setting(view, "AllowGroups");
    const denyUsers = setting(view, "DenyUsers")?.values ?? [];
    const expected = "AllowUsers or AllowGroups that include every admin";
    const notes = viewNotes(f);
    if (!users && !groups) {
      return {
        status: "warn",
        observed: "no AllowUsers/AllowGroups",
        expected,
        source: "default",
        reason: ["every account with a key or password may log in", ...notes].join(" — "),
      };
    }
    const groupFile = parseColonFile((await ctx.fs.readTextIfExists("/etc/group")) ?? "");
    const passwd = parseColonFile((await ctx.fs.readTextIfExists("/etc/passwd")) ?? "");
    const groupsOf = (u: string) => {
      const gid = passwd.find((p) => p[0] === u)?.[3];
      return groupFile.filter((g) => g[2] === gid || (g[3] ?? "").split(",").includes(u)).map((g) => g[0] ?? "");
    };
    const userList = (users?.values ?? []).flatMap((v) => v.split(" ")).map(userPart);
    const groupList = (groups?.values ?? []).flatMap((v) => v.split(" "));
    const admitted = (u: string) => {
      if (denyUsers.some((p) => matchPatternList(u, userPart(p)) === 1)) return false;
      if (users && userList.some((p) => matchPatternList(u, p) === 1)) return true;
      if (groups && groupsOf(u).some((g) => groupList.some((p) => matchPatternList(g, p) === 1))) return true;
      return false;
    };
    const observed = [users ? `AllowUsers ${userList.join(" ")}` : "", groups ? `AllowGroups ${groupList.join(" ")}` : ""]
      .filter(Boolean)
      .join("; ");
    const source = users?.source ?? groups?.source ?? "default";
    if (f.admins.names.length === 0) {
      return {
        status: "pass",
        observed,
        expected,
        source,
        reason: ["no admin known (none in the policy or in sudo/admin/wheel) to verify", ...notes].join(" — "),
      };
    }
    const out = f.admins.names.filter((a) => !admitted(a));
    if (out.length > 0) {
      return {
        status: "fail",
        observed,
        expected,
        source,
        reason: [`admin${out.length > 1 ? "s" : ""} ${out.join(", ")} (from ${f.admins.from}) cannot log in`, ...notes].join(" — "),
      };
    }
    return { status: "pass", observed, expected, source };
  },
};
