// FILE-SENSITIVE-MODES: the files Lynis FILE-7524 lists (its default profile's permfile/permdir entries)
// that no other rampart check already owns: TCP-wrapper and rhosts trust files, the banners and motd,
// at's allow/deny, root's own directory and ~/.ssh. Baseline: root-owned and not writable by group or
// others (a writable hosts.allow or hosts.equiv lets anyone in); strict: Lynis's exact modes.
// (sshd_config: SSH-CONFIG-MODES; passwd/group: ACC-SHADOW-MODES; cron: its own check; grub.cfg: BOOT-GRUB-CFG-MODES.)
import type { Check } from "../../types.js";
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";

interface Rule {
  path: string;
  /** Lynis's mode (the strict bar) */
  strict: number;
  dir?: boolean;
}

export const SENSITIVE: Rule[] = [
  { path: "/etc/hosts.allow", strict: 0o644 },
  { path: "/etc/hosts.deny", strict: 0o644 },
  { path: "/etc/hosts.equiv", strict: 0o644 },
  { path: "/etc/shosts.equiv", strict: 0o644 },
  { path: "/etc/issue", strict: 0o644 },
  { path: "/etc/issue.net", strict: 0o644 },
  { path: "/etc/motd", strict: 0o644 },
  { path: "/etc/at.allow", strict: 0o600 },
  { path: "/etc/at.deny", strict: 0o600 },
  { path: "/root", strict: 0o700, dir: true },
  { path: "/root/.ssh", strict: 0o700, dir: true },
  { path: "/root/.rhosts", strict: 0o600 },
  { path: "/root/.shosts", strict: 0o600 },
  { path: "/root/.rlogin", strict: 0o600 },
];

export const sensitiveModes: Check = {
  id: "FILE-SENSITIVE-MODES",
  area: "files",
  title: "sensitive system files are root's and not writable by others",
  severity: "medium",
  remediation:
    "`chown root:root FILE` and `chmod go-w FILE` for each listed file (strict: 0644 for /etc files, 0600 for at.allow/at.deny and root's files, 0700 for /root and /root/.ssh).",
  refs: ["Lynis FILE-7524", "CIS Debian 12: Ensure permissions on /etc/issue are configured"],
  strict: "requires Lynis FILE-7524's exact modes or stricter (e.g. /root 0700, at.allow 0600)",
  async run(ctx) {
    const strict = isStrict(ctx);
    const observed: Record<string, string> = {};
    const bad: string[] = [];
    for (const r of SENSITIVE) {
      const st = await ctx.fs.lstat(r.path);
      if (!st || st.isSymbolicLink()) continue; // a symlink's own mode means nothing; Debian's /etc/motd -> /run/motd is fine
      const mode = st.mode & 0o7777;
      observed[r.path] = `${oct(mode)} uid ${st.uid}`;
      const forbidden = strict ? 0o7777 & ~r.strict : 0o7022;
      if (st.uid !== 0 || mode & forbidden) bad.push(r.path);
    }
    const expected = strict
      ? "Lynis FILE-7524 modes (0644 /etc files, 0600 at.*/root's files, 0700 /root, /root/.ssh), owner root"
      : "root-owned, not writable by group or others";
    if (bad.length)
      return { status: "fail", observed: Object.fromEntries(bad.map((p) => [p, observed[p]])), expected, source: bad.join(", ") };
    return { status: "pass", observed, expected, source: Object.keys(observed).join(", ") || "/etc" };
  },
};
