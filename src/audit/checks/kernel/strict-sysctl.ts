// Kernel parameters dev-sec linux-baseline asks for that break common setups, so `rampart apply` never
// writes them and only `audit.profile: strict` fails them: IPv6 router advertisements and autoconfiguration
// off (a SLAAC host loses its address and route), ARP replies only for the receiving interface (breaks IPs
// held on another interface), TCP timestamps off (slower, and the uptime leak is gone since Linux 4.10
// randomises the offset per connection), and module loading locked (no new driver until reboot). Under
// the default baseline profile they warn or pass with a note. Runtime values, like the recommended groups.
import { runtimeSysctl } from "../../../facts/sysctl.js";
import { strictOnly } from "../../profile.js";
import type { Check } from "../../types.js";
import type { SysctlGroup } from "./recommended.js";
import { judgeRuntime } from "./runtime.js";

const eq = (v: string) => ({ equals: v });

export interface StrictSysctlGroup extends SysctlGroup {
  /** what the baseline profile reports when the strict value is not set */
  baseline: "warn" | "pass";
  strict: string;
}

export const STRICT_SYSCTL_GROUPS: StrictSysctlGroup[] = [
  {
    id: "KERN-IPV6-RA",
    title: "IPv6 router advertisements and autoconfiguration are off (static addressing)",
    severity: "low",
    baseline: "pass",
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
    baseline: "warn",
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
    baseline: "pass",
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
    baseline: "pass",
    keys: [{ key: "kernel.modules_disabled", want: eq("1") }],
    remediation:
      "After boot has loaded every module the host needs, `sysctl -w kernel.modules_disabled=1` (from a late systemd unit; it cannot be undone until reboot).",
    refs: ["dev-sec linux-baseline sysctl-29"],
    strict: "kernel.modules_disabled 1",
  },
];

export function strictSysctlCheck(group: StrictSysctlGroup): Check {
  return {
    id: group.id,
    area: "kernel",
    title: group.title,
    severity: group.severity,
    remediation: group.remediation,
    refs: group.refs,
    strict: group.strict,
    live: true,
    async run(ctx) {
      const values = await Promise.all(group.keys.map(async (k) => ({ k, value: await runtimeSysctl(ctx, k.key) })));
      return strictOnly(ctx, judgeRuntime(values), group.baseline);
    },
  };
}
