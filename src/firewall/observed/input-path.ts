// The one evaluator of "would this packet be admitted": what happens to a NEW inbound connection to one port
// (from an arbitrary Internet address on a non-loopback interface, unless the packet names its source and
// interface), evaluated over every base chain on the input hook, following jumps, the way netfilter does (a
// drop in any base chain is final; an accept only ends that chain). A rule whose condition we cannot decide
// (source restrictions, named sets, interfaces we cannot name, iptables-nft xt matches) makes the answer
// "restricted" or "unknown" instead of a guess, so a port is never reported closed without proof.
// Used by the audit over the kernel's loaded ruleset (reach) and by apply over the compiled policy
// (apply/parts/firewall-reach.ts, through observedInput), so both answer the question the same way.
import { cidrContains, parseCidr, tryParseIp } from "../../core/ip.js";
import { type ObservedChain, chainLabel, familySees, type ObservedMatch, type ObservedRule, type ObservedRuleset } from "./model.js";

/** open: reachable from anywhere; blocked: dropped; restricted: accepted only from some sources;
 *  unknown: an accept with a condition we cannot evaluate comes before the drop */
export type ReachState = "open" | "blocked" | "restricted" | "unknown";
export interface Reach {
  state: ReachState;
  /** the rule or policy that decided ("nft: table inet filter chain input: policy drop") */
  by: string;
}

export interface Packet {
  v: 4 | 6;
  proto: "tcp" | "udp";
  port: number;
  /** the source address; undefined: an arbitrary one (a rule limited to sources is then "restricted") */
  saddr?: string | undefined;
  /** the arrival interface; undefined: some non-loopback interface we cannot name */
  iif?: string | undefined;
}

/** Base chains of type filter on `hook` that see IP version v. */
export function baseChains(rs: ObservedRuleset, v: 4 | 6, hook = "input"): ObservedChain[] {
  return rs.chains
    .filter((c) => c.hook === hook && (c.type ?? "filter") === "filter" && familySees(c.family, v))
    .sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
}

/** A rule with no condition at all (counters and comments aside). */
const unconditional = (r: ObservedRule) => r.matches.every((m) => m.kind === "always");

/**
 * Default deny on a hook for IP version v: a base chain with policy drop, or whose last rule drops or
 * rejects everything. Returns the chains that prove it (empty = no default deny).
 */
export function defaultDenyChains(rs: ObservedRuleset, v: 4 | 6, hook = "input"): Array<{ chain: ObservedChain; by: string }> {
  const out: Array<{ chain: ObservedChain; by: string }> = [];
  for (const c of baseChains(rs, v, hook)) {
    if (c.policy === "drop") {
      out.push({ chain: c, by: `${chainLabel(c)}: policy drop` });
      continue;
    }
    const last = c.rules.at(-1);
    if (last && unconditional(last) && (last.verdict.kind === "drop" || last.verdict.kind === "reject")) {
      out.push({ chain: c, by: `${chainLabel(c)}: last rule "${last.text}"` });
    }
  }
  return out;
}

type Tri = true | false | "restricted" | "unknown";

function matchPacket(m: ObservedMatch, p: Packet): Tri {
  const flip = (b: boolean, neg: boolean) => (neg ? !b : b);
  switch (m.kind) {
    case "always":
      return true;
    case "proto":
      return flip(
        m.protos.some((x) => x === p.proto || x === (p.proto === "tcp" ? "6" : "17")),
        m.negate,
      );
    case "dport": {
      if (m.proto && m.proto !== p.proto) return false;
      return flip(
        m.ranges.some(([lo, hi]) => p.port >= lo && p.port <= hi),
        m.negate,
      );
    }
    case "iif": {
      if (p.iif !== undefined) return flip(m.names.includes(p.iif), m.negate);
      // the packet comes in on some non-loopback interface we cannot name
      const onlyLo = m.names.every((n) => n === "lo");
      if (onlyLo) return flip(false, m.negate);
      return "unknown";
    }
    case "saddr": {
      if (p.saddr === undefined) return "restricted";
      if (!m.cidrs) return "unknown";
      const a = tryParseIp(p.saddr);
      if (!a.ok) return false;
      return flip(
        m.cidrs.some((c) => cidrContains(parseCidr(c), a.value)),
        m.negate,
      );
    }
    case "ctstate":
      return flip(m.states.includes("new"), m.negate);
    case "nfproto":
      return m.family === p.v;
    case "unknown":
      return "unknown";
  }
}

