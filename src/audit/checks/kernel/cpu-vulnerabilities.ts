// KERN-CPU-VULNERABILITIES: the kernel reports no known CPU vulnerability as unmitigated ("Vulnerable…" in
// /sys/devices/system/cpu/vulnerabilities). A vulnerable entry needs newer microcode or kernel, or a boot
// option such as `mitigations=off` removed.
import { CPU_VULN_DIR, cpuVulnerabilities } from "../../../facts/cpu.js";
import type { Check } from "../../types.js";

export const cpuVulns: Check = {
  id: "KERN-CPU-VULNERABILITIES",
  area: "kernel",
  title: "No CPU vulnerability is left unmitigated",
  severity: "medium",
  remediation:
    "Install the CPU microcode (`apt-get install intel-microcode` or `amd64-microcode`) and the current kernel, remove `mitigations=off` (or similar) from the kernel command line, and reboot.",
  refs: ["dev-sec linux-baseline os-12"],
  live: true,
  async run(ctx) {
    const all = await cpuVulnerabilities(ctx);
    if (all.length === 0) return { status: "skip", reason: `${CPU_VULN_DIR} is absent (kernel older than 4.15 or not x86/arm64)` };
    const bad = all.filter((v) => /vulnerable/i.test(v.status));
    const observed = Object.fromEntries(all.map((v) => [v.name, v.status]));
    const expected = "Not affected or Mitigation: … for every entry";
    if (bad.length) {
      return {
        status: "fail",
        observed,
        expected,
        source: bad.map((v) => v.source).join(", "),
        reason: `vulnerable: ${bad.map((v) => `${v.name} (${v.status})`).join("; ")}`,
      };
    }
    return { status: "pass", observed, expected, source: CPU_VULN_DIR };
  },
};
