// What /etc/sysctl.d/60-rampart.conf should hold for a policy: the recommended set (src/policy/sysctl.ts,
// the same list the audit judges), the policy's `sysctl.set` overrides, IP forwarding decided with context
// (routing and container hosts keep it on, and say why) and, when the policy asks as the second guide does,
// IPv6 turned off. Pure functions of the policy and a few facts, so the file text is easy to test.
import { RampartError } from "../../core/errors.js";
import type { Policy } from "../../policy/schema.js";
import { SYSCTL_GROUPS, writeValue } from "../../policy/sysctl.js";

export const SYSCTL_FILE = "/etc/sysctl.d/60-rampart.conf";
export const FORWARD_KEYS = ["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"] as const;
export const IPV6_OFF_KEYS = [
  "net.ipv6.conf.all.disable_ipv6",
  "net.ipv6.conf.default.disable_ipv6",
  "net.ipv6.conf.lo.disable_ipv6",
] as const;

export interface SysctlSetting {
  key: string;
  value: string;
  /** heading it is written under: a check ID, "forwarding", "policy sysctl.set" … */
  group: string;
}

export interface Forwarding {
  /** true = the host routes (forwarding stays on) */
  expected: boolean;
  why: string;
}

export interface SysctlDesign {
  settings: SysctlSetting[];
  notes: string[];
}

/** A policy value as sysctl writes it: one line, whitespace collapsed. */
export function sysctlValue(key: string, v: string | number): string {
  const s = String(v)
    .trim()
    .replace(/[ \t]+/g, " ");
  if (s === "" || /[\r\n#;]/.test(s)) {
    throw new RampartError("POLICY", `sysctl.set.${key}: ${JSON.stringify(String(v))} is not a sysctl value`, {
      hint: 'Use one line without # or ; (e.g. 0, 1, or "4096 87380 6291456").',
    });
  }
  return s;
}

/** The settings the policy asks for, before checking which keys the kernel has. */
export function designSysctl(policy: Policy, forwarding: Forwarding): SysctlDesign {
  const p = policy.sysctl;
  const set = Object.fromEntries(Object.entries(p.set).map(([k, v]) => [k, sysctlValue(k, v)]));
  const settings: SysctlSetting[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (key: string, value: string, group: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    settings.push({
      key,
      value: set[key] ?? value,
      group: set[key] !== undefined && set[key] !== value ? `${group} (policy sysctl.set)` : group,
    });
  };
  if (p.profile === "recommended") {
    for (const g of SYSCTL_GROUPS) for (const k of g.keys) add(k.key, writeValue(k), `${g.id}: ${g.title}`);
  }
  // forwarding, with context
  if (p.ipForward !== undefined) {
    for (const k of FORWARD_KEYS) add(k, p.ipForward ? "1" : "0", `forwarding: policy sysctl.ipForward: ${p.ipForward}`);
  } else if (forwarding.expected) {
    for (const k of FORWARD_KEYS) seen.add(k);
    notes.push(`${FORWARD_KEYS.join(" and ")} are left as they are (on): ${forwarding.why}`);
  } else if (p.profile === "recommended") {
    for (const k of FORWARD_KEYS) add(k, "0", `KERN-IP-FORWARD: not a router (${forwarding.why})`);
  }
  if (p.disableIpv6) {
    for (const k of IPV6_OFF_KEYS) add(k, "1", "IPv6 off: policy sysctl.disableIpv6: true");
    notes.push(
      "WARNING: sysctl.disableIpv6 turns IPv6 off on every interface (as the second guide does): services and SSH sessions on IPv6 addresses stop working, and rampart's IPv6 firewall rules no longer matter. Keep IPv6 on unless the network has none.",
    );
  }
  for (const [k, v] of Object.entries(set)) add(k, v, "policy sysctl.set");
  return { settings, notes };
}

/** The text of 60-rampart.conf, grouped under a comment per concern. */
export function renderSysctlFile(settings: readonly SysctlSetting[]): string {
  const lines = [
    "# Managed by rampart: `rampart apply --only sysctl` rewrites this file from the policy (/etc/rampart/policy.yaml).",
    "# Recommended kernel settings (dev-sec linux-baseline, CIS Debian); the policy's sysctl.set overrides them.",
  ];
  let group = "";
  for (const s of settings) {
    if (s.group !== group) {
      lines.push("", `# ${s.group}`);
      group = s.group;
    }
    lines.push(`${s.key} = ${s.value}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Keys whose value is namespaced per network namespace (the rest are machine-wide). */
export const isNetKey = (key: string): boolean => key.startsWith("net.");
