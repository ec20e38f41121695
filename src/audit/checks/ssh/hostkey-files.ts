// The host key files sshd loads (HostKey lines, or the compiled-in three), shared by SSH-HOSTKEY-SIZE and
// SSH-HOSTKEY-MODES: the effective list from sshd -T / the parser, keeping only files that exist.
import { setting } from "../../../sshd/effective.js";
import type { SshdFacts } from "../../../facts/sshd.js";
import type { AuditContext } from "../../types.js";
import { viewFor } from "./setting.js";

export interface HostKeyFile {
  path: string;
  source: string;
}

export async function hostKeyFiles(ctx: AuditContext, f: SshdFacts): Promise<{ present: HostKeyFile[]; missing: string[] }> {
  const s = setting(viewFor(f, "unknown user"), "HostKey");
  const paths = (s?.values ?? []).flatMap((v) => v.split(" ")).filter(Boolean);
  const present: HostKeyFile[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    if (await ctx.fs.exists(p)) present.push({ path: p, source: s?.source ?? "default" });
    else missing.push(p);
  }
  return { present, missing };
}
