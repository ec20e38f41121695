// SYS-CORE-DUMPS: a crashing program does not leave its memory (passwords, keys, session secrets) on disk:
// a hard core limit of 0 for everyone (pam_limits), or systemd-coredump told to keep nothing (Storage=none,
// ProcessSizeMax=0). And when setuid programs may dump at all (fs.suid_dumpable = 2), the core pattern
// is an absolute path or a pipe to a handler, never a file in the crashing program's working directory
// (dev-sec sysctl-31b) — that one fails under any profile. No core limit warns under baseline (a crash
// dump helps debugging and fs.suid_dumpable already keeps setuid programs' memory out); strict fails it.
import path from "node:path";
import { hardLimitForAll, limits } from "../../../facts/limits.js";
import { persistedSysctl, procPath, runtimeSysctl } from "../../../facts/sysctl.js";
import { strictOnly } from "../../profile.js";
import type { AuditContext, Check } from "../../types.js";

const COREDUMP_CONF = "/etc/systemd/coredump.conf";
const COREDUMP_D = "/etc/systemd/coredump.conf.d";

/** Storage= and ProcessSizeMax= of systemd-coredump ([Coredump] section; drop-ins in name order win). */
async function coredumpSettings(ctx: AuditContext): Promise<Record<string, { value: string; source: string }>> {
  const files = [
    COREDUMP_CONF,
    ...(await ctx.fs.list(COREDUMP_D)).filter((n) => n.endsWith(".conf")).map((n) => path.posix.join(COREDUMP_D, n)),
  ];
  const out: Record<string, { value: string; source: string }> = {};
  for (const file of files) {
    const lines = ((await ctx.fs.readTextIfExists(file)) ?? "").split("\n");
    lines.forEach((l, i) => {
      const m = /^\s*(Storage|ProcessSizeMax)\s*=\s*(\S*)/.exec(l);
      if (m) out[m[1] as string] = { value: m[2] ?? "", source: `${file}:${i + 1}` };
    });
  }
  return out;
}

/** A sysctl value now (live) or as the next boot sets it (--root). */
async function sysctlValue(ctx: AuditContext, key: string): Promise<{ value: string | undefined; source: string }> {
  if (ctx.live) return { value: await runtimeSysctl(ctx, key), source: procPath(key) };
  const a = (await persistedSysctl(ctx)).get(key);
  return a ? { value: a.value, source: a.source } : { value: undefined, source: "sysctl.d (not set)" };
}

export const coreDumps: Check = {
  id: "SYS-CORE-DUMPS",
  area: "system",
  title: "Core dumps are off, and never land in a program's working directory",
  severity: "low",
  remediation:
    "Add `* hard core 0` to /etc/security/limits.d/60-coredump.conf (and `Storage=none`, `ProcessSizeMax=0` in /etc/systemd/coredump.conf.d/ with systemd-coredump); with fs.suid_dumpable = 2, set kernel.core_pattern to an absolute path or a |/handler.",
  refs: ["Lynis KRNL-5820", "dev-sec linux-baseline sysctl-31b", "CIS Debian 12: Ensure core dumps are restricted"],
  strict: "a hard core limit of 0 for all users (or systemd-coredump keeping nothing) is required",
  async run(ctx) {
    const [lines, cd, dumpable, pattern] = await Promise.all([
      limits(ctx),
      coredumpSettings(ctx),
      sysctlValue(ctx, "fs.suid_dumpable"),
      sysctlValue(ctx, "kernel.core_pattern"),
    ]);
    const hard = hardLimitForAll(lines, "core");
    const systemdOff = cd.Storage?.value === "none" && cd.ProcessSizeMax?.value === "0";
    const observed: Record<string, string> = {
      "limits (* hard core)": hard ? `${hard.value} (${hard.source})` : "not set",
      "systemd-coredump":
        cd.Storage || cd.ProcessSizeMax
          ? `Storage=${cd.Storage?.value ?? "default"} ProcessSizeMax=${cd.ProcessSizeMax?.value ?? "default"}`
          : "defaults",
      "fs.suid_dumpable": dumpable.value ?? "not set",
      "kernel.core_pattern": pattern.value ?? "not set",
    };
    const expected = {
      "limits (* hard core)": "0 (or systemd-coredump Storage=none, ProcessSizeMax=0)",
      "kernel.core_pattern": "an absolute path or |/handler when fs.suid_dumpable = 2",
    };
    if (dumpable.value === "2" && pattern.value !== undefined && !/^\|?\//.test(pattern.value)) {
      return {
        status: "fail",
        observed,
        expected,
        source: pattern.source,
        reason: "setuid programs dump core into their working directory",
      };
    }
    if (hard?.value === "0" || systemdOff) {
      return { status: "pass", observed, expected, source: hard?.value === "0" ? hard.source : (cd.Storage?.source ?? COREDUMP_CONF) };
    }
    const out = {
      status: "fail" as const,
      observed,
      expected,
      source: hard?.source ?? "/etc/security/limits.conf",
      reason: "core dumps are not limited",
    };
    return strictOnly(ctx, out, "warn");
  },
};
