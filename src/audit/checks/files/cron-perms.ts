// FILE-CRON-PERMS: /etc/crontab and the cron.{hourly,daily,weekly,monthly,d} directories belong to root and
// nobody else can change them (anyone who can write there runs commands as root). dev-sec and CIS also
// want them unreadable by others (a job list helps an attacker plan); Debian ships them 0644/0755, so under
// the baseline profile readable-by-others warns and strict fails it.
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";
import type { Check } from "../../types.js";

export const CRON_PATHS = ["/etc/crontab", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly", "/etc/cron.d"];

export const cronPerms: Check = {
  id: "FILE-CRON-PERMS",
  area: "files",
  title: "Cron's files and directories belong to root and only root reads them",
  severity: "medium",
  remediation:
    "`chown root:root /etc/crontab /etc/cron.* && chmod 0600 /etc/crontab && chmod 0700 /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /etc/cron.d`.",
  refs: ["dev-sec linux-baseline os-13", "CIS Debian 12: Ensure permissions on /etc/crontab are configured"],
  strict: "not readable by group or others either (0600 files, 0700 directories)",
  async run(ctx) {
    const observed: Record<string, string> = {};
    const hard: string[] = [];
    const soft: string[] = [];
    await Promise.all(
      CRON_PATHS.map(async (p) => {
        const st = await ctx.fs.stat(p);
        if (!st) return;
        observed[p] = `${oct(st.mode)} uid ${st.uid}`;
        if (st.uid !== 0 || st.mode & 0o022) hard.push(p);
        else if (st.mode & 0o044) soft.push(p);
      }),
    );
    const sorted = Object.fromEntries(Object.entries(observed).sort());
    const expected = "owned by root, not writable (strict: not readable) by group or others";
    if (Object.keys(sorted).length === 0) return { status: "skip", reason: "no cron files (/etc/crontab, /etc/cron.*)" };
    if (hard.length)
      return {
        status: "fail",
        observed: sorted,
        expected,
        source: hard.sort().join(", "),
        reason: "writable by others or not owned by root",
      };
    if (soft.length) {
      return {
        status: isStrict(ctx) ? "fail" : "warn",
        observed: sorted,
        expected,
        source: soft.sort().join(", "),
        reason: "readable by group or others",
      };
    }
    return { status: "pass", observed: sorted, expected, source: Object.keys(sorted).join(", ") };
  },
};
