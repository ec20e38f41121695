// UPD-PENDING: upgrades apt would install now (one `apt-get -s dist-upgrade` simulation, shared with
// UPD-SECURITY-PENDING). Non-security updates are a warning, not a failure.
import { aptSimulation } from "../../../facts/apt.js";
import { type Check, errorOutcome } from "../../types.js";

export const updPending: Check = {
  id: "UPD-PENDING",
  area: "updates",
  title: "No package updates are pending",
  severity: "low",
  live: true,
  remediation: "Run `apt-get update && apt-get upgrade` (or `apt-get dist-upgrade` for held-back packages).",
  refs: ["CIS Debian Linux 12 1.2.2.1 (updates, patches and security software installed)", "Lynis PKGS-7392"],
  async run(ctx) {
    const sim = await aptSimulation(ctx);
    if (!sim.ok) return errorOutcome(sim.reason);
    const names = sim.pending.map((p) => p.name);
    const observed =
      names.length === 0 ? "0 pending" : `${names.length} pending: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", …" : ""}`;
    return { status: names.length === 0 ? "pass" : "warn", observed, expected: "0 pending", source: sim.source };
  },
};
