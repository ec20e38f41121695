// The compiled policy's input chain (firewall/model.ts) as an observed chain, so apply asks the same evaluator
// the audit asks (input-path.ts) whether a packet would be admitted. A condition apply cannot know at plan
// time — an output interface, a destination, a source port, ICMP types, a named set's elements (sets are
// filled at run time by whatever set names the model declares), a per-source rate — becomes an `unknown`
// match, which never counts as admitting and never as a drop.
import type { Rule, RuleModel } from "../model.js";
import type { ObservedChain, ObservedMatch, ObservedRule, ObservedVerdict } from "./model.js";

/** The model's input chain, as a base chain on the input hook. */
export function observedInput(model: RuleModel): ObservedChain {
  const chain = model.chains.input;
  return {
    origin: "nftables",
    family: "inet",
    table: "rampart",
    name: "input",
    hook: "input",
    type: "filter",
    policy: chain.policy,
    rules: chain.rules.map(observedRule),
  };
}

function observedRule(r: Rule): ObservedRule {
  const m = r.match;
  const matches: ObservedMatch[] = [];
  const unknown = (text: string) => matches.push({ kind: "unknown", text });
  if (m.family !== undefined) matches.push({ kind: "nfproto", family: m.family });
  if (m.iif !== undefined) matches.push({ kind: "iif", names: [m.iif], negate: false });
  if (m.notIif !== undefined) matches.push({ kind: "iif", names: [m.notIif], negate: true });
  if (m.oif !== undefined) unknown(`oif ${m.oif}`);
  if (m.daddr !== undefined) unknown(`daddr ${m.daddr.join(", ")}`);
  if (m.sports !== undefined) unknown("sport");
  if (m.saddrSet !== undefined) unknown(`saddr @${m.saddrSet}`);
  if (m.icmp || m.icmp6 || m.hopLimit !== undefined) unknown("icmp");
  if (r.overSourceRate) unknown(`over the per-source rate ${r.overSourceRate.name}`);
  if (m.ct) matches.push({ kind: "ctstate", states: [...m.ct], negate: false });
  if (m.proto !== undefined) matches.push({ kind: "proto", protos: [m.proto], negate: false });
  if (m.dports) matches.push({ kind: "dport", ranges: m.dports.map((d) => [d.from, d.to] as [number, number]), negate: false });
  if (m.saddr) matches.push({ kind: "saddr", negate: false, text: m.saddr.join(", "), cidrs: [...m.saddr] });
  if (matches.length === 0) matches.push({ kind: "always" });
  const verdict: ObservedVerdict =
    r.verdict === "accept" ? { kind: "accept" } : r.verdict === "drop" ? { kind: "drop" } : { kind: "reject" };
  return { matches, verdict, text: r.comment };
}
