// src/report/ — renderers of the audit report and fleet reports. Imports audit/ and core/; imported by
// cli/ only.
// What the renderers (text, HTML) and the CLI ask of an audit report (src/audit/report.ts): which findings are
// open, which fixes come first, which findings make `--fail-on` exit 1.
import type { CheckResult, Severity } from "../audit/types.js";
import { severityRank } from "../audit/report.js";

/** A fail or warn that no waiver covers. */
export function isOpenFinding(c: CheckResult): boolean {
  return (c.status === "fail" || c.status === "warn") && c.waiver === undefined;
}

/** Non-waived fails at or above `threshold`: what makes `--fail-on` exit 1. */
export function failingAtOrAbove(checks: readonly CheckResult[], threshold: Severity): CheckResult[] {
  const min = severityRank(threshold);
  return checks.filter((c) => c.status === "fail" && c.waiver === undefined && severityRank(c.severity) >= min);
}

/** Open findings, most severe first (fail before warn), then report order: the "top fixes". */
export function topFixes(checks: readonly CheckResult[], limit = 5): CheckResult[] {
  return checks
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => isOpenFinding(c))
    .sort(
      (a, b) =>
        severityRank(b.c.severity) - severityRank(a.c.severity) ||
        (a.c.status === "fail" ? 0 : 1) - (b.c.status === "fail" ? 0 : 1) ||
        a.i - b.i,
    )
    .slice(0, limit)
    .map(({ c }) => c);
}
