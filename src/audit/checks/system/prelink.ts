// SYS-PRELINK: prelink is not installed — it rewrites every binary and library in place (defeating file
// integrity checks: AIDE, rampart integrity, debsums) and fixes library addresses, weakening ASLR.
import { installedOf, packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";

export const prelink: Check = {
  id: "SYS-PRELINK",
  area: "system",
  title: "prelink is not installed",
  severity: "low",
  remediation: "`prelink -ua` (restores the original binaries), then `apt-get purge prelink`.",
  refs: ["dev-sec linux-baseline package-09", "CIS Debian 12: Ensure prelink is not installed"],
  async run(ctx) {
    const db = await packages(ctx);
    if (!db.present) return { status: "skip", reason: "no dpkg database (/var/lib/dpkg/status)" };
    const found = installedOf(db, ["prelink"]);
    const expected = "prelink not installed";
    if (found.length)
      return {
        status: "fail",
        observed: found.map((p) => `${p.name} ${p.version}`),
        expected,
        source: found.map((p) => p.source).join(", "),
      };
    return { status: "pass", observed: "not installed", expected, source: "/var/lib/dpkg/status" };
  },
};
