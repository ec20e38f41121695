// src/firewall/observed/ — the packet filter as the kernel has it loaded (not as the policy wants it: that is
// firewall/model.ts): its readers (loaded.ts runs nft and the iptables-save tools once per run; nft-json.ts and
// iptables-save.ts parse), this model, and the one evaluator of "would this packet be admitted" (input-path.ts)
// that the audit's firewall checks and apply's anti-lockout refusal both ask (from-model.ts feeds it the
// compiled policy). Imported by audit and apply; it imports core/, facts/ and firewall/model.ts only.
//
// A neutral model of a loaded packet filter, built from `nft -j list ruleset` and from `iptables-save`
// output, so that the firewall checks judge nftables, iptables-nft and iptables-legacy with one evaluator.
// Only what the checks need is modelled: base chains (hook, policy), rules as a list of matches the
// evaluator understands (protocol, destination port, input interface, source address, conntrack state,
// address family) and a verdict. Anything else becomes an `unknown` match, so a rule we cannot read is never
// taken as proof that a port is closed.

export type Family = "ip" | "ip6" | "inet" | "arp" | "bridge" | "netdev";
/** where a chain came from: native nftables, iptables through nf_tables, or the legacy x_tables */
export type Origin = "nftables" | "iptables-nft" | "iptables-legacy";

export type ObservedMatch =
  | { kind: "proto"; protos: string[]; negate: boolean }
  | { kind: "dport"; ranges: Array<[number, number]>; negate: boolean; proto?: string }
  | { kind: "iif"; names: string[]; negate: boolean }
  /** cidrs: the source prefixes, when the rule lists them literally (a compiled policy does; a set does not) */
  | { kind: "saddr"; negate: boolean; text: string; cidrs?: string[] }
  | { kind: "ctstate"; states: string[]; negate: boolean }
  | { kind: "nfproto"; family: 4 | 6 }
  | { kind: "always" }
  | { kind: "unknown"; text: string };

export type ObservedVerdict =
  | { kind: "accept" }
  | { kind: "drop" }
  | { kind: "reject" }
  | { kind: "return" }
  | { kind: "jump"; target: string }
  | { kind: "goto"; target: string }
  /** ct state vmap { new : accept, … }: the verdict depends on the conntrack state */
  | { kind: "ctvmap"; map: Record<string, "accept" | "drop" | "reject" | "continue"> }
  /** no verdict (counter, log, nat targets, marks): evaluation continues */
  | { kind: "continue" }
  | { kind: "other"; name: string };

export interface ObservedRule {
  matches: ObservedMatch[];
  verdict: ObservedVerdict;
  /** a short human form for evidence */
  text: string;
}

export interface ObservedChain {
  origin: Origin;
  family: Family;
  table: string;
  name: string;
  /** base chains only */
  hook?: string;
  type?: string;
  priority?: number;
  policy?: "accept" | "drop";
  rules: ObservedRule[];
}

export interface ObservedSet {
  family: Family;
  table: string;
  name: string;
  type: string;
  /** element count when the listing included elements (not with `nft -t`) */
  elements?: number;
}

export interface ObservedRuleset {
  chains: ObservedChain[];
  sets: ObservedSet[];
  /** tables present, "family name" */
  tables: Array<{ family: Family; name: string; origin: Origin }>;
}

export const emptyRuleset = (): ObservedRuleset => ({ chains: [], sets: [], tables: [] });

/** Does a chain of this family see packets of IP version v? */
export function familySees(family: Family, v: 4 | 6): boolean {
  return family === "inet" || (v === 4 ? family === "ip" : family === "ip6");
}

/** "table inet filter chain input" — for evidence sources */
export function chainLabel(c: ObservedChain): string {
  const head = c.origin === "nftables" ? "nft" : c.origin;
  return `${head}: table ${c.family} ${c.table} chain ${c.name}`;
}
