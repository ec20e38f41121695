// SSH-HOSTKEY-MODES: private host keys owned by root and readable by nobody else (0600; 0640 with the
// ssh_keys group as Fedora/RHEL ship them). A readable host key lets any local user impersonate the server.
import { oct } from "../../mode.js";
import type { Check } from "../../types.js";
import { parseColonFile } from "../../../facts/sshd.js";
import { hostKeyFiles } from "./hostkey-files.js";
import { CIS, factsOrSkip, isOutcome } from "./setting.js";

export const hostKeyModes: Check = {
  id: "SSH-HOSTKEY-MODES",
  area: "ssh",
  title: "Private host keys are root-owned and not readable by others",
  severity: "high",
  remediation: "`chown root:root /etc/ssh/ssh_host_*_key && chmod 0600 /etc/ssh/ssh_host_*_key`",
  refs: [CIS("5.2.2", "permissions on SSH private host key files")],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const { present } = await hostKeyFiles(ctx, f);
    if (present.length === 0) return { status: "skip", reason: "no host key file exists" };
    const sshKeysGid = parseColonFile((await ctx.fs.readTextIfExists("/etc/group")) ?? "").find((g) => g[0] === "ssh_keys")?.[2];
    const observed: string[] = [];
    const bad: string[] = [];
    for (const k of present) {
      const st = await ctx.fs.stat(k.path);
      if (!st) continue;
      const mode = st.mode & 0o7777;
      const text = `${k.path} ${oct(mode)} uid=${st.uid} gid=${st.gid}`;
      observed.push(text);
      const groupOk = (mode & 0o070) === 0 || ((mode & 0o070) === 0o040 && sshKeysGid !== undefined && String(st.gid) === sshKeysGid);
      if (st.uid !== 0 || (mode & 0o007) !== 0 || !groupOk) bad.push(text);
    }
    const expected = "owner root, mode 0600 (0640 with group ssh_keys)";
    const source = bad[0]?.split(" ")[0] ?? present[0]?.path ?? "";
    if (bad.length) return { status: "fail", observed, expected, source, reason: `unsafe: ${bad.join("; ")}` };
    return { status: "pass", observed, expected, source };
  },
};
