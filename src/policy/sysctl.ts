// The recommended kernel parameters (policy `sysctl: recommended`) — ONE list for the audit (src/audit/checks/kernel: one check per group,
// KERN-SYSCTL-PERSISTED) and for `rampart apply --only sysctl` (src/apply/parts/sysctl.ts writes them to
// /etc/sysctl.d/60-rampart.conf): the dev-sec linux-baseline sysctl-* controls and the CIS Debian network
// and process-hardening sections, grouped one concern per check. Data, not code: adding a key here adds it
// to the runtime check of its group, to KERN-SYSCTL-PERSISTED and to the file apply writes. `kernelDefault`
// is the upstream default, which counts as persisted when no file sets the key. ip_forward is judged
// separately (with context: routing hosts keep it on).
import type { Severity } from "../core/severity.js";

export type Want = { equals: string } | { oneOf: string[] };

export interface SysctlKey {
  key: string;
  want: Want;
  /** values that are acceptable but not ideal (warn) */
  tolerated?: string[];
  kernelDefault?: string;
  /** the value `rampart apply` writes when `want` allows several (default: want.equals, else the first) */
  write?: string;
  /** what `audit.profile: strict` wants instead (the audit only; apply still writes `write`/`want`) */
  strictWant?: Want;
}

export interface SysctlGroup {
  id: string;
  title: string;
  severity: Severity;
  keys: SysctlKey[];
  remediation: string;
  refs: string[];
  /** what `audit.profile: strict` demands beyond `want` (tolerated values fail under strict in every group) */
  strict?: string;
}

const eq = (v: string): Want => ({ equals: v });

