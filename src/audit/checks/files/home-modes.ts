// FILE-HOME-MODES: each login account's home directory belongs to it and no other user can write it — a
// writable home lets anyone plant ~/.bashrc or ~/.profile lines that run as that user at the next login
// (sshd's StrictModes protects only ~/.ssh). Strict (Lynis HOME-9304): others have no access at all (0750).
import { accounts } from "../../../facts/passwd.js";
import type { AuditContext, Check } from "../../types.js";
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";

// without /etc/shells: the shells that mean "no login" (sync/halt/shutdown are Debian's special accounts)
const NO_LOGIN = /\/(nologin|false|sync|halt|shutdown)$/;

/** Accounts that can log in: their shell is in /etc/shells (as login(1) and sshd's checks use it). */
async function loginShell(ctx: AuditContext): Promise<(shell: string) => boolean> {
  const text = await ctx.fs.readTextIfExists("/etc/shells");
  if (text === undefined) return (shell) => shell !== "" && !NO_LOGIN.test(shell);
  const shells = new Set(
    text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("/")),
  );
  return (shell) => shells.has(shell);
}

export const homeModes: Check = {
  id: "FILE-HOME-MODES",
  area: "files",
  title: "home directories are their owner's and not writable by others",
  severity: "medium",
  remediation: "For each listed directory: `chown USER: DIR && chmod 0750 DIR` (0700 for /root).",
  refs: ["Lynis HOME-9304", "Lynis HOME-9306", "CIS Debian 12: Ensure local interactive user home directories are configured"],
  strict: "also requires no access for others (0750 or stricter), as Lynis HOME-9304",
  async run(ctx) {
    const db = await accounts(ctx);
    const strict = isStrict(ctx);
    const forbidden = strict ? 0o7027 : 0o7022;
    const observed: Record<string, string> = {};
    const bad: string[] = [];
    const seen = new Set<string>();
    const canLogin = await loginShell(ctx);
    for (const u of db.users) {
      if (!canLogin(u.shell) || u.home === "/" || seen.has(u.home)) continue;
      const st = await ctx.fs.stat(u.home);
      if (!st?.isDirectory()) continue;
      seen.add(u.home);
      const mode = st.mode & 0o7777;
      observed[u.home] = `${oct(mode)} uid ${st.uid} (${u.name})`;
      if (st.uid !== u.uid || mode & forbidden) bad.push(u.home);
    }
    const expected = strict ? "owned by the user, 0750 or stricter" : "owned by the user, not writable by group or others";
    if (!Object.keys(observed).length)
      return { status: "pass", observed: "no login account has a home directory", expected, source: "/etc/passwd" };
    if (bad.length)
      return { status: "fail", observed: Object.fromEntries(bad.map((h) => [h, observed[h]])), expected, source: bad.join(", ") };
    return { status: "pass", observed, expected, source: Object.keys(observed).join(", ") };
  },
};
