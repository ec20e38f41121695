// `--format json`: the DESIGN.md shape, keys in the documented order, extra fields after them.
import type { AuditReport } from "../audit/report.js";

export function renderJson(r: AuditReport): string {
  const ordered = {
    tool: r.tool,
    host: r.host,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    summary: r.summary,
    checks: r.checks.map((c) => ({
      id: c.id,
      area: c.area,
      title: c.title,
      severity: c.severity,
      status: c.status,
      evidence: { observed: c.evidence.observed ?? null, expected: c.evidence.expected ?? null, source: c.evidence.source },
      remediation: c.remediation,
      refs: c.refs,
      ...(c.reason !== undefined ? { reason: c.reason } : {}),
      ...(c.waiver !== undefined ? { waiver: c.waiver } : {}),
      durationMs: c.durationMs,
    })),
    root: r.root,
    policy: r.policy,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}