export const SYSCTL_GROUPS: SysctlGroup[] = [
  {
    id: "KERN-REDIRECTS",
    title: "ICMP redirects are not accepted",
    severity: "medium",
    keys: [
      { key: "net.ipv4.conf.all.accept_redirects", want: eq("0") },
      { key: "net.ipv4.conf.default.accept_redirects", want: eq("0") },
      { key: "net.ipv4.conf.all.secure_redirects", want: eq("0") },
      { key: "net.ipv4.conf.default.secure_redirects", want: eq("0") },
      { key: "net.ipv6.conf.all.accept_redirects", want: eq("0") },
      { key: "net.ipv6.conf.default.accept_redirects", want: eq("0") },
    ],
    remediation: "Set these keys to 0 in /etc/sysctl.d/60-rampart.conf and run `sysctl --system` (or `rampart apply --only sysctl`).",
    refs: [
      "dev-sec linux-baseline sysctl-14",
      "dev-sec linux-baseline sysctl-15",
      "dev-sec linux-baseline sysctl-20",
      "CIS Debian 12: Ensure ICMP redirects are not accepted",
      "Lynis KRNL-6000",
    ],
  },
  {
    id: "KERN-SEND-REDIRECTS",
    title: "The host does not send ICMP redirects",
    severity: "low",
    keys: [
      { key: "net.ipv4.conf.all.send_redirects", want: eq("0") },
      { key: "net.ipv4.conf.default.send_redirects", want: eq("0") },
    ],
    remediation: "Set both keys to 0 in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-16", "CIS Debian 12: Ensure packet redirect sending is disabled", "Lynis KRNL-6000"],
  },
  {
    id: "KERN-SOURCE-ROUTE",
    title: "Source-routed packets are not accepted",
    severity: "medium",
    keys: [
      { key: "net.ipv4.conf.all.accept_source_route", want: eq("0"), kernelDefault: "0" },
      { key: "net.ipv4.conf.default.accept_source_route", want: eq("0") },
      { key: "net.ipv6.conf.all.accept_source_route", want: eq("0"), kernelDefault: "0" },
      { key: "net.ipv6.conf.default.accept_source_route", want: eq("0"), kernelDefault: "0" },
    ],
    remediation: "Set these keys to 0 in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-13", "CIS Debian 12: Ensure source routed packets are not accepted", "Lynis KRNL-6000"],
  },
  {
    id: "KERN-SYNCOOKIES",
    title: "TCP SYN cookies are on",
    severity: "medium",
    keys: [{ key: "net.ipv4.tcp_syncookies", want: eq("1"), kernelDefault: "1" }],
    remediation: "Set `net.ipv4.tcp_syncookies = 1` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-11", "CIS Debian 12: Ensure TCP SYN Cookies is enabled", "Lynis KRNL-6000"],
  },
  {
    id: "KERN-RP-FILTER",
    title: "Reverse-path filtering drops spoofed sources",
    severity: "medium",
    keys: [
      { key: "net.ipv4.conf.all.rp_filter", want: eq("1"), tolerated: ["2"] },
      { key: "net.ipv4.conf.default.rp_filter", want: eq("1"), tolerated: ["2"] },
    ],
    remediation:
      "Set both keys to 1 (strict; 2 = loose, for asymmetric routing) in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-02", "CIS Debian 12: Ensure reverse path filtering is enabled", "Lynis KRNL-6000"],
    strict: "rp_filter 1 on both keys (loose mode 2 fails)",
  },
  {
    id: "KERN-ICMP-BROADCAST",
    title: "Broadcast pings and bogus ICMP errors are ignored",
    severity: "low",
    keys: [
      { key: "net.ipv4.icmp_echo_ignore_broadcasts", want: eq("1"), kernelDefault: "1" },
      { key: "net.ipv4.icmp_ignore_bogus_error_responses", want: eq("1"), kernelDefault: "1" },
    ],
    remediation: "Set both keys to 1 in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: [
      "dev-sec linux-baseline sysctl-03",
      "dev-sec linux-baseline sysctl-04",
      "CIS Debian 12: Ensure broadcast ICMP requests are ignored",
    ],
  },
  {
    id: "KERN-LOG-MARTIANS",
    title: "Packets with impossible addresses are logged",
    severity: "low",
    keys: [
      { key: "net.ipv4.conf.all.log_martians", want: eq("1") },
      { key: "net.ipv4.conf.default.log_martians", want: eq("1") },
    ],
    remediation: "Set both keys to 1 in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-17", "CIS Debian 12: Ensure suspicious packets are logged"],
  },
  {
    id: "KERN-ASLR",
    title: "Address space layout randomisation is full",
    severity: "high",
    keys: [{ key: "kernel.randomize_va_space", want: eq("2"), kernelDefault: "2" }],
    remediation: "Set `kernel.randomize_va_space = 2` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-32", "CIS Debian 12: Ensure address space layout randomization is enabled", "Lynis KRNL-6000"],
  },
  {
    id: "KERN-PTR-RESTRICT",
    title: "Kernel pointers and the kernel log are hidden from users",
    severity: "medium",
    keys: [
      { key: "kernel.kptr_restrict", want: { oneOf: ["1", "2"] }, write: "2" },
      { key: "kernel.dmesg_restrict", want: eq("1") },
    ],
    remediation:
      "Set `kernel.kptr_restrict = 2` and `kernel.dmesg_restrict = 1` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["Lynis KRNL-6000", "KSPP recommended settings"],
  },
  {
    id: "KERN-PROTECTED-LINKS",
    title: "Links, FIFOs and files in sticky directories are protected",
    severity: "medium",
    keys: [
      { key: "fs.protected_symlinks", want: eq("1") },
      { key: "fs.protected_hardlinks", want: eq("1") },
      { key: "fs.protected_fifos", want: { oneOf: ["1", "2"] }, write: "2" },
      { key: "fs.protected_regular", want: eq("2"), tolerated: ["1"] },
    ],
    remediation:
      "Set `fs.protected_symlinks = 1`, `fs.protected_hardlinks = 1`, `fs.protected_fifos = 2`, `fs.protected_regular = 2` in /etc/sysctl.d/60-rampart.conf.",
    refs: ["dev-sec linux-baseline sysctl-34", "Lynis KRNL-6000"],
    strict: "fs.protected_regular 2 (1 fails)",
  },
  {
    id: "KERN-PTRACE-SCOPE",
    title: "ptrace is restricted to parent processes (Yama)",
    severity: "low",
    keys: [{ key: "kernel.yama.ptrace_scope", want: { oneOf: ["1", "2", "3"] }, strictWant: { oneOf: ["2", "3"] } }],
    remediation: "Set `kernel.yama.ptrace_scope = 1` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-35", "CIS Debian 12: Ensure ptrace_scope is restricted", "Lynis KRNL-6000"],
    strict: "kernel.yama.ptrace_scope 2 or 3 (only root may attach; breaks gdb/strace of one's own processes)",
  },
  {
    id: "KERN-SUID-DUMPABLE",
    title: "setuid programs do not dump core",
    severity: "low",
    keys: [{ key: "fs.suid_dumpable", want: eq("0"), tolerated: ["2"], kernelDefault: "0" }],
    remediation: "Set `fs.suid_dumpable = 0` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-31a", "CIS Debian 12: Ensure core dumps are restricted"],
    strict: "fs.suid_dumpable 0 (2 fails)",
  },
  {
    id: "KERN-TCP-RFC1337",
    title: "TIME-WAIT sockets are protected from RST assassination (RFC 1337)",
    severity: "low",
    keys: [{ key: "net.ipv4.tcp_rfc1337", want: eq("1") }],
    remediation: "Set `net.ipv4.tcp_rfc1337 = 1` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-10"],
  },
  {
    id: "KERN-ICMP-RATELIMIT",
    title: "ICMP replies and errors are rate limited",
    severity: "low",
    keys: [
      { key: "net.ipv4.icmp_ratelimit", want: eq("100") },
      // 88089: echo reply, destination unreachable, source quench, time exceeded, parameter problem,
      // timestamp reply and information reply (the kernel default 6168 leaves echo replies out)
      { key: "net.ipv4.icmp_ratemask", want: eq("88089") },
    ],
    remediation:
      "Set `net.ipv4.icmp_ratelimit = 100` and `net.ipv4.icmp_ratemask = 88089` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-05", "dev-sec linux-baseline sysctl-06"],
  },
  {
    id: "KERN-SHARED-MEDIA",
    title: "RFC 1620 shared-media redirects follow the kernel default",
    severity: "info",
    keys: [
      { key: "net.ipv4.conf.all.shared_media", want: eq("1"), kernelDefault: "1" },
      { key: "net.ipv4.conf.default.shared_media", want: eq("1"), kernelDefault: "1" },
    ],
    remediation: "Set both keys to 1 (the kernel default) in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-12"],
  },
  {
    id: "KERN-SYSRQ",
    title: "The magic SysRq key is off",
    severity: "low",
    // /proc/sysrq-trigger still works for root: only the keyboard combination is turned off
    keys: [{ key: "kernel.sysrq", want: eq("0") }],
    remediation: "Set `kernel.sysrq = 0` in /etc/sysctl.d/60-rampart.conf and run `sysctl --system`.",
    refs: ["dev-sec linux-baseline sysctl-30", "CIS: Ensure SysRq is disabled"],
  },
];

export function accepts(want: Want, value: string): boolean {
  return "equals" in want ? value === want.equals : want.oneOf.includes(value);
}

export function describeWant(want: Want): string {
  return "equals" in want ? want.equals : want.oneOf.join(" or ");
}

/** The value apply writes for a recommended key. */
export function writeValue(k: SysctlKey): string {
  return k.write ?? ("equals" in k.want ? k.want.equals : (k.want.oneOf[0] as string));
}
