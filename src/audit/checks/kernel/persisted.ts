// KERN-SYSCTL-PERSISTED: the recommended values survive a reboot — each key is set by /etc/sysctl.conf or a
// sysctl.d file (the last assignment in systemd-sysctl's order wins) or is already right by kernel default.
// File-based, so it also judges an image under --root. Evidence names the file:line that sets each key.
// On the running system, keys the kernel does not have (no Yama LSM, IPv6 disabled: no /proc/sys path)
// are left out and named in the reason — "not set" would ask for a setting the kernel cannot take.
import { persistedSysctl, procPath, runtimeSysctl } from "../../../facts/sysctl.js";
import type { Check } from "../../types.js";
import { forwardingContext } from "../../../facts/forwarding.js";
import { accepts, describeWant, SYSCTL_GROUPS, type SysctlKey } from "./recommended.js";
import { expectedKeys } from "./runtime.js";

export const sysctlPersisted: Check = {
  id: "KERN-SYSCTL-PERSISTED",
  area: "kernel",
  title: "Hardened kernel parameters are persisted for the next boot",
  severity: "medium",
  remediation:
    "Write the listed keys to /etc/sysctl.d/60-rampart.conf (`rampart apply --only sysctl` does) and load them with `sysctl --system`; fix or remove a later file that sets them back.",
  refs: ["Lynis KRNL-6000", "CIS Debian 12: network and kernel parameters are set in /etc/sysctl.d"],
  async run(ctx) {
    const [persisted, forwarding] = await Promise.all([
      persistedSysctl(ctx),
      forwardingContext(ctx, { ipForward: ctx.policy.sysctl.ipForward, forward: ctx.policy.firewall.forward }),
    ]);
    const keys: SysctlKey[] = SYSCTL_GROUPS.flatMap((g) => expectedKeys(ctx, g));
    if (!forwarding.expected) keys.push({ key: "net.ipv4.ip_forward", want: { equals: "0" }, kernelDefault: "0" });
    const known = new Set(keys.map((k) => k.key));
    for (const [key, value] of Object.entries(ctx.policy.sysctl.set)) {
      if (!known.has(key)) keys.push({ key, want: { equals: String(value) } });
    }
    if (keys.length === 0) return { status: "skip", reason: "the policy expects no sysctl values (sysctl: none)" };
    const absent: string[] = [];
    if (ctx.live) {
      const present = await Promise.all(keys.map(async (k) => (await runtimeSysctl(ctx, k.key)) !== undefined));
      for (let i = keys.length - 1; i >= 0; i--)
        if (!present[i]) {
          absent.unshift(procPath((keys[i] as SysctlKey).key));
          keys.splice(i, 1);
        }
      if (keys.length === 0) return { status: "skip", reason: `the kernel has none of the expected keys (${absent.join(", ")} missing)` };
    }
    const notInKernel = absent.length ? `not in this kernel, not judged: ${absent.join(", ")} missing` : undefined;

    const observed: Record<string, string> = {};
    const expected: Record<string, string> = {};
    const wrong: string[] = [];
    const wrongSources: string[] = [];
    for (const k of keys) {
      expected[k.key] = describeWant(k.want);
      const a = persisted.get(k.key);
      if (a) {
        observed[k.key] = `${a.value} (${a.source})`;
        if (!accepts(k.want, a.value) && !k.tolerated?.includes(a.value)) {
          wrong.push(k.key);
          wrongSources.push(a.source);
        }
      } else if (k.kernelDefault !== undefined && accepts(k.want, k.kernelDefault)) {
        observed[k.key] = `${k.kernelDefault} (kernel default)`;
      } else {
        observed[k.key] = "not set";
        wrong.push(k.key);
      }
    }
    const files = persisted.files.length ? persisted.files.join(", ") : "no sysctl.d file, no /etc/sysctl.conf";
    if (wrong.length > 0) {
      const unset = wrong.length - wrongSources.length;
      return {
        status: "fail",
        observed,
        expected,
        source: [...new Set(wrongSources)].join(", ") || files,
        reason: [
          `${wrong.length} key(s) not persisted with a hardened value${unset ? ` (${unset} not set anywhere)` : ""}: ${wrong.join(", ")}`,
          notInKernel,
        ]
          .filter(Boolean)
          .join(" — "),
      };
    }
    return { status: "pass", observed, expected, source: files, ...(notInKernel ? { reason: notInKernel } : {}) };
  },
};
