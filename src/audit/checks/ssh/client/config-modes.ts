// SSH-CLIENT-CONFIG-MODES (dev-sec ssh-01): /etc/ssh/ssh_config and every file it includes are root-owned and
// writable by root alone — whoever can write them sets ProxyCommand or LocalCommand for every user's ssh,
// root's included. dev-sec also wants ssh_config exactly 0644 in group root (readable by all, never
// executable): the strict profile checks that too.
import path from "node:path";
import { SSH_CONFIG } from "../../../../facts/ssh-client.js";
import { configFiles } from "../../../../sshd/load.js";
import type { Check } from "../../../types.js";
import { judgeConfigTree } from "../config-tree-modes.js";
import { DEVSEC, clientFactsOrSkip, isOutcome } from "./common.js";
import { isStrict } from "../../../profile.js";

export const clientConfigModes: Check = {
  id: "SSH-CLIENT-CONFIG-MODES",
  area: "ssh",
  title: "ssh_config and its drop-ins are root-owned and writable by root only",
  severity: "high",
  remediation:
    "`chown root:root /etc/ssh/ssh_config /etc/ssh/ssh_config.d/*.conf && chmod 0644 /etc/ssh/ssh_config /etc/ssh/ssh_config.d/*.conf && chmod go-w /etc/ssh/ssh_config.d`",
  refs: [DEVSEC(1)],
  strict: "ssh_config exactly 0644 and group root (dev-sec ssh-01: readable by all, not executable)",
  async run(ctx) {
    const f = await clientFactsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const strict = isStrict(ctx);
    const expected = strict
      ? "owner root, group root, ssh_config 0644; drop-ins not writable by group or others"
      : "owner root, not writable by group or others";
    const files = configFiles(f.config);
    if (files.length === 0) {
      const observed = `${SSH_CONFIG} does not exist (OpenSSH's defaults apply)`;
      return strict
        ? { status: "fail", observed, expected, source: SSH_CONFIG, reason: "dev-sec ssh-01 wants the file (strict profile)" }
        : { status: "pass", observed, expected, source: SSH_CONFIG };
    }
    const dirs = new Set(f.config.includes.flatMap((i) => i.files.map((p) => path.posix.dirname(p))));
    return judgeConfigTree(ctx, {
      paths: [...files, ...dirs],
      expected,
      source: SSH_CONFIG,
      showGid: true,
      strictBad: (p, mode, st) => p === SSH_CONFIG && (mode !== 0o644 || st.gid !== 0),
    });
  },
};
