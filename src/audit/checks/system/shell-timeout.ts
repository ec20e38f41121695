// SYS-SHELL-TIMEOUT: idle interactive shells log out by themselves (a read-only TMOUT in the system-wide
// shell start-up files), so a forgotten root shell on a console or in tmux does not stay open for anyone.
// Strict-only: sshd's ClientAlive settings already close dead connections, and TMOUT annoys operators.
import type { AuditContext, Check } from "../../types.js";
import { isStrict, onlyStrictRequires } from "../../profile.js";

export const MAX_TMOUT = 900;

async function startupFiles(ctx: AuditContext): Promise<string[]> {
  const d = (await ctx.fs.list("/etc/profile.d")).filter((n) => n.endsWith(".sh")).map((n) => `/etc/profile.d/${n}`);
  return ["/etc/profile", "/etc/bash.bashrc", ...d];
}

export const shellTimeout: Check = {
  id: "SYS-SHELL-TIMEOUT",
  area: "system",
  title: "idle shells time out (TMOUT)",
  severity: "low",
  remediation: `Create /etc/profile.d/tmout.sh with \`TMOUT=${MAX_TMOUT}\` and \`readonly TMOUT\` and \`export TMOUT\`.`,
  refs: ["Lynis SHLL-6220", "CIS Debian 12: Ensure default user shell timeout is configured"],
  strict: `requires a read-only TMOUT of 1-${MAX_TMOUT} s in /etc/profile or /etc/profile.d; the baseline profile does not`,
  async run(ctx) {
    let value: { n: number; source: string } | undefined;
    let readonly = false;
    for (const file of await startupFiles(ctx)) {
      const text = await ctx.fs.readTextIfExists(file);
      (text ?? "").split("\n").forEach((raw, i) => {
        const line = raw.trim();
        if (line.startsWith("#")) return;
        const m = /^(?:(?:export|readonly|declare\s+-r|typeset\s+-r)\s+)?TMOUT=(\d+)\b/.exec(line);
        if (m) value = { n: Number(m[1]), source: `${file}:${i + 1}` };
        if (/^(?:readonly|declare\s+-[a-z]*r[a-z]*|typeset\s+-[a-z]*r[a-z]*)\s+TMOUT\b/.test(line)) readonly = true;
      });
    }
    const expected = `TMOUT=1-${MAX_TMOUT}, read-only`;
    const ok = value !== undefined && value.n > 0 && value.n <= MAX_TMOUT && readonly;
    const observed = value ? `TMOUT=${value.n}${readonly ? ", read-only" : ", not read-only"}` : "not set";
    if (ok) return { status: "pass", observed, expected, source: value?.source ?? "" };
    if (!isStrict(ctx)) return onlyStrictRequires("an idle shell timeout");
    return { status: "fail", observed, expected, source: value?.source ?? "/etc/profile, /etc/profile.d" };
  },
};
