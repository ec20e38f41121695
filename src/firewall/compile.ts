// Policy → neutral rule model. This is where the firewall's meaning lives; backends only spell it.
// Input chain order (first match wins):
//   loopback → loopback spoofing → anti-lockout (admin's SSH source) → [IPv6 off: packet-too-big, neighbour
//   discovery and MLD (the link still needs them), then drop v6] → ban/block sets →
//   established/related → invalid → ICMP/ICMPv6 that IPv6 and path-MTU need → DHCPv6 client replies →
//   the policy's inbound rules (per-source rate limit, then accept) → [reject mode: reject the rest] → policy drop.
// Bans and blocklists come before established/related so that a ban also cuts an attacker's open
// connection; the admin's own source comes before them so a mistaken ban cannot lock the admin out.
// With `forward: true` (a container host or router) the forward chain keeps policy accept — Docker and
// libvirt decide forwarding in their own chains, and a drop here would override their accepts — and
// rampart only drops banned/blocked sources there.
import { type Cidr, formatCidr, tryParseCidr, tryParseIp } from "../core/ip.js";
import type { Policy } from "../policy/schema.js";
import { parseRate } from "../policy/units.js";
import type { AddressFamily, Chain, Icmp4Type, Icmp6Type, PortRange, Rule, RuleMatch, RuleModel } from "./model.js";
import { INBOUND_SERVICES, OUTBOUND_SERVICE_PORTS, portRange, type ServicePorts } from "./services.js";
import { BAN_NET_SET, BAN_P64_SET, BAN_SET, BLOCK_SET, namedSets, P64 } from "./sets.js";

/** What compile needs to know about the host and the applying session (gathered by apply/plan). */
export interface HostFacts {
  /** address the applying admin's SSH session comes from (SSH_CONNECTION's first field) */
  adminSource?: string | undefined;
  /** the port sshd listens on now (default: policy ssh.port, else 22) */
  sshPort?: number | undefined;
}

export type FirewallPolicy = Pick<Policy, "firewall" | "ssh">;

/** Echo requests accepted per second (all sources together) unless the policy opens `service: icmp`. */
const ECHO_RATE = { count: 10, per: "second", burst: 20 } as const;

const ICMP4_ESSENTIAL: Icmp4Type[] = ["destination-unreachable", "time-exceeded", "parameter-problem"];
const ICMP6_ERRORS: Icmp6Type[] = ["destination-unreachable", "packet-too-big", "time-exceeded", "parameter-problem"];
const ND_IN: Icmp6Type[] = ["nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert"];
const ND_OUT: Icmp6Type[] = ["nd-router-solicit", "nd-neighbor-solicit", "nd-neighbor-advert"];
const MLD_OUT: Icmp6Type[] = ["mld-listener-report", "mld2-listener-report"];
const LINK_LOCAL_V6 = "fe80::/10";

