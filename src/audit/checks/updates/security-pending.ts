// UPD-SECURITY-PENDING: upgrades whose candidate comes from a security suite (Debian-Security:12/stable-security,
// Ubuntu:24.04/noble-security) — known vulnerabilities with a fix waiting to be installed.
import { aptSimulation } from "../../../facts/apt.js";
import { type Check, errorOutcome } from "../../types.js";

export const updSecurityPending: Check = {
  id: "UPD-SECURITY-PENDING",
  area: "updates",
  title: "No security updates are pending",
  severity: "high",
  live: true,
  remediation:
    "Install them now: `apt-get update && apt-get upgrade` (or `unattended-upgrade -v`), and enable automatic security updates (UPD-UNATTENDED-ENABLED).",
  refs: ["CIS Debian Linux 12 1.2.2.1", "Lynis PKGS-7392", "dev-sec os-hardening: security updates"],
  async run(ctx) {
    const sim = await aptSimulation(ctx);
    if (!sim.ok) return errorOutcome(sim.reason);
    const sec = sim.pending.filter((p) => p.security);
    const list = sec.map((p) => `${p.name} ${p.from ? `${p.from} → ` : ""}${p.to}`);
    const observed =
      sec.length === 0 ? "0 pending" : `${sec.length} pending: ${list.slice(0, 20).join(", ")}${sec.length > 20 ? ", …" : ""}`;
    const origins = [...new Set(sec.flatMap((p) => p.origins.filter((o) => /security/i.test(o))))];
    return {
      status: sec.length === 0 ? "pass" : "fail",
      observed,
      expected: "0 pending from a -security suite",
      source: sim.source,
      ...(sec.length > 0 ? { reason: `from ${origins.join(", ")}` } : {}),
    };
  },
};
