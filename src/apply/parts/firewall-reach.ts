// Would the compiled firewall let a NEW connection in? Asked for the anti-lockout refusal (the admin's next
// SSH login) and the plan's warnings (listening services nobody could reach any more), of the same evaluator
// the audit uses on the loaded ruleset (firewall/observed/input-path.ts), over the model's input chain. First
// matching rule wins, else the chain policy. Unknown facts are answered conservatively: a rule that needs an
// interface or destination we do not know, or a source port, does not count as admitting; named sets are
// taken as empty; rate limits as not exceeded. A rule limited to sources admits "some source" (onlyFrom).
import { observedInput } from "../../firewall/observed/from-model.js";
import { walk } from "../../firewall/observed/input-path.js";
import type { AddressFamily, RuleModel } from "../../firewall/model.js";

export interface Probe {
  family: AddressFamily;
  proto: "tcp" | "udp";
  port: number;
  /** source address; undefined = "some source" (a rule limited to sources counts as admitting) */
  saddr?: string | undefined;
  /** input interface, when known */
  iif?: string | undefined;
}

export interface Admission {
  admitted: boolean;
  /** the deciding rule's comment, or "chain policy drop" */
  by: string;
  /** admitted only from some sources (the deciding rule has a source list) */
  onlyFrom?: string[] | undefined;
}

/** The input chain's verdict for a new connection. */
export function admits(model: RuleModel, p: Probe): Admission {
  if (p.family === 6 && !model.ipv6) return { admitted: false, by: "firewall.ipv6: false" };
  const input = observedInput(model);
  const path = walk(
    { chains: [input], sets: [], tables: [] },
    input,
    { v: p.family, proto: p.proto, port: p.port, saddr: p.saddr, iif: p.iif },
    0,
  );
  // an accept limited to some sources, for "some source": the first one on the path decides (first match wins)
  const fromSome = path.maybe.find((m) => m.restricted);
  if (fromSome?.rule) {
    const saddr = fromSome.rule.matches.find((m) => m.kind === "saddr");
    return { admitted: true, by: fromSome.rule.text, onlyFrom: saddr?.kind === "saddr" ? saddr.cidrs : undefined };
  }
  if (path.end !== "fallthrough") return { admitted: path.end === "accept", by: path.rule?.text ?? path.by };
  const policy = model.chains.input.policy;
  return { admitted: policy === "accept", by: `chain policy ${policy}` };
}
