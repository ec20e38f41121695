// Would the compiled firewall let a NEW connection in? Evaluates the neutral model's input chain for one
// packet (first matching rule wins, else the chain policy), for the anti-lockout refusal (the admin's
// next SSH login) and the plan's warnings (listening services nobody could reach any more). Unknown facts
// are answered conservatively: a rule that needs an interface or destination we do not know, or a source
// port, does not count as admitting; ban/block sets are taken as empty; rate limits as not exceeded.
import { cidrContains, parseCidr, tryParseIp } from "../../core/ip.js";
import type { AddressFamily, Rule, RuleModel } from "../../firewall/model.js";

export interface Probe {
  family: AddressFamily;
  proto: "tcp" | "udp";
  port: number;
  /** source address; undefined = "some source" (a rule limited to sources counts as admitting) */
  saddr?: string | undefined;
  /** input interface, when known */
  iif?: string | undefined;
}

export interface Verdict {
  admitted: boolean;
  /** the deciding rule's comment, or "chain policy drop" */
  by: string;
  /** admitted only from some sources (the deciding rule has a source list) */
  onlyFrom?: string[] | undefined;
}

type Tri = "yes" | "no";

function matches(r: Rule, p: Probe): Tri {
  const m = r.match;
  if (m.family !== undefined && m.family !== p.family) return "no";
  if (m.iif !== undefined && m.iif !== p.iif) return "no";
  if (m.notIif !== undefined && (p.iif === undefined || p.iif === m.notIif)) return "no";
  if (m.oif !== undefined || m.daddr !== undefined || m.sports !== undefined) return "no";
  if (m.saddrSet !== undefined) return "no";
  if (m.icmp || m.icmp6 || m.hopLimit !== undefined) return "no";
  if (m.ct && !m.ct.includes("new")) return "no";
  if (r.overSourceRate) return "no";
  if (m.proto !== undefined && m.proto !== p.proto) return "no";
  if (m.dports && !m.dports.some((d) => p.port >= d.from && p.port <= d.to)) return "no";
  if (m.saddr && p.saddr !== undefined) {
    const a = tryParseIp(p.saddr);
    if (!a.ok || !m.saddr.some((c) => cidrContains(parseCidr(c), a.value))) return "no";
  }
  return "yes";
}

/** The input chain's verdict for a new connection. */
export function admits(model: RuleModel, p: Probe): Verdict {
  if (p.family === 6 && !model.ipv6) return { admitted: false, by: "firewall.ipv6: false" };
  for (const r of model.chains.input.rules) {
    if (matches(r, p) === "no") continue;
    if (r.verdict === "accept") {
      const onlyFrom = p.saddr === undefined && r.match.saddr ? r.match.saddr : undefined;
      return { admitted: true, by: r.comment, onlyFrom };
    }
    // a drop/reject limited to some sources does not decide for "some source"
    if (p.saddr === undefined && r.match.saddr) continue;
    return { admitted: false, by: r.comment };
  }
  return { admitted: model.chains.input.policy === "accept", by: `chain policy ${model.chains.input.policy}` };
}
