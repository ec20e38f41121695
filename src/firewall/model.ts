// The neutral rule model: what the firewall must do, independent of nftables or iptables syntax.
// compile.ts builds it from the policy; each backend (backends/*.ts) renders it to its own dialect. A rule
// is a conjunction of matches and one verdict; `family` says which address family it applies to (absent:
// both). Rules are listed in evaluation order, chains carry their default policy. Every rule says which
// policy entry (or built-in baseline) it comes from, and backends write that as the rule's comment.

export type AddressFamily = 4 | 6;
export type ChainName = "input" | "forward" | "output";
export type Verdict = "accept" | "drop";

/** A closed port range; a single port has from === to. */
export interface PortRange {
  from: number;
  to: number;
}

/**
 * ICMP message types by neutral name. Backends map them to their own spelling
 * (nft `nd-neighbor-solicit` vs ip6tables `neighbour-solicitation`).
 */
export type Icmp4Type = "echo-request" | "echo-reply" | "destination-unreachable" | "time-exceeded" | "parameter-problem";
export type Icmp6Type =
  | "echo-request"
  | "echo-reply"
  | "destination-unreachable"
  | "packet-too-big"
  | "time-exceeded"
  | "parameter-problem"
  | "nd-router-solicit"
  | "nd-router-advert"
  | "nd-neighbor-solicit"
  | "nd-neighbor-advert"
  | "mld-listener-query"
  | "mld-listener-report"
  | "mld2-listener-report";

export type RejectWith = "tcp-reset" | "port-unreachable" | "admin-prohibited";

export interface RuleMatch {
  /** only this address family (absent: both) */
  family?: AddressFamily;
  /** input interface name (wildcards not supported) */
  iif?: string;
  /** `iif !=` this name */
  notIif?: string;
  oif?: string;
  /** layer-4 protocol */
  proto?: "tcp" | "udp";
  dports?: PortRange[];
  sports?: PortRange[];
  /** source prefixes, all of `family` (compile splits mixed lists per family) */
  saddr?: string[];
  daddr?: string[];
  /** source address is in this named set (of `family`) */
  saddrSet?: string;
  /**
   * with saddrSet: the source's first N bits are what the set holds (nftables: the set holds network
   * addresses and the rule masks the source; an ipset of kind hash:net holds the prefixes and needs no mask)
   */
  saddrSetPrefix?: number;
  ct?: ("new" | "established" | "related" | "invalid")[];
  /** ICMP (family 4) or ICMPv6 (family 6) types; `family` must be set */
  icmp?: Icmp4Type[];
  icmp6?: Icmp6Type[];
  /** IPv6 hop limit equals (255 proves a neighbour-discovery packet was not routed) */
  hopLimit?: number;
}

/** Per-source limit on new connections: sources above `count` per `per` are dropped. */
export interface SourceRateLimit {
  /** stable name for the per-source state (nft dynamic set / hashlimit name), unique in the model */
  name: string;
  count: number;
  per: "second" | "minute" | "hour" | "day";
  burst: number;
}

/** A global (not per-source) packet rate: packets above it do not match the rule. */
export interface GlobalRate {
  count: number;
  per: "second" | "minute" | "hour" | "day";
  burst: number;
}

export interface Rule {
  match: RuleMatch;
  /** accept/drop; or reject with the given message (the chain's policy still drops the rest) */
  verdict: Verdict | { reject: RejectWith };
  /** the rule matches only packets within this rate (e.g. rate-limited echo-request) */
  limit?: GlobalRate;
  /** the rule matches only sources OVER this per-source rate (pair it with verdict drop) */
  overSourceRate?: SourceRateLimit;
  /** where it comes from: "firewall.inbound[2] (ports 5432)", "baseline: loopback" */
  comment: string;
}

export interface Chain {
  name: ChainName;
  policy: Verdict;
  rules: Rule[];
}

/** A named set other parts of rampart fill at run time (the guard's bans, blocklists). */
export interface NamedSet {
  name: string;
  family: AddressFamily;
  /** "ban": single addresses with per-element timeouts; "ban-p64": IPv6 /64s with per-element timeouts (a
   * hash set, see sets.ts); "ban-net": other prefixes with per-element timeouts; "block": interval set of
   * merged prefixes */
  kind: "ban" | "ban-p64" | "ban-net" | "block";
}

export interface RuleModel {
  /** false: IPv6 is dropped except on loopback */
  ipv6: boolean;
  sets: NamedSet[];
  chains: Record<ChainName, Chain>;
}

export const RATE_SECONDS: Record<GlobalRate["per"], number> = { second: 1, minute: 60, hour: 3600, day: 86400 };
