// SSH-CONFIG-MODES: /etc/ssh, sshd_config, every file it includes and the drop-in directory are root-owned
// and not writable by group or others — whoever can write them can open root logins. `audit.profile:
// strict` adds dev-sec's sshd-04/05: /etc/ssh and sshd_config in group root, sshd_config 0600 (not
// readable by others, not executable).
import { oct } from "../../mode.js";
import path from "node:path";
import { configFiles } from "../../../sshd/load.js";
import type { Check } from "../../types.js";
import { CIS, DEVSEC, factsOrSkip, isOutcome } from "./setting.js";

export const configModes: Check = {
  id: "SSH-CONFIG-MODES",
  area: "ssh",
  title: "/etc/ssh, sshd_config and its drop-ins are root-owned and not group/world-writable",
  severity: "high",
  remediation:
    "`chown root:root /etc/ssh /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf && chmod go-w /etc/ssh /etc/ssh/sshd_config /etc/ssh/sshd_config.d /etc/ssh/sshd_config.d/*.conf`",
  refs: [CIS("5.2.1", "permissions on /etc/ssh/sshd_config"), DEVSEC("sshd-04"), DEVSEC("sshd-05")],
  strict: "/etc/ssh and sshd_config also in group root, and sshd_config 0600 (dev-sec sshd-04, sshd-05)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const files = configFiles(f.config);
    if (files.length === 0) return { status: "skip", reason: `${f.config.main} does not exist` };
    // the directory of the main file too: whoever can write /etc/ssh can replace sshd_config itself
    const dirs = new Set([
      path.posix.dirname(f.config.main),
      ...f.config.includes.flatMap((i) => i.files.map((p) => path.posix.dirname(p))),
    ]);
    const strict = ctx.policy.audit.profile === "strict";
    const etcSsh = path.posix.dirname(f.config.main);
    const observed: string[] = [];
    const bad: string[] = [];
    for (const p of [...files, ...dirs]) {
      const st = await ctx.fs.stat(p);
      if (!st) continue;
      const mode = st.mode & 0o7777;
      const text = `${p} ${oct(mode)} uid=${st.uid}${strict ? ` gid=${st.gid}` : ""}`;
      observed.push(text);
      const strictBad = strict && (p === f.config.main || p === etcSsh) && (st.gid !== 0 || (p === f.config.main && (mode & 0o177) !== 0));
      if (st.uid !== 0 || (mode & 0o022) !== 0 || strictBad) bad.push(text);
    }
    const expected = strict
      ? `owner root, not writable by group or others; ${etcSsh} and ${f.config.main} in group root, ${f.config.main} 0600`
      : "owner root, not writable by group or others";
    if (bad.length)
      return {
        status: "fail",
        observed: bad,
        expected,
        source: bad[0]?.split(" ")[0] ?? "",
        reason: `${bad.length} unsafe of ${observed.length}`,
      };
    return { status: "pass", observed, expected, source: f.config.main };
  },
};