export function compile(policy: FirewallPolicy, facts: HostFacts = {}): RuleModel {
  const fw = policy.firewall;
  const v6 = fw.ipv6;
  const sshPort = policy.ssh.port ?? facts.sshPort ?? 22;
  const sessionPort = facts.sshPort ?? policy.ssh.port ?? 22;
  const admin = fw.keepAdminSession && facts.adminSource ? adminAddress(facts.adminSource) : undefined;
  const outboundAllowlist = fw.outbound !== "allow";

  // ---- input
  const input: Rule[] = [];
  input.push(accept({ iif: "lo" }, "baseline: loopback"));
  input.push(drop({ family: 4, notIif: "lo", daddr: ["127.0.0.0/8"] }, "baseline: loopback addresses only on lo"));
  if (v6) input.push(drop({ family: 6, notIif: "lo", daddr: ["::1"] }, "baseline: loopback addresses only on lo"));
  if (admin) {
    input.push(
      accept(
        { family: admin.family, proto: "tcp", dports: [single(sessionPort)], saddr: [admin.text] },
        `anti-lockout: admin session from ${admin.text} (firewall.keepAdminSession)`,
      ),
    );
  }
  if (!v6) {
    input.push(...ipv6OffLinkIn());
    input.push(drop({ family: 6 }, "firewall.ipv6: false (drop all IPv6 except loopback)"));
  }
  input.push(...setDrops(v6, "input"));
  input.push(accept({ ct: ["established", "related"] }, "baseline: established/related"));
  input.push(drop({ ct: ["invalid"] }, "baseline: invalid"));
  const icmpOpen = fw.inbound.some((r) => r.service === "icmp" && !r.from && !r.interface && !r.rateLimit);
  input.push(accept({ family: 4, icmp: ICMP4_ESSENTIAL }, "baseline: ICMP errors (path MTU, traceroute)"));
  if (!icmpOpen) input.push({ ...accept({ family: 4, icmp: ["echo-request"] }, "baseline: ping, rate-limited"), limit: ECHO_RATE });
  if (v6) {
    input.push(accept({ family: 6, icmp6: ICMP6_ERRORS }, "baseline: ICMPv6 errors (packet-too-big for path MTU)"));
    input.push(...ipv6LinkIn());
    if (!icmpOpen) input.push({ ...accept({ family: 6, icmp6: ["echo-request"] }, "baseline: ping6, rate-limited"), limit: ECHO_RATE });
    input.push(
      accept(
        { family: 6, proto: "udp", saddr: [LINK_LOCAL_V6], sports: [single(547)], dports: [single(546)] },
        "baseline: DHCPv6 client replies",
      ),
    );
  }
  fw.inbound.forEach((rule, i) => {
    input.push(...inboundRules(rule, i, sshPort, v6));
  });
  if (fw.reject) {
    input.push(reject({ proto: "tcp" }, "tcp-reset", "firewall.reject: refuse tcp with a reset"));
    input.push(reject({}, "port-unreachable", "firewall.reject: refuse the rest with port-unreachable"));
  }

  // ---- forward
  const forward: Rule[] = [];
  if (fw.forward) {
    if (!v6) forward.push(drop({ family: 6 }, "firewall.ipv6: false (drop all IPv6)"));
    forward.push(...setDrops(v6, "forward"));
  }

  // ---- output
  const output: Rule[] = [];
  if (outboundAllowlist || !v6) output.push(accept({ oif: "lo" }, "baseline: loopback"));
  if (!v6) {
    if (admin && admin.family === 6) {
      output.push(
        accept(
          { family: 6, proto: "tcp", sports: [single(sessionPort)], daddr: [admin.text] },
          `anti-lockout: replies to the admin session at ${admin.text}`,
        ),
      );
    }
    output.push(ipv6LinkOut());
    output.push(drop({ family: 6 }, "firewall.ipv6: false (drop all IPv6 except loopback)"));
  }
  if (outboundAllowlist && typeof fw.outbound === "object") {
    output.push(accept({ ct: ["established", "related"] }, "baseline: established/related"));
    output.push(drop({ ct: ["invalid"] }, "baseline: invalid"));
    output.push(accept({ family: 4, icmp: ICMP4_ESSENTIAL }, "baseline: ICMP errors"));
    if (v6) {
      output.push(accept({ family: 6, icmp6: ICMP6_ERRORS }, "baseline: ICMPv6 errors"));
      output.push(ipv6LinkOut());
    }
    fw.outbound.allow.forEach((name, i) => {
      const where = `firewall.outbound.allow[${i}]: ${name}`;
      if (name === "icmp") {
        output.push(accept({ family: 4, icmp: ["echo-request"] }, where));
        if (v6) output.push(accept({ family: 6, icmp6: ["echo-request"] }, where));
      } else if (name === "dhcp") {
        output.push(accept({ family: 4, proto: "udp", sports: [single(68)], dports: [single(67)] }, where));
        if (v6) output.push(accept({ family: 6, proto: "udp", sports: [single(546)], dports: [single(547)] }, where));
      } else {
        output.push(...portAccepts(OUTBOUND_SERVICE_PORTS[name] ?? {}, {}, where));
      }
    });
    if (fw.outbound.ports?.length) {
      output.push(accept({ proto: "tcp", dports: fw.outbound.ports.map(portRange) }, "firewall.outbound.ports"));
    }
    if (fw.reject) output.push(reject({}, "admin-prohibited", "firewall.reject: refuse other egress (admin-prohibited)"));
  }

  const chain = (name: Chain["name"], policyVerdict: Chain["policy"], rules: Rule[]): Chain => ({
    name,
    policy: policyVerdict,
    rules,
  });
  return {
    ipv6: v6,
    sets: namedSets(),
    chains: {
      input: chain("input", "drop", input),
      forward: chain("forward", fw.forward ? "accept" : "drop", forward),
      output: chain("output", outboundAllowlist ? "drop" : "accept", output),
    },
  };
}

