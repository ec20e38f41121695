// SYS-PATH-DOT: no PATH searches the current directory — an empty component or "." runs a planted ./ls
// as whoever types `ls` there (root in a user's directory). dev-sec os-04 judges the PATH of the shell it
// runs in; rampart judges the files that set PATH for every login (/etc/environment, login.defs' ENV_PATH
// and ENV_SUPATH, /etc/profile, the system bashrc, root's own profile) and, on the running system, the PATH
// the audit itself was started with.
import { loginDefs } from "../../../facts/login-defs.js";
import type { Check } from "../../types.js";

const SHELL_FILES = ["/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/root/.profile", "/root/.bashrc", "/root/.bash_profile"];

/** The components of a PATH value that mean "the current directory". */
export function currentDirEntries(value: string): string[] {
  return value.split(":").filter((c) => c === "" || c === ".");
}

/** `PATH=…` / `export PATH=…` assignments in a shell or environment file: value and line. */
function assignments(text: string): { value: string; line: number }[] {
  const out: { value: string; line: number }[] = [];
  text.split("\n").forEach((l, i) => {
    const m = /^\s*(?:export\s+)?PATH=(.*)$/.exec(l);
    if (!m) return;
    let v = (m[1] ?? "").trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.indexOf(q, 1) > 0) v = v.slice(1, v.indexOf(q, 1));
    else v = v.split(/\s|;/)[0] ?? "";
    out.push({ value: v, line: i + 1 });
  });
  return out;
}

export const pathDot: Check = {
  id: "SYS-PATH-DOT",
  area: "system",
  title: "No PATH includes the current directory",
  severity: "medium",
  remediation: "Remove the empty component (a leading, trailing or doubled `:`) or the `.` from each listed PATH assignment.",
  refs: ["dev-sec linux-baseline os-04", "CIS Debian 12: Ensure root PATH integrity"],
  async run(ctx) {
    const bad: string[] = [];
    const seen: string[] = [];
    const defs = await loginDefs(ctx);
    for (const key of ["ENV_PATH", "ENV_SUPATH"]) {
      const d = defs.get(key);
      if (!d) continue;
      seen.push(d.source);
      if (currentDirEntries(d.value.replace(/^PATH=/, "")).length) bad.push(d.source);
    }
    const texts = await Promise.all(SHELL_FILES.map(async (f) => ({ f, text: await ctx.fs.readTextIfExists(f) })));
    for (const { f, text } of texts) {
      for (const a of assignments(text ?? "")) {
        seen.push(`${f}:${a.line}`);
        if (currentDirEntries(a.value).length) bad.push(`${f}:${a.line}`);
      }
    }
    // the PATH this audit runs with is what dev-sec's os_env('PATH') reads
    const env = ctx.live ? process.env.PATH : undefined;
    if (env !== undefined) {
      seen.push("environment of this audit");
      if (currentDirEntries(env).length) bad.push("environment of this audit (PATH)");
    }
    const expected = 'no empty or "." component';
    if (bad.length) return { status: "fail", observed: bad, expected, source: bad.join(", ") };
    return {
      status: "pass",
      observed: `${seen.length} PATH settings, none with the current directory`,
      expected,
      source: seen.join(", ") || "no PATH setting found",
    };
  },
};
