// The GRUB configuration the boot loader reads (/boot/grub/grub.cfg on Debian, /boot/grub2/grub.cfg on
// Red Hat), its owner and mode, and whether it sets a superuser password (set superusers= plus a
// password/password_pbkdf2 line — what /etc/grub.d/40_custom adds). The hash itself is not kept.
import type { Stats } from "node:fs";
import type { FactContext } from "./context.js";

export const GRUB_CFGS = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"];

export interface GrubFacts {
  file: string;
  stat: Stats;
  superusers: { value: string; source: string } | undefined;
  password: { kind: "password_pbkdf2" | "password"; source: string } | undefined;
}

/** undefined when there is no GRUB configuration (another boot loader, a container, an image without /boot) */
export function grubFacts(ctx: FactContext): Promise<GrubFacts | undefined> {
  return ctx.memo("grub", async () => {
    for (const file of GRUB_CFGS) {
      const stat = await ctx.fs.stat(file);
      if (!stat?.isFile()) continue;
      const text = await ctx.fs.readText(file);
      let superusers: GrubFacts["superusers"];
      let password: GrubFacts["password"];
      text.split("\n").forEach((raw, i) => {
        const line = raw.trim();
        const su = /^set\s+superusers\s*=\s*"?([^"]*)"?/.exec(line);
        if (su) superusers = { value: su[1] ?? "", source: `${file}:${i + 1}` };
        const pw = /^(password_pbkdf2|password)\s+\S+\s+\S+/.exec(line);
        if (pw && !password) password = { kind: pw[1] as "password_pbkdf2" | "password", source: `${file}:${i + 1}` };
      });
      return { file, stat, superusers, password };
    }
    return undefined;
  });
}