// ---- pieces

/**
 * What IPv6 on a link needs whatever the policy says: neighbour discovery (hop limit 255 proves the packet
 * was not routed), router adverts (the default route), multicast listener queries (and, out, the reports: a
 * switch that snoops MLD stops sending a host the solicited-node multicast of groups it never hears reported).
 */
function ipv6LinkIn(): Rule[] {
  return [
    accept({ family: 6, icmp6: ND_IN, hopLimit: 255 }, "baseline: IPv6 neighbour discovery, router adverts"),
    accept({ family: 6, icmp6: ["mld-listener-query"], saddr: [LINK_LOCAL_V6] }, "baseline: IPv6 multicast listener query"),
  ];
}

function ipv6LinkOut(): Rule {
  return accept({ family: 6, icmp6: [...ND_OUT, ...MLD_OUT] }, "baseline: IPv6 neighbour discovery, MLD reports");
}

/**
 * With firewall.ipv6: false, what stays open before the IPv6 drop: the link's IPv6 plumbing, and
 * packet-too-big for path MTU. IPv6 is still up on the wire (the admin's session over IPv6 is kept by the
 * anti-lockout rule), and without neighbour discovery the router's entry for this host fails about a
 * minute after the load: every new connection, the admin's included, then gets "no route to host".
 */
function ipv6OffLinkIn(): Rule[] {
  return [accept({ family: 6, icmp6: ["packet-too-big"] }, "firewall.ipv6: false keeps path MTU (ICMPv6 packet-too-big)"), ...ipv6LinkIn()];
}

function inboundRules(rule: Policy["firewall"]["inbound"][number], i: number, sshPort: number, v6: boolean): Rule[] {
  const what = rule.service ?? `ports ${(rule.ports ?? []).join(",")}`;
  const where = `firewall.inbound[${i}]: ${what}${rule.comment ? ` - ${rule.comment}` : ""}`;
  const base: RuleMatch = rule.interface ? { iif: rule.interface } : {};
  const groups = sourceGroups(rule.from, v6);
  const out: Rule[] = [];
  const rate = rule.rateLimit ? parseRate(rule.rateLimit) : undefined;
  if (typeof rate === "string") throw new Error(`internal: rate ${rule.rateLimit} passed the schema but not parseRate`);

  if (rule.service === "icmp") {
    for (const g of groups) {
      const families: AddressFamily[] = g.family ? [g.family] : v6 ? [4, 6] : [4];
      for (const f of families) {
        const m: RuleMatch = { ...base, family: f, ...(g.saddr ? { saddr: g.saddr } : {}) };
        if (f === 4) m.icmp = ["echo-request"];
        else m.icmp6 = ["echo-request"];
        if (rate) out.push(rateDrop(m, rate, `rl_in${i}_v${f}`, where));
        out.push(accept(m, where));
      }
    }
    return out;
  }

  let ports: ServicePorts;
  if (rule.service === "ssh") ports = { tcp: [single(sshPort)] };
  else if (rule.service) ports = INBOUND_SERVICES[rule.service] ?? {};
  else ports = { [rule.proto ?? "tcp"]: (rule.ports ?? []).map(portRange) };
  if (rule.service && rule.proto) {
    const all = [...(ports.tcp ?? []), ...(ports.udp ?? [])];
    ports = { [rule.proto]: ports[rule.proto] ?? all };
  }

  for (const g of groups) {
    const m: RuleMatch = { ...base, ...(g.family ? { family: g.family } : {}), ...(g.saddr ? { saddr: g.saddr } : {}) };
    if (rate) {
      const families: AddressFamily[] = g.family ? [g.family] : v6 ? [4, 6] : [4];
      for (const proto of ["tcp", "udp"] as const) {
        const dports = ports[proto];
        if (!dports?.length) continue;
        for (const f of families) {
          out.push(rateDrop({ ...m, family: f, proto, dports }, rate, `rl_in${i}_v${f}`, where));
        }
      }
    }
    out.push(...portAccepts(ports, m, where));
  }
  return out;
}

