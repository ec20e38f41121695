// How SSH-CONFIG-MODES (sshd_config) and SSH-CLIENT-CONFIG-MODES (ssh_config) judge a config tree: every file
// and directory of it that exists is root-owned and not writable by group or others — whoever can write them
// opens root logins, or sets ProxyCommand for every user's ssh — and, under `audit.profile: strict`, passes the
// check's own stricter bar. Evidence lists each path as "PATH MODE uid=N[ gid=N]"; a fail lists the unsafe ones.
import type { Stats } from "node:fs";
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";
import type { AuditContext, Outcome } from "../../types.js";

export interface ConfigTree {
  /** the files and directories to judge (missing ones are left out) */
  paths: Iterable<string>;
  expected: string;
  /** the evidence source of a pass */
  source: string;
  /** write gid= in the evidence */
  showGid: boolean;
  /** the strict profile's extra bar: true = unsafe (called only under strict) */
  strictBad?: (path: string, mode: number, st: Stats) => boolean;
}

export async function judgeConfigTree(ctx: AuditContext, tree: ConfigTree): Promise<Outcome> {
  const strict = isStrict(ctx);
  const observed: string[] = [];
  const bad: string[] = [];
  for (const p of tree.paths) {
    const st = await ctx.fs.stat(p);
    if (!st) continue;
    const mode = st.mode & 0o7777;
    const text = `${p} ${oct(mode)} uid=${st.uid}${tree.showGid ? ` gid=${st.gid}` : ""}`;
    observed.push(text);
    if (st.uid !== 0 || (mode & 0o022) !== 0 || (strict && tree.strictBad?.(p, mode, st))) bad.push(text);
  }
  const expected = tree.expected;
  if (bad.length)
    return {
      status: "fail",
      observed: bad,
      expected,
      source: bad[0]?.split(" ")[0] ?? "",
      reason: `${bad.length} unsafe of ${observed.length}`,
    };
  return { status: "pass", observed, expected, source: tree.source };
}
