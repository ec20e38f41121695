// The kernel parameters, ONE table for the audit (src/audit/checks/kernel: one runtime check per group,
// KERN-SYSCTL-PERSISTED) and for `rampart apply --only sysctl` (src/apply/parts/sysctl.ts writes them to
// /etc/sysctl.d/60-rampart.conf): the dev-sec linux-baseline sysctl-* controls and the CIS Debian network
// and process-hardening sections, grouped one concern per check. Data, not code: adding a key to a
// recommended group (policy `sysctl: recommended`) adds it to the runtime check of its group, to
// KERN-SYSCTL-PERSISTED and to the file apply writes; a group marked `strictOnly` is only audited (its runtime
// check fails under `audit.profile: strict`) and never written. `kernelDefault` is the upstream default, which
// counts as persisted when no file sets the key. ip_forward is judged separately (with context: routing hosts
// keep it on).
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
  /**
   * Audited only, never applied: `rampart apply` does not write these keys, the policy's `sysctl` settings do
   * not change what the check wants, and only `audit.profile: strict` fails it; under the baseline profile a
   * fail becomes `baseline` (warn, or pass with a note).
   */
  strictOnly?: { baseline: "warn" | "pass" };
}

const eq = (v: string): Want => ({ equals: v });

/** Every group: the recommended ones, then the strict-only ones (each view below keeps this order). */
const ALL_SYSCTL_GROUPS: SysctlGroup[] = [
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
  // ---- strict only: never written by `rampart apply`, failed only under `audit.profile: strict`.
  // Kernel parameters dev-sec linux-baseline asks for that break common setups: IPv6 router advertisements
  // and autoconfiguration off (a SLAAC host loses its address and route), ARP replies only for the receiving
  // interface (breaks IPs held on another interface), TCP timestamps off (slower, and the uptime leak is gone
  // since Linux 4.10 randomises the offset per connection), and module loading locked (no new driver until
  // reboot). Under the default baseline profile they warn or pass with a note.
  {
    id: "KERN-IPV6-RA",
    title: "IPv6 router advertisements and autoconfiguration are off (static addressing)",
    severity: "low",
    strictOnly: { baseline: "pass" },
    keys: [
      { key: "net.ipv6.conf.all.router_solicitations", want: eq("0") },
      { key: "net.ipv6.conf.default.router_solicitations", want: eq("0") },
      { key: "net.ipv6.conf.default.accept_ra_rtr_pref", want: eq("0") },
      { key: "net.ipv6.conf.default.accept_ra_pinfo", want: eq("0") },
      { key: "net.ipv6.conf.default.accept_ra_defrtr", want: eq("0") },
      { key: "net.ipv6.conf.all.accept_ra", want: eq("0") },
      { key: "net.ipv6.conf.default.accept_ra", want: eq("0") },
      { key: "net.ipv6.conf.all.autoconf", want: eq("0") },
      { key: "net.ipv6.conf.default.autoconf", want: eq("0") },
      { key: "net.ipv6.conf.default.dad_transmits", want: eq("0") },
      { key: "net.ipv6.conf.default.max_addresses", want: eq("1") },
    ],
    remediation:
      "On a host with static IPv6 addresses only: set these keys in /etc/sysctl.d/61-ipv6-static.conf and run `sysctl --system` (a host that gets its address by SLAAC loses it).",
    refs: [
      "dev-sec linux-baseline sysctl-21",
      "dev-sec linux-baseline sysctl-22",
      "dev-sec linux-baseline sysctl-23",
      "dev-sec linux-baseline sysctl-24",
      "dev-sec linux-baseline sysctl-25",
      "dev-sec linux-baseline sysctl-26",
      "dev-sec linux-baseline sysctl-27",
      "dev-sec linux-baseline sysctl-28",
    ],
    strict: "all keys at the dev-sec values (static IPv6 addressing)",
  },
  {
    id: "KERN-ARP",
    title: "ARP replies and announcements use the receiving interface's addresses",
    severity: "low",
    strictOnly: { baseline: "warn" },
    keys: [
      { key: "net.ipv4.conf.all.arp_ignore", want: { oneOf: ["1", "2"] } },
      { key: "net.ipv4.conf.all.arp_announce", want: eq("2") },
    ],
    remediation:
      "Set `net.ipv4.conf.all.arp_ignore = 1` and `net.ipv4.conf.all.arp_announce = 2` in /etc/sysctl.d/61-arp.conf and run `sysctl --system` (not on hosts that answer ARP for addresses held on another interface).",
    refs: ["dev-sec linux-baseline sysctl-08", "dev-sec linux-baseline sysctl-09"],
    strict: "arp_ignore 1 or 2 and arp_announce 2",
  },
  {
    id: "KERN-TCP-TIMESTAMPS",
    title: "TCP timestamps are off",
    severity: "info",
    strictOnly: { baseline: "pass" },
    keys: [{ key: "net.ipv4.tcp_timestamps", want: eq("0") }],
    remediation:
      "Set `net.ipv4.tcp_timestamps = 0` in /etc/sysctl.d/61-tcp.conf and run `sysctl --system` (costs throughput on fast links).",
    refs: ["dev-sec linux-baseline sysctl-07"],
    strict: "net.ipv4.tcp_timestamps 0",
  },
  {
    id: "KERN-MODULES-DISABLED",
    title: "Loading kernel modules is locked",
    severity: "info",
    // dev-sec's own default input (kernel_modules_disabled: 0) expects 0; strict asks for the lock
    strictOnly: { baseline: "pass" },
    keys: [{ key: "kernel.modules_disabled", want: eq("1") }],
    remediation:
      "After boot has loaded every module the host needs, `sysctl -w kernel.modules_disabled=1` (from a late systemd unit; it cannot be undone until reboot).",
    refs: ["dev-sec linux-baseline sysctl-29"],
    strict: "kernel.modules_disabled 1",
  },
];

/** The recommended groups: what `sysctl: recommended` asks for, KERN-SYSCTL-PERSISTED judges and apply writes. */
export const SYSCTL_GROUPS: SysctlGroup[] = ALL_SYSCTL_GROUPS.filter((g) => g.strictOnly === undefined);

/** The groups only `audit.profile: strict` fails (runtime values; never written by apply). */
export const STRICT_ONLY_SYSCTL_GROUPS: SysctlGroup[] = ALL_SYSCTL_GROUPS.filter((g) => g.strictOnly !== undefined);

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
