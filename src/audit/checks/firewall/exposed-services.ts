// FW-EXPOSED-SERVICES: every socket listening on a non-loopback address is either meant to be public (the
// policy's firewall.inbound allows its port) or not reachable (the loaded ruleset drops a new connection
// to it). A socket on "::" also takes IPv4 (dual stack), so both families are evaluated for it.
import { INBOUND_SERVICES, portRange } from "../../../firewall/services.js";
import type { Policy } from "../../../policy/schema.js";
import { type ListeningSocket, listeningSockets } from "../../../facts/listening.js";
import { socketOwners } from "../../../facts/processes.js";
import type { Check } from "../../types.js";
import { type Reach, reach } from "../../../firewall/observed/input-path.js";
import { isOutcome, loadRuleset } from "./state.js";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** (proto, port) pairs the policy means to be public. */
export function policyPorts(policy: Policy): Array<{ proto: "tcp" | "udp"; from: number; to: number }> {
  const out: Array<{ proto: "tcp" | "udp"; from: number; to: number }> = [];
  for (const r of policy.firewall.inbound) {
    if (r.service === "ssh") {
      const p = policy.ssh.port ?? 22;
      out.push({ proto: "tcp", from: p, to: p });
    } else if (r.service) {
      const sp = INBOUND_SERVICES[r.service] ?? {};
      for (const proto of ["tcp", "udp"] as const) {
        if (r.proto && r.proto !== proto) continue;
        for (const pr of sp[proto] ?? []) out.push({ proto, from: pr.from, to: pr.to });
      }
    } else {
      for (const spec of r.ports ?? []) {
        const pr = portRange(spec);
        out.push({ proto: r.proto ?? "tcp", from: pr.from, to: pr.to });
      }
    }
  }
  return out;
}

const RANK: Record<Reach["state"], number> = { blocked: 0, restricted: 1, unknown: 2, open: 3 };

export const fwExposedServices: Check = {
  id: "FW-EXPOSED-SERVICES",
  area: "firewall",
  title: "Listening services are meant to be public or not reachable",
  severity: "medium",
  live: true,
  remediation:
    "For each listed socket: bind it to 127.0.0.1 in its own configuration, stop the service (`systemctl disable --now UNIT`), or — if it must be public — add it to firewall.inbound in /etc/rampart/policy.yaml and run `rampart apply --only firewall`.",
  refs: [
    "CIS Debian Linux 12 4.3.7 (nftables rules exist for all open ports)",
    "Lynis NETW-3012",
    "dev-sec os-hardening: minimise exposed services",
  ],
  async run(ctx) {
    const state = await loadRuleset(ctx);
    if (isOutcome(state)) return state;
    const sockets = (await listeningSockets(ctx)).filter((s) => !LOOPBACK.test(s.address));
    const owners = await socketOwners(ctx);
    const allowed = policyPorts(ctx.policy);
    const exposed: string[] = [];
    const short: string[] = [];
    const unsure: string[] = [];
    const fine: string[] = [];
    const seen = new Set<string>();
    for (const s of sockets) {
      const key = `${s.proto} ${s.address} ${s.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const label = `${s.proto}/${s.port} on ${s.address} (${owners.get(s.inode) ?? `uid ${s.uid}`})`;
      if (allowed.some((a) => a.proto === s.proto && s.port >= a.from && s.port <= a.to)) {
        fine.push(`${label}: allowed by policy`);
        continue;
      }
      const r = worst(state.ruleset, s);
      if (r.state === "open") {
        exposed.push(`${label}: reachable (${r.by})`);
        short.push(`${s.proto}/${s.port} (${owners.get(s.inode) ?? `uid ${s.uid}`})`);
      } else if (r.state === "unknown") unsure.push(`${label}: may be reachable (${r.by})`);
      else fine.push(`${label}: ${r.state} (${r.by})`);
    }
    const observed = { exposed, undecided: unsure, ok: fine };
    const expected = "every non-loopback listening socket allowed by firewall.inbound or dropped by the ruleset";
    const source = `/proc/net/{tcp,tcp6,udp,udp6} + ${state.source}`;
    if (exposed.length > 0) {
      return {
        status: "warn",
        observed,
        expected,
        source,
        reason: `${exposed.length} listening socket(s) reachable but not in the policy: ${short.join(", ")}`,
      };
    }
    if (unsure.length > 0)
      return {
        status: "warn",
        observed,
        expected,
        source,
        reason: "a rule with a condition rampart cannot evaluate may let these through",
      };
    return { status: "pass", observed, expected, source };
  },
};

function worst(rs: Parameters<typeof reach>[0], s: ListeningSocket): Reach {
  const families: Array<4 | 6> = s.family === 6 && (s.address === "::" || s.address.startsWith("::ffff:")) ? [6, 4] : [s.family];
  let out: Reach | undefined;
  for (const v of families) {
    const r = reach(rs, { v, proto: s.proto, port: s.port });
    if (!out || RANK[r.state] > RANK[out.state]) out = r;
  }
  return out as Reach;
}
