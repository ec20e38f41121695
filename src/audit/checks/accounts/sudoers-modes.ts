// ACC-SUDOERS-MODES: /etc/sudoers and every file it includes are 0440 (or stricter) and owned by
// root:root, and /etc/sudoers.d is not writable by others — sudo itself refuses world-writable files, but a
// group-writable one lets that group make itself root.
import { oct } from "../../mode.js";
import { sudoers } from "../../../facts/sudoers.js";
import type { Check } from "../../types.js";

export const sudoersModes: Check = {
  id: "ACC-SUDOERS-MODES",
  area: "accounts",
  title: "sudoers files are 0440 root:root",
  severity: "medium",
  remediation: "`chown root:root /etc/sudoers /etc/sudoers.d/* && chmod 0440 /etc/sudoers /etc/sudoers.d/* && chmod 0755 /etc/sudoers.d`.",
  refs: ["Lynis AUTH-9252", "CIS Debian 12: Ensure permissions on /etc/sudoers are configured"],
  async run(ctx) {
    const sudo = await sudoers(ctx);
    if (!sudo.present) return { status: "skip", reason: "sudo is not installed (no /etc/sudoers)" };
    const observed: Record<string, string> = {};
    const bad: string[] = [];
    const dirs = new Set(sudo.files.filter((f) => f.from !== undefined).map((f) => f.path.slice(0, f.path.lastIndexOf("/"))));
    await Promise.all([
      ...sudo.files.map(async (f) => {
        const st = await ctx.fs.stat(f.path);
        if (!st) return;
        observed[f.path] = `${oct(st.mode)} ${st.uid}:${st.gid}`;
        if (st.mode & 0o337 || st.uid !== 0 || st.gid !== 0) bad.push(f.path);
      }),
      ...[...dirs].map(async (d) => {
        const st = await ctx.fs.stat(d);
        if (!st) return;
        observed[d] = `${oct(st.mode)} ${st.uid}:${st.gid}`;
        if (st.mode & 0o022 || st.uid !== 0) bad.push(d);
      }),
    ]);
    const expected = "files 0440 (or 0400) owned by 0:0; directories not group/world-writable, owned by root";
    const sorted = Object.fromEntries(Object.entries(observed).sort());
    if (bad.length > 0) return { status: "fail", observed: sorted, expected, source: bad.sort().join(", ") };
    return { status: "pass", observed: sorted, expected, source: sudo.files.map((f) => f.path).join(", ") };
  },
};
