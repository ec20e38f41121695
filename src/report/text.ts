// The terminal report: a header, the one-line summary, the top fixes first (most severe open findings with
// their remediation), then every check grouped by area. Colour only when asked (a TTY); host-supplied text
// is stripped of control characters so a crafted file name cannot drive the terminal.
import { createColors } from "picocolors";
import { AREAS, type CheckResult, type Status } from "../audit/types.js";
import type { AuditReport } from "../audit/report.js";
import { formatValue, safeText } from "./format.js";
import { isOpenFinding, topFixes } from "./model.js";

export interface TextOptions {
  color: boolean;
  /** show evidence for passing checks too */
  verbose?: boolean;
}

export function renderText(r: AuditReport, o: TextOptions): string {
  const c = createColors(o.color);
  const mark: Record<Status, string> = {
    pass: c.green("✓"),
    fail: c.red("✗"),
    warn: c.yellow("!"),
    skip: c.dim("-"),
    error: c.magenta("E"),
  };
  const sev = (x: CheckResult) => {
    const t = x.severity.toUpperCase();
    return x.severity === "critical" || x.severity === "high" ? c.red(t) : x.severity === "medium" ? c.yellow(t) : c.dim(t);
  };
  const out: string[] = [];
  const s = r.summary;
  out.push(
    c.bold(`rampart audit · ${safeText(r.host.hostname)}`) +
      c.dim(
        ` · ${safeText(r.host.os)}${r.host.kernel ? ` · kernel ${safeText(r.host.kernel)}` : ""}${r.root !== "/" ? ` · root ${safeText(r.root)}` : ""}`,
      ),
  );
  out.push(
    `${c.bold("Summary:")} ${c.green(`${s.pass} pass`)}, ${s.fail ? c.red(`${s.fail} fail`) : "0 fail"}, ${s.warn ? c.yellow(`${s.warn} warn`) : "0 warn"}, ${s.skip} skip, ${s.error ? c.magenta(`${s.error} error`) : "0 error"}${s.waived ? `, ${s.waived} waived` : ""} · score ${s.score}/100 · ${(r.durationMs / 1000).toFixed(2)} s · policy: ${safeText(r.policy)}`,
  );
  const fixes = topFixes(r.checks, 5);
  if (fixes.length) {
    out.push("", c.bold("Top fixes"));
    fixes.forEach((f, i) => {
      out.push(`${String(i + 1).padStart(2)}. ${sev(f)} ${c.bold(f.id)} ${safeText(f.title)}`);
      out.push(`    ${c.cyan("→")} ${safeText(f.remediation)}`);
    });
  }
  for (const area of AREAS) {
    const list = r.checks.filter((x) => x.area === area);
    if (!list.length) continue;
    const open = list.filter(isOpenFinding).length;
    out.push("", c.bold(area) + c.dim(` (${list.length} checks${open ? `, ${open} to fix` : ""})`));
    for (const x of list) {
      const waived = x.waiver !== undefined;
      const m = waived ? c.cyan("~") : mark[x.status];
      out.push(`  ${m} ${x.id.padEnd(26)} ${safeText(x.title)}${waived ? c.cyan(" [waived]") : ""}`);
      const detail: string[] = [];
      if (x.status === "fail" || x.status === "warn" || o.verbose) {
        detail.push(`observed: ${formatValue(x.evidence.observed)}`, `expected: ${formatValue(x.evidence.expected)}`);
        if (x.evidence.source) detail.push(`source: ${x.evidence.source}`);
      }
      if (x.reason) detail.push(x.status === "skip" || x.status === "error" ? x.reason : `note: ${x.reason}`);
      if (x.waiver) detail.push(`waived: ${x.waiver.reason}${x.waiver.until ? ` (until ${x.waiver.until})` : ""}`);
      for (const d of detail) out.push(c.dim(`      ${safeText(truncate(d, 400))}`));
    }
  }
  out.push("");
  return out.join("\n");
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
