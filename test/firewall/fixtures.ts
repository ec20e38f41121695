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

/** Foreign tables shaped like Docker's, loaded before apply: they must be byte-identical after apply and rollback. */
export const DOCKER_SHAPED = {
  nftables: `table ip nat {
  chain DOCKER {
  }
  chain PREROUTING {
    type nat hook prerouting priority dstnat; policy accept;
    fib daddr type local counter jump DOCKER
  }
  chain POSTROUTING {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 172.17.0.0/16 oifname != "docker0" counter masquerade
  }
}
table ip filter {
  chain DOCKER {
  }
  chain DOCKER-USER {
    counter return
  }
  chain FORWARD {
    type filter hook forward priority filter; policy drop;
    counter jump DOCKER-USER
    oifname "docker0" ct state related,established counter accept
    oifname "docker0" counter jump DOCKER
  }
}
`,
  iptables: `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A DOCKER-USER -j RETURN
COMMIT
`,
} as const;
