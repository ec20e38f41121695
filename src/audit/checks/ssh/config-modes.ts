// SSH-CONFIG-MODES: /etc/ssh, sshd_config, every file it includes and the drop-in directory are root-owned
// and not writable by group or others — whoever can write them can open root logins. `audit.profile:
// strict` adds dev-sec's sshd-04/05: /etc/ssh and sshd_config in group root, sshd_config 0600 (not
// readable by others, not executable).
import path from "node:path";
import { configFiles } from "../../../sshd/load.js";
import { isStrict } from "../../profile.js";
import type { Check } from "../../types.js";
import { judgeConfigTree } from "./config-tree-modes.js";
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
    const main = f.config.main;
    const etcSsh = path.posix.dirname(main);
    const dirs = new Set([etcSsh, ...f.config.includes.flatMap((i) => i.files.map((p) => path.posix.dirname(p)))]);
    const strict = isStrict(ctx);
    return judgeConfigTree(ctx, {
      paths: [...files, ...dirs],
      expected: strict
        ? `owner root, not writable by group or others; ${etcSsh} and ${main} in group root, ${main} 0600`
        : "owner root, not writable by group or others",
      source: main,
      showGid: strict,
      strictBad: (p, mode, st) => (p === main || p === etcSsh) && (st.gid !== 0 || (p === main && (mode & 0o177) !== 0)),
    });
  },
};