function rateDrop(m: RuleMatch, rate: { count: number; per: "second" | "minute" | "hour" | "day" }, name: string, where: string): Rule {
  return {
    match: { ...m, ct: ["new"] },
    verdict: "drop",
    overSourceRate: { name, count: rate.count, per: rate.per, burst: rate.count },
    comment: `${where} (over ${rate.count}/${rate.per} per source)`,
  };
}

function portAccepts(ports: ServicePorts, m: RuleMatch, where: string): Rule[] {
  const out: Rule[] = [];
  for (const proto of ["tcp", "udp"] as const) {
    const dports = ports[proto];
    if (dports?.length) out.push(accept({ ...m, proto, dports }, where));
  }
  return out;
}

/** Source lists split per family; [{}] (no family, no saddr) when the rule has no `from`. */
function sourceGroups(from: string[] | undefined, v6: boolean): { family?: AddressFamily; saddr?: string[] }[] {
  if (!from) return [{}];
  const byFamily: Record<AddressFamily, string[]> = { 4: [], 6: [] };
  for (const text of from) {
    const r = tryParseCidr(text.trim());
    if (!r.ok) throw new Error(`internal: CIDR ${text} passed the schema but not tryParseCidr`);
    const c: Cidr = r.value;
    const s = formatCidr(c);
    if (!byFamily[c.family].includes(s)) byFamily[c.family].push(s);
  }
  const out: { family?: AddressFamily; saddr?: string[] }[] = [];
  if (byFamily[4].length) out.push({ family: 4, saddr: byFamily[4] });
  if (v6 && byFamily[6].length) out.push({ family: 6, saddr: byFamily[6] });
  return out;
}

function setDrops(v6: boolean, chain: "input" | "forward"): Rule[] {
  const families: AddressFamily[] = v6 ? [4, 6] : [4];
  const out: Rule[] = [];
  for (const f of families) out.push(drop({ family: f, saddrSet: BAN_SET[f] }, `sets: guard bans (${chain})`));
  if (v6) out.push(drop({ family: 6, saddrSet: BAN_P64_SET, saddrSetPrefix: P64 }, `sets: guard bans (${chain})`));
  for (const f of families) out.push(drop({ family: f, saddrSet: BAN_NET_SET[f] }, `sets: guard bans (${chain})`));
  for (const f of families) out.push(drop({ family: f, saddrSet: BLOCK_SET[f] }, `sets: blocklists (${chain})`));
  return out;
}

function adminAddress(text: string): { family: AddressFamily; text: string } | undefined {
  const r = tryParseIp(text.trim());
  if (!r.ok) return undefined;
  return { family: r.value.family, text: formatCidr({ ...r.value, prefix: r.value.family === 4 ? 32 : 128 }) };
}

const single = (n: number): PortRange => ({ from: n, to: n });
const accept = (match: RuleMatch, comment: string): Rule => ({ match, verdict: "accept", comment });
const drop = (match: RuleMatch, comment: string): Rule => ({ match, verdict: "drop", comment });
const reject = (match: RuleMatch, how: "tcp-reset" | "port-unreachable" | "admin-prohibited", comment: string): Rule => ({
  match,
  verdict: { reject: how },
  comment,
});
