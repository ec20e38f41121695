// The audit report: the one model every renderer (text, JSON, HTML; src/report/) reads, in the shape DESIGN.md
// promises for `--format json`: the results in report order, their summary and the score. The questions only
// renderers and the CLI ask (top fixes, --fail-on) are in src/report/model.ts.
import { AREAS, type Area, type CheckResult, SEVERITIES, type Severity, type Status } from "./types.js";

export interface ReportSummary extends Record<Status, number> {
  /** fail/warn results that a policy waiver covers (not counted in fail/warn) */
  waived: number;
  total: number;
  /**
   * 0-100: severity-weighted share of passing checks among those judged (warn counts half; skip, error and
   * waived excluded). Nothing judged scores 0, not 100: a skip is never a pass.
   */
  score: number;
}

export interface AuditReport {
  tool: { name: "rampart"; version: string };
  host: { hostname: string; os: string; kernel: string | null };
  startedAt: string;
  durationMs: number;
  /** "/" for the running system, else the --root DIR */
  root: string;
  /** the policy file judged against, or "built-in baseline" */
  policy: string;
  summary: ReportSummary;
  checks: CheckResult[];
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
const WEIGHT: Record<Severity, number> = { info: 1, low: 2, medium: 4, high: 8, critical: 16 };

export function summarize(checks: readonly CheckResult[]): ReportSummary {
  const s: ReportSummary = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, waived: 0, total: checks.length, score: 100 };
  let got = 0;
  let max = 0;
  for (const c of checks) {
    if (c.waiver && (c.status === "fail" || c.status === "warn")) {
      s.waived++;
      continue;
    }
    s[c.status]++;
    const w = WEIGHT[c.severity];
    if (c.status === "skip" || c.status === "error") continue;
    max += w;
    if (c.status === "pass") got += w;
    else if (c.status === "warn") got += w / 2;
  }
  s.score = max === 0 ? 0 : Math.round((100 * got) / max);
  return s;
}

/** Report order: area order (AREAS), then check id. */
export function compareResults(a: { area: Area; id: string }, b: { area: Area; id: string }): number {
  return AREAS.indexOf(a.area) - AREAS.indexOf(b.area) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
