// KERN-NX: the CPU's no-execute bit is on, so data pages cannot run as code; without it (old or oddly
// configured virtual CPUs) only the exec-shield patch of old Red Hat kernels helps.
import { CPUINFO, cpuFlags } from "../../../facts/cpu.js";
import { runtimeSysctl } from "../../../facts/sysctl.js";
import type { Check } from "../../types.js";

export const nx: Check = {
  id: "KERN-NX",
  area: "kernel",
  title: "The CPU's no-execute (NX) protection is on",
  severity: "medium",
  remediation:
    'Turn on NX/XD ("Execute Disable Bit") in the firmware setup, or expose the nx flag to the virtual machine; do not boot with `noexec=off`.',
  refs: ["dev-sec linux-baseline sysctl-33"],
  live: true,
  async run(ctx) {
    const flags = await cpuFlags(ctx);
    if (!flags) return { status: "skip", reason: `no flags line in ${CPUINFO} (not an x86 CPU)` };
    const expected = "nx in the CPU flags (or kernel.exec-shield = 1)";
    if (flags.has("nx")) return { status: "pass", observed: "nx", expected, source: CPUINFO };
    const shield = await runtimeSysctl(ctx, "kernel.exec-shield");
    if (shield === "1")
      return { status: "pass", observed: "no nx; kernel.exec-shield = 1", expected, source: "/proc/sys/kernel/exec-shield" };
    return {
      status: "fail",
      observed: `no nx flag${shield === undefined ? "" : `; kernel.exec-shield = ${shield}`}`,
      expected,
      source: CPUINFO,
    };
  },
};
