// Never-block: addresses no blocklist may ever put in the kernel, always subtracted from the merged result.
// Loopback, link-local, the cloud metadata address, multicast/unspecified/broadcast, the NAT64 prefixes, the
// host's own addresses (`ip -j addr`), the policy's `blocklists.never`, and the admin's current SSH source
// (SSH_CONNECTION, `who`); private ranges too unless `blocklists.allowPrivate`; what keeps the host alive
// (src/system/keepalive.ts: resolvers, default gateways, NTP servers, the fleet database, each list's own
// server); and the sources the policy itself trusts (policyExempt: `guard.ignore`, and the `from:` networks of
// the inbound rules that open SSH). Real lists need this: firehol_level1 holds 10/8 and 169.254/16. What was
// removed, and from which list, is reported.
import { type Family, cidrRange, formatCidr, parseCidr, tryParseCidr } from "../core/ip.js";
import { messageOf } from "../core/errors.js";
import { portRange } from "../firewall/services.js";
import type { Policy } from "../policy/schema.js";
import type { Runner } from "../system/exec.js";
import { type IpSet, eachCidr4, eachCidr6, intersect, isEmpty, normalize4, normalize6, subtract } from "./merge.js";
import type { HostFs } from "../system/hostfs.js";
import { type Resolver, keepAliveAddresses } from "../system/keepalive.js";
import { adminSources, hostAddresses } from "../system/net.js";

export interface NeverEntry {
  /** as written (CIDR or address) */
  cidr: string;
  reason: string;
}

export const ALWAYS_NEVER: readonly NeverEntry[] = [
  { cidr: "127.0.0.0/8", reason: "loopback" },
  { cidr: "::1/128", reason: "loopback" },
  { cidr: "169.254.0.0/16", reason: "link-local (holds the cloud metadata address 169.254.169.254)" },
  { cidr: "fe80::/10", reason: "link-local" },
  { cidr: "fd00:ec2::254/128", reason: "cloud metadata address (AWS IPv6)" },
  { cidr: "224.0.0.0/4", reason: "multicast" },
  { cidr: "ff00::/8", reason: "multicast" },
  { cidr: "0.0.0.0/32", reason: "unspecified (DHCP clients send from it)" },
  { cidr: "::/128", reason: "unspecified" },
  { cidr: "255.255.255.255/32", reason: "broadcast" },
  // the IPv4 Internet as an IPv6-only host behind NAT64 sees it: blocking these drops the replies of every
  // IPv4 service it reaches (apt, DNS over NAT64, the list servers). Outside 2000::/3, so the sanity rules
  // (sanity.ts) neither cap nor refuse them — bogon lists rightly carry ::/8 — and only this list keeps them out.
  { cidr: "64:ff9b::/96", reason: "NAT64 well-known prefix (RFC 6052): IPv4 services seen from an IPv6-only host" },
  { cidr: "64:ff9b:1::/48", reason: "NAT64 local-use prefix (RFC 8215): IPv4 services seen from an IPv6-only host" },
];

export const PRIVATE_NEVER: readonly NeverEntry[] = [
  { cidr: "10.0.0.0/8", reason: "private (set blocklists.allowPrivate: true to block it)" },
  { cidr: "172.16.0.0/12", reason: "private (set blocklists.allowPrivate: true to block it)" },
  { cidr: "192.168.0.0/16", reason: "private (set blocklists.allowPrivate: true to block it)" },
  { cidr: "100.64.0.0/10", reason: "carrier-grade NAT (set blocklists.allowPrivate: true to block it)" },
  { cidr: "fc00::/7", reason: "unique local (set blocklists.allowPrivate: true to block it)" },
];

export interface NeverOptions {
  /** the policy's blocklists.never */
  never?: readonly string[];
  allowPrivate?: boolean;
  /** for `ip -j addr` and `who`; without it the host's addresses and logins are not looked up */
  run?: Runner;
  /** for SSH_CONNECTION (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** called for lookups that failed (they never stop a refresh) */
  warn?: (message: string) => void;
  /** for the keep-alive addresses (resolv.conf, NTP configuration); without it they are not looked up */
  fs?: HostFs;
  /** guard.share.postgres: the fleet database stays reachable */
  fleetDatabase?: string | undefined;
  /** more hosts to keep reachable (each list's own server), names or addresses */
  hosts?: readonly { host: string; reason: string }[];
  resolve?: Resolver;
  /** sources the policy trusts (policyExempt), each with its reason */
  exempt?: readonly NeverEntry[];
}

/**
 * The sources the policy itself trusts, which no downloaded list may override: `guard.ignore` (never banned,
 * so never blocked either) and every `from:` network of an inbound rule that opens SSH (`service: ssh`, or tcp
 * `ports` holding ssh.port, default 22). The block sets are matched before the inbound accepts (firewall/
 * compile.ts), so a list holding the policy's only SSH network would cut every admin off but the one logged in.
 *
 * The `from:` of the other inbound rules is NOT exempt, on purpose: an exemption is for every port (the block
 * sets match the source only), so exempting the network a rule trusts for, say, its database port would also
 * open the host's public ports to a network a list names as hostile. Locking out the admin path cannot be undone
 * from afar; a blocked database client can (blocklists.never, a fixed list), so only the admin path is kept.
 */