/** One packet's path through one chain (and the chains it jumps to). */
export interface Walk {
  /** a definite end: accept/drop, or fell off the end (return to caller / policy) */
  end: "accept" | "drop" | "fallthrough";
  by: string;
  /** the rule that decided the end (none when the packet fell off the end) */
  rule?: ObservedRule | undefined;
  /** accepts that may apply (restricted source, unknown condition) before the end, in rule order */
  maybe: Array<{ by: string; restricted: boolean; rule?: ObservedRule | undefined }>;
}

/** The path of packet p through a chain of rs, following its jumps and gotos. */
export function walk(rs: ObservedRuleset, chain: ObservedChain, p: Packet, depth: number): Walk {
  const maybe: Walk["maybe"] = [];
  for (const rule of chain.rules) {
    let cond: Tri = true;
    for (const m of rule.matches) {
      const r = matchPacket(m, p);
      if (r === false) {
        cond = false;
        break;
      }
      if (r !== true && cond !== "unknown") cond = r;
    }
    if (cond === false) continue;
    const where = `${chainLabel(chain)}: "${rule.text}"`;
    const v = rule.verdict;
    let verdict: "accept" | "drop" | "return" | "continue" | Walk = "continue";
    if (v.kind === "accept") verdict = "accept";
    else if (v.kind === "drop" || v.kind === "reject") verdict = "drop";
    else if (v.kind === "return") verdict = "return";
    else if (v.kind === "ctvmap") {
      const x = v.map.new;
      verdict = x === "accept" ? "accept" : x === "drop" || x === "reject" ? "drop" : "continue";
    } else if (v.kind === "jump" || v.kind === "goto") {
      const target = rs.chains.find(
        (c) => c.origin === chain.origin && c.family === chain.family && c.table === chain.table && c.name === v.target,
      );
      if (!target || depth > 16) {
        maybe.push({ by: `${where} (unresolved ${v.kind})`, restricted: false, rule });
        continue;
      }
      const sub = walk(rs, target, p, depth + 1);
      maybe.push(...sub.maybe);
      if (sub.end === "fallthrough") {
        if (v.kind === "goto" && cond === true) return { end: "fallthrough", by: sub.by, maybe };
        continue;
      }
      verdict = sub;
    }
    if (verdict === "continue") continue;
    if (verdict === "return") {
      if (cond === true) return { end: "fallthrough", by: where, maybe };
      continue;
    }
    const end = typeof verdict === "string" ? verdict : verdict.end;
    const by = typeof verdict === "string" ? where : verdict.by;
    const decider = typeof verdict === "string" ? rule : verdict.rule;
    if (cond === true) return { end, by, rule: decider, maybe };
    if (end === "accept") maybe.push({ by, restricted: cond === "restricted", rule: decider });
  }
  return { end: "fallthrough", by: `${chainLabel(chain)}: end of chain`, maybe };
}

/** Can a new connection to p reach a socket? */
export function reach(rs: ObservedRuleset, p: Packet): Reach {
  const chains = baseChains(rs, p.v);
  if (chains.length === 0) return { state: "open", by: `no IPv${p.v} input filter chain` };
  let result: Reach | undefined;
  for (const c of chains) {
    const w = walk(rs, c, p, 0);
    let end = w.end;
    let by = w.by;
    if (end === "fallthrough") {
      end = c.policy === "drop" ? "drop" : "accept";
      by = `${chainLabel(c)}: policy ${c.policy ?? "accept"}`;
    }
    if (end === "drop") {
      if (w.maybe.length > 0) {
        const state = w.maybe.every((m) => m.restricted) ? "restricted" : "unknown";
        if (result?.state !== "unknown") result = { state, by: w.maybe.map((m) => m.by).join("; ") };
      } else return { state: "blocked", by };
    } else if (!result) result = { state: "open", by };
  }
  return result ?? { state: "open", by: "no input filter chain" };
}
