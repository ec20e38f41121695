// INT-BASELINE-PRESENT: a file-integrity baseline exists, so a changed binary or config can be noticed —
// AIDE's database, rampart's own (/var/lib/rampart/integrity.db), or debsums installed.
import type { Check } from "../../types.js";
import { baselines } from "./baselines.js";

export const intBaselinePresent: Check = {
  id: "INT-BASELINE-PRESENT",
  area: "integrity",
  title: "A file-integrity baseline exists",
  severity: "medium",
  remediation:
    "Run `rampart integrity init` (baseline of the policy's integrity.paths), or `apt-get install aide && aideinit && cp /var/lib/aide/aide.db.new /var/lib/aide/aide.db`.",
  refs: [
    "CIS Debian Linux 12 6.1.1 (AIDE is installed)",
    "CIS Debian Linux 12 6.1.2 (filesystem integrity regularly checked)",
    "Lynis FINT-4350",
  ],
  async run(ctx) {
    const found = await baselines(ctx);
    const expected = "/var/lib/aide/aide.db, /var/lib/rampart/integrity.db or debsums";
    if (found.length > 0)
      return { status: "pass", observed: found.map((b) => `${b.kind}: ${b.path}`), expected, source: found.map((b) => b.path).join(", ") };
    const aide = await ctx.fs.exists("/usr/bin/aide");
    return {
      status: "fail",
      observed: aide ? "aide is installed but has no database (aideinit never run)" : "no integrity baseline",
      expected,
      source: "/var/lib/aide, /var/lib/rampart, /var/lib/dpkg/status",
    };
  },
};