export function policyExempt(policy: Pick<Policy, "firewall" | "ssh" | "guard">): NeverEntry[] {
  const out: NeverEntry[] = [];
  for (const c of policy.guard.ignore) out.push({ cidr: c, reason: "policy guard.ignore" });
  const sshPort = policy.ssh.port ?? 22;
  policy.firewall.inbound.forEach((rule, i) => {
    const opensSsh =
      rule.service === "ssh" ||
      ((rule.proto ?? "tcp") === "tcp" && (rule.ports ?? []).map(portRange).some((r) => r.from <= sshPort && sshPort <= r.to));
    if (!opensSsh) return;
    for (const c of rule.from ?? []) {
      out.push({ cidr: c, reason: `policy firewall.inbound[${i}].from: the SSH rule's allowed network (the admin path)` });
    }
  });
  return out;
}

/** Everything that must never be blocked on this host, with the reason for each. */
export async function neverEntries(options: NeverOptions = {}): Promise<NeverEntry[]> {
  const out: NeverEntry[] = [...ALWAYS_NEVER];
  if (!options.allowPrivate) out.push(...PRIVATE_NEVER);
  for (const c of options.never ?? []) out.push({ cidr: c, reason: "policy blocklists.never" });
  out.push(...(options.exempt ?? []));
  if (options.run) {
    try {
      for (const a of await hostAddresses(options.run, "all")) out.push({ cidr: a, reason: "this host's own address" });
    } catch (e) {
      options.warn?.(`could not list this host's addresses (ip -j addr): ${messageOf(e)}`);
    }
  }
  for (const a of await adminSources(options.env ?? process.env, options.run)) {
    out.push({ cidr: a, reason: "the admin's current SSH source" });
  }
  if (options.fs) {
    const alive = await keepAliveAddresses({
      fs: options.fs,
      ...(options.run ? { run: options.run } : {}),
      fleetDatabase: options.fleetDatabase,
      hosts: options.hosts ?? [],
      ...(options.resolve ? { resolve: options.resolve } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
    });
    for (const k of alive) out.push({ cidr: k.address, reason: k.reason });
  }
  return out;
}

/** The never-block entries as one set (bad entries throw: they come from the policy, already validated). */
export function neverSet(entries: readonly NeverEntry[]): IpSet {
  const v4 = { starts: new Uint32Array(entries.length), ends: new Uint32Array(entries.length), length: 0 };
  const v6 = { starts: [] as bigint[], ends: [] as bigint[] };
  for (const e of entries) {
    const c = parseCidr(e.cidr);
    const [s, en] = cidrRange(c);
    if (c.family === 4) {
      v4.starts[v4.length] = Number(s);
      v4.ends[v4.length] = Number(en);
      v4.length++;
    } else {
      v6.starts.push(s);
      v6.ends.push(en);
    }
  }
  return { v4: normalize4(v4), v6: normalize6(v6) };
}

export interface Removal {
  list: string;
  never: string;
  reason: string;
  /** what the list held inside the never entry (first 20 CIDRs) */
  removed: string[];
}

/**
 * Subtract the never-block entries from `merged`, and say for each list which entries it hit.
 */
export function applyNever(
  merged: IpSet,
  lists: readonly { name: string; set: IpSet }[],
  entries: readonly NeverEntry[],
): { result: IpSet; removals: Removal[] } {
  const removals: Removal[] = [];
  for (const e of entries) {
    const one = neverSet([e]);
    for (const l of lists) {
      const hit = intersect(l.set, one);
      if (!isEmpty(hit)) removals.push({ list: l.name, never: e.cidr, reason: e.reason, removed: cidrTexts(hit, 20) });
    }
  }
  return { result: subtract(merged, neverSet(entries)), removals };
}

function cidrTexts(s: IpSet, max: number): string[] {
  const out: string[] = [];
  const push = (family: Family, value: bigint, prefix: number) => {
    if (out.length < max) out.push(formatCidr({ family, value, prefix }));
  };
  for (let i = 0; i < s.v4.length && out.length < max; i++) {
    eachCidr4(s.v4.starts[i] as number, s.v4.ends[i] as number, (n, p) => push(4, BigInt(n), p));
  }
  for (let i = 0; i < s.v6.starts.length && out.length < max; i++) {
    eachCidr6(s.v6.starts[i] as bigint, s.v6.ends[i] as bigint, (n, p) => push(6, n, p));
  }
  return out;
}

/** Is this text a valid never entry? (for callers that take user input) */
export function validNever(text: string): boolean {
  return tryParseCidr(text).ok;
}
