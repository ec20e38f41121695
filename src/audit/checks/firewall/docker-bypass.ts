// FW-DOCKER-BYPASS: Docker publishes container ports with DNAT in its nat table; that traffic is routed
// (FORWARD), so the host's INPUT default deny never sees it and `-p 8080:80` is open to the world. The fix
// is a filter in the forward path: rules in Docker's DOCKER-USER chain, or rampart's forward sets.
import { NFT_TABLE } from "../../../firewall/sets.js";
import type { Check } from "../../types.js";
import type { ObservedChain } from "../../../firewall/observed/model.js";
import { isOutcome, loadRuleset } from "./state.js";

export const fwDockerBypass: Check = {
  id: "FW-DOCKER-BYPASS",
  area: "firewall",
  title: "Docker-published ports do not bypass the firewall",
  severity: "high",
  live: true,
  remediation:
    "Filter the forward path: `iptables -I DOCKER-USER -i eth0 -m conntrack --ctstate NEW -j DROP` plus ACCEPT rules for the ports meant to be public, or set `firewall.forward: true` in the policy so `rampart apply --only firewall` adds a forward chain to table inet rampart; or publish on 127.0.0.1 (`-p 127.0.0.1:8080:80`).",
  refs: [
    "https://docs.docker.com/engine/network/packet-filtering-firewalls/",
    "CIS Docker Benchmark 5.14 (bind incoming traffic to a specific interface)",
  ],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const chains = state.ruleset.chains;
    const dockerChains = chains.filter((c) => c.name === "DOCKER" || c.name === "DOCKER-USER");
    const docker0 = await ctx.fs.exists("/sys/class/net/docker0");
    const dockerNft = state.ruleset.tables.some((t) => t.name.startsWith("docker"));
    if (dockerChains.length === 0 && !docker0 && !dockerNft) {
      return { status: "skip", reason: "Docker is not present (no DOCKER chains, no docker0 interface)" };
    }
    const published = chains
      .filter((c) => c.name === "DOCKER" && c.table === "nat")
      .flatMap((c) =>
        c.rules.filter((r) => r.verdict.kind === "other" && r.verdict.name.toUpperCase() === "DNAT").map((r) => `${c.family}: ${r.text}`),
      );
    const expected = "published container ports filtered in the forward path (DOCKER-USER rules or rampart forward chain)";
    const source = state.source;
    if (published.length === 0) return { status: "pass", observed: "Docker present, no published ports", expected, source };
    const filters: string[] = [];
    for (const c of chains.filter((x) => x.name === "DOCKER-USER")) {
      if (c.rules.some((r) => r.verdict.kind === "drop" || r.verdict.kind === "reject" || r.verdict.kind === "jump"))
        filters.push(`${c.origin} ${c.family} DOCKER-USER: ${c.rules.length} rule(s)`);
    }
    const rampartForward = chains.find(
      (c: ObservedChain) => c.table === NFT_TABLE && c.family === "inet" && c.hook === "forward" && c.origin === "nftables",
    );
    if (
      rampartForward &&
      (rampartForward.policy === "drop" || rampartForward.rules.some((r) => r.verdict.kind === "drop" || r.verdict.kind === "reject"))
    ) {
      filters.push(`table inet ${NFT_TABLE} chain ${rampartForward.name} (hook forward)`);
    }
    const observed = { published, forwardFilters: filters };
    if (filters.length > 0) return { status: "pass", observed, expected, source };
    return {
      status: "fail",
      observed,
      expected,
      source,
      reason: `${published.length} published port(s) reachable through FORWARD, past the INPUT policy`,
    };
  },
};
