// The firewall golden cases: test/fixtures/firewall/<case>/policy.yaml (with optional `# facts: {json}`
// for the anti-lockout inputs) and the exact rulesets each backend must render from it.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { type HostFacts, compile } from "../../src/firewall/compile.js";
import type { RuleModel } from "../../src/firewall/model.js";
import { parsePolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";

export const FIXTURES = path.join(REPO, "test/fixtures/firewall");
export const GOLDEN_FILE = { nftables: "nftables.nft", iptables: "iptables.rules" } as const;

export interface FirewallCase {
  name: string;
  dir: string;
  policy: Policy;
  facts: HostFacts;
  model: RuleModel;
}

export function loadCase(name: string): FirewallCase {
  const dir = path.join(FIXTURES, name);
  const file = path.join(dir, "policy.yaml");
  const text = readFileSync(file, "utf8");
  const r = parsePolicy(text, file);
  if (!r.policy) throw new Error(`${file}: ${r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join("; ")}`);
  const m = /^# facts: (\{.*\})$/m.exec(text);
  const facts = m ? (JSON.parse(m[1] as string) as HostFacts) : {};
  return { name, dir, policy: r.policy, facts, model: compile(r.policy, facts) };
}

export function caseNames(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}
