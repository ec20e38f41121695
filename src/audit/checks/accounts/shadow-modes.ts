// ACC-SHADOW-MODES: the account databases have safe owners and modes — /etc/shadow and /etc/gshadow
// 0640 root:shadow (or root:root) or stricter, /etc/passwd and /etc/group 0644 root:root, writable by
// root only and readable by everyone (dev-sec os-03: an unreadable passwd breaks every name lookup).
// Strict (dev-sec os-02 on Debian) wants /etc/shadow exactly root:shadow, read-write for root and readable
// by the shadow group, which unix_chkpwd (setgid shadow) needs to check a non-root user's password.
import { oct } from "../../mode.js";
import { accounts } from "../../../facts/passwd.js";
import { isStrict } from "../../profile.js";
import type { Check } from "../../types.js";

interface Rule {
  path: string;
  /** permission bits that must be clear */
  forbidden: number;
  groups: string[];
  /** permission bits that must be set */
  needed: number;
  required: boolean;
}

const RULES: Rule[] = [
  { path: "/etc/shadow", forbidden: 0o7137, groups: ["root", "shadow"], needed: 0, required: true },
  { path: "/etc/gshadow", forbidden: 0o7137, groups: ["root", "shadow"], needed: 0, required: false },
  { path: "/etc/passwd", forbidden: 0o7133, groups: ["root"], needed: 0o644, required: true },
  { path: "/etc/group", forbidden: 0o7133, groups: ["root"], needed: 0o644, required: false },
];

export const shadowModes: Check = {
  id: "ACC-SHADOW-MODES",
  area: "accounts",
  title: "passwd, shadow and group files have safe owners and modes",
  severity: "high",
  remediation:
    "`chown root:shadow /etc/shadow /etc/gshadow && chmod 0640 /etc/shadow /etc/gshadow && chown root:root /etc/passwd /etc/group && chmod 0644 /etc/passwd /etc/group`.",
  refs: [
    "dev-sec linux-baseline os-02",
    "dev-sec linux-baseline os-03",
    "Lynis AUTH-9216",
    "CIS Debian 12: Ensure permissions on /etc/shadow are configured",
  ],
  strict: "/etc/shadow exactly 0640 root:shadow where a shadow group exists (dev-sec os-02 on Debian)",
  async run(ctx) {
    const db = await accounts(ctx);
    const strictShadow = isStrict(ctx) && db.group("shadow") !== undefined;
    const observed: Record<string, string> = {};
    const bad: string[] = [];
    await Promise.all(
      RULES.map(async (r) => {
        const st = await ctx.fs.stat(r.path);
        if (!st) {
          if (r.required) {
            observed[r.path] = "missing";
            bad.push(r.path);
          }
          return;
        }
        const group = db.groupByGid(st.gid)?.name ?? String(st.gid);
        observed[r.path] = `${oct(st.mode)} ${st.uid === 0 ? "root" : st.uid}:${group}`;
        const needed = strictShadow && r.path === "/etc/shadow" ? 0o640 : r.needed;
        const groups = strictShadow && r.path === "/etc/shadow" ? ["shadow"] : r.groups;
        if (st.mode & r.forbidden || (st.mode & needed) !== needed || st.uid !== 0 || !groups.includes(group)) bad.push(r.path);
      }),
    );
    const expected = {
      "/etc/shadow": strictShadow ? "0640 root:shadow" : "0640 root:shadow or stricter",
      "/etc/gshadow": "0640 root:shadow or stricter",
      "/etc/passwd": "0644 root:root",
      "/etc/group": "0644 root:root",
    };
    const sorted = Object.fromEntries(Object.entries(observed).sort());
    if (bad.length) return { status: "fail", observed: sorted, expected, source: bad.sort().join(", ") };
    return { status: "pass", observed: sorted, expected, source: Object.keys(sorted).join(", ") };
  },
};
