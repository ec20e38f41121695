// KERN-IP-FORWARD: a server that is not a router does not forward packets; on a container/VM host (or when
// the policy routes) forwarding on is expected and passes with a note.
import { procPath, runtimeSysctl } from "../../../facts/sysctl.js";
import type { Check } from "../../types.js";
import { forwardingContext } from "../../../facts/forwarding.js";

// net.ipv4.ip_forward and net.ipv4.conf.all.forwarding are one switch in the kernel; dev-sec sysctl-01 reads both
const KEYS = ["net.ipv4.ip_forward", "net.ipv4.conf.all.forwarding", "net.ipv6.conf.all.forwarding"];

export const ipForward: Check = {
  id: "KERN-IP-FORWARD",
  area: "kernel",
  title: "IP forwarding matches the host's role",
  severity: "medium",
  remediation:
    "On a host that does not route: `net.ipv4.ip_forward = 0` (also sets net.ipv4.conf.all.forwarding) and `net.ipv6.conf.all.forwarding = 0` in /etc/sysctl.d/60-rampart.conf; on a container host set `firewall.forward: true` in the policy.",
  refs: ["dev-sec linux-baseline sysctl-01", "dev-sec linux-baseline sysctl-19", "CIS Debian 12: Ensure ip forwarding is disabled"],
  live: true,
  async run(ctx) {
    const [context, ...values] = await Promise.all([
      forwardingContext(ctx, { ipForward: ctx.policy.sysctl.ipForward, forward: ctx.policy.firewall.forward }),
      ...KEYS.map((k) => runtimeSysctl(ctx, k)),
    ]);
    const observed: Record<string, string> = {};
    KEYS.forEach((k, i) => {
      const v = values[i];
      if (v !== undefined) observed[k] = v;
    });
    const keys = Object.keys(observed);
    if (keys.length === 0) return { status: "skip", reason: "the kernel has no ip_forward key" };
    const want = context.expected ? "1" : "0";
    const expected = Object.fromEntries(keys.map((k) => [k, context.expected ? "1 (routing host)" : "0"]));
    const on = keys.filter((k) => observed[k] !== "0");
    const source = (on.length ? on : keys).map(procPath).join(", ");
    if (!context.expected && on.length) return { status: "fail", observed, expected, source, reason: context.why };
    if (context.expected && observed["net.ipv4.ip_forward"] !== want) {
      return { status: "warn", observed, expected, source, reason: `forwarding is off, but ${context.why}` };
    }
    return { status: "pass", observed, expected, source, reason: context.why };
  },
};
