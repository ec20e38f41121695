// What the kernel's mandatory access control is doing now: AppArmor (module parameter and loaded profiles
// with their modes from securityfs) or SELinux (enforce flag). Read once per audit; live only.
import type { FactContext } from "./context.js";

export const AA_ENABLED = "/sys/module/apparmor/parameters/enabled";
export const AA_PROFILES = "/sys/kernel/security/apparmor/profiles";
export const SELINUX_ENFORCE = "/sys/fs/selinux/enforce";

export interface MacState {
  apparmor?: { enabled: boolean; profiles?: Record<string, number>; profileLines?: number };
  selinux?: { enforcing: boolean };
}

export function macState(ctx: FactContext): Promise<MacState> {
  return ctx.memo("mac:state", async () => {
    const [aa, profiles, se] = await Promise.all([
      ctx.fs.readTextIfExists(AA_ENABLED),
      ctx.fs.readTextIfExists(AA_PROFILES).catch(() => undefined),
      ctx.fs.readTextIfExists(SELINUX_ENFORCE).catch(() => undefined),
    ]);
    const out: MacState = {};
    if (aa !== undefined) {
      out.apparmor = { enabled: aa.trim() === "Y" };
      if (profiles !== undefined) {
        const modes: Record<string, number> = {};
        let n = 0;
        for (const line of profiles.split("\n")) {
          const m = /\((\w+)\)\s*$/.exec(line);
          if (!m) continue;
          n++;
          modes[m[1] as string] = (modes[m[1] as string] ?? 0) + 1;
        }
        out.apparmor.profiles = modes;
        out.apparmor.profileLines = n;
      }
    }
    if (se !== undefined) out.selinux = { enforcing: se.trim() === "1" };
    return out;
  });
}
