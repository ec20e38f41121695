// Service names the policy may use, and the protocols/ports each stands for. Inbound names open a
// listening port; outbound names allow the host to reach that service elsewhere. `icmp` and `dhcp` are
// special (types, and client/server port pairs per family) and are handled by compile.ts.
import type { PortRange } from "./model.js";

export interface ServicePorts {
  tcp?: PortRange[];
  udp?: PortRange[];
}

const p = (...ports: number[]): PortRange[] => ports.map((n) => ({ from: n, to: n }));

/** Inbound services (firewall.inbound[].service), except ssh whose port comes from the policy/host. */
export const INBOUND_SERVICES: Record<string, ServicePorts> = {
  http: { tcp: p(80) },
  https: { tcp: p(443) },
  dns: { tcp: p(53), udp: p(53) },
  ntp: { udp: p(123) },
  smtp: { tcp: p(25) },
  submission: { tcp: p(587) },
  imaps: { tcp: p(993) },
  pop3s: { tcp: p(995) },
  dhcp: { udp: p(67) },
};

/** Outbound services (firewall.outbound.allow[]), except icmp and dhcp. */
export const OUTBOUND_SERVICE_PORTS: Record<string, ServicePorts> = {
  dns: { tcp: p(53), udp: p(53) },
  ntp: { udp: p(123) },
  http: { tcp: p(80) },
  https: { tcp: p(443) },
  smtp: { tcp: p(25, 465, 587) },
  ssh: { tcp: p(22) },
};

/** "8000-8100" or 80 → a range; the schema and rules.ts have already validated the text. */
export function portRange(spec: number | string): PortRange {
  if (typeof spec === "number") return { from: spec, to: spec };
  const [a, b] = spec.split("-").map(Number);
  const from = a ?? 0;
  return { from, to: b ?? from };
}
