// What the CPU and the kernel say about the processor: the feature flags of /proc/cpuinfo (nx) and the
// kernel's verdict per known hardware vulnerability (/sys/devices/system/cpu/vulnerabilities/*: "Not
// affected", "Mitigation: …" or "Vulnerable…"). Live facts: an image has neither.
import path from "node:path";
import type { FactContext } from "./context.js";

export const CPUINFO = "/proc/cpuinfo";
export const CPU_VULN_DIR = "/sys/devices/system/cpu/vulnerabilities";

/** The flags of the first processor in /proc/cpuinfo; undefined when there is no flags line (not x86). */
export function cpuFlags(ctx: FactContext): Promise<Set<string> | undefined> {
  return ctx.memo("cpu:flags", async () => {
    const text = await ctx.fs.readTextIfExists(CPUINFO);
    const m = /^flags\s*:(.*)$/m.exec(text ?? "");
    return m ? new Set((m[1] ?? "").trim().split(/\s+/)) : undefined;
  });
}

export interface CpuVulnerability {
  name: string;
  status: string;
  source: string;
}

/** One entry per file of the vulnerabilities directory, sorted; [] when the kernel has none. */
export function cpuVulnerabilities(ctx: FactContext): Promise<CpuVulnerability[]> {
  return ctx.memo("cpu:vulnerabilities", async () => {
    const names = await ctx.fs.list(CPU_VULN_DIR);
    const out = await Promise.all(
      names.map(async (name) => {
        const source = path.posix.join(CPU_VULN_DIR, name);
        return { name, status: ((await ctx.fs.readTextIfExists(source)) ?? "").trim(), source };
      }),
    );
    return out;
  });
}
