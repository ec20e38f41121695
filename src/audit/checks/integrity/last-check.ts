// INT-LAST-CHECK: the last `rampart integrity check` found no change that the package manager did not make.
// The baseline is only worth having if someone reads what it finds; the audit brings the finding up.
import type { Check } from "../../types.js";
import { baselines, RAMPART_DB } from "./baselines.js";

export const intLastCheck: Check = {
  id: "INT-LAST-CHECK",
  area: "integrity",
  title: "The last integrity check found no unexplained change",
  severity: "high",
  remediation:
    "Review the changes with `rampart integrity check`; if they are intended (you edited /etc), record a new baseline with `rampart integrity init`; if not, investigate the host.",
  refs: ["CIS Debian Linux 12 6.1 (filesystem integrity checking)", "Lynis FINT-4350"],
  async run(ctx) {
    const ours = (await baselines(ctx)).find((b) => b.kind === "rampart");
    if (!ours) return { status: "skip", reason: "no rampart integrity baseline (see INT-BASELINE-PRESENT)" };
    const last = ours.lastCheck;
    if (!last) return { status: "skip", reason: "`rampart integrity check` has not run yet against the baseline", source: RAMPART_DB };
    const observed = `${new Date(last.finishedAt).toISOString()}: ${last.added} added, ${last.removed} removed, ${last.changed} changed; ${last.local} not by the package manager`;
    return last.local === 0
      ? { status: "pass", observed, expected: "no local change", source: RAMPART_DB }
      : {
          status: "fail",
          observed,
          expected: "no local change",
          source: RAMPART_DB,
          reason: `${last.local} file(s) changed outside the package manager`,
        };
  },
};
