// `--format html`: one self-contained page (inline CSS, no scripts, no external assets; a CSP forbids
// both) that reads well offline and in print: summary counts, the score, top fixes, open findings by
// severity with evidence and fix, then every check by area. Every string is escaped — file names, user
// names and sudoers lines come from the host and may be attacker-chosen.
import { AREAS, type CheckResult, SEVERITIES, type Severity } from "../audit/types.js";
import type { AuditReport } from "../audit/report.js";
import { valueLines } from "./format.js";
import { isOpenFinding, topFixes } from "./model.js";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ESC[ch] ?? ch);
}
const e = escapeHtml;

export const CSS = `
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#e4e7ec;--pass:#12805c;--fail:#c8322d;--warn:#b7791f;--skip:#8a94a6;--error:#8e44ad;--waived:#2f6fb3;
--critical:#8b1a1a;--high:#c8322d;--medium:#d97706;--low:#2f6fb3;--info:#667085}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
header{background:#1d2330;color:#fff;padding:28px 40px 64px}header h1{margin:0;font-size:22px;font-weight:650;letter-spacing:.2px}
header .meta{color:#b9c0cc;margin-top:6px;font-size:13px}header .brand{color:#8fb3ff;font-weight:700;letter-spacing:.5px}
main{max-width:1120px;margin:0 auto;padding:24px 32px 48px}
.summary{display:flex;gap:14px;flex-wrap:wrap;margin:-44px 0 24px}
.tile{background:var(--card);border-radius:10px;padding:14px 18px;min-width:116px;box-shadow:0 1px 3px rgba(16,24,40,.12);border-top:4px solid var(--line)}
.tile .n{font-size:28px;font-weight:700;line-height:1.1}.tile .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.6px}
.tile.pass{border-color:var(--pass)}.tile.pass .n{color:var(--pass)}.tile.fail{border-color:var(--fail)}.tile.fail .n{color:var(--fail)}
.tile.warn{border-color:var(--warn)}.tile.warn .n{color:var(--warn)}.tile.skip{border-color:var(--skip)}.tile.error{border-color:var(--error)}.tile.error .n{color:var(--error)}
.tile.waived{border-color:var(--waived)}.tile.score{border-color:#1d2330}
section{background:var(--card);border-radius:10px;box-shadow:0 1px 3px rgba(16,24,40,.10);padding:18px 22px;margin-bottom:20px}
h2{font-size:16px;margin:0 0 12px}h3{font-size:13px;margin:18px 0 8px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted)}
ol.fixes{margin:0;padding-left:22px}ol.fixes li{margin:8px 0}
.fix{display:block;color:#344054;margin-top:2px}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:11px;font-weight:700;text-transform:uppercase;letter-spacing:.4px;color:#fff;vertical-align:1px}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.st-pass{background:var(--pass)}.st-fail{background:var(--fail)}.st-warn{background:var(--warn)}.st-skip{background:var(--skip)}.st-error{background:var(--error)}.st-waived{background:var(--waived)}
.finding{border:1px solid var(--line);border-left:4px solid var(--fail);border-radius:8px;padding:12px 14px;margin:10px 0}
.finding.warn{border-left-color:var(--warn)}.finding .head{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.finding .id{font-weight:700}.finding .title{color:#344054}
table.ev{border-collapse:collapse;margin-top:8px;width:100%}table.ev th{text-align:left;color:var(--muted);font-weight:600;width:96px;vertical-align:top;padding:3px 8px 3px 0;font-size:12px}
table.ev td{padding:3px 0;vertical-align:top;word-break:break-word}table.ev ul{margin:0;padding-left:18px}
table.kv{border-collapse:collapse;margin:2px 0}table.kv th,table.kv td{padding:2px 14px 2px 0;font-size:12.5px;text-align:left;width:auto;color:inherit}table.kv thead th{color:var(--muted);font-weight:600}table.kv tr.bad td{color:var(--fail);font-weight:600}
code{background:#f0f2f5;border-radius:4px;padding:0 4px}
.refs{color:var(--muted);font-size:12px;margin-top:6px}.note{color:var(--muted);font-size:12.5px;margin-top:4px}
table.all{border-collapse:collapse;width:100%}table.all td{border-top:1px solid var(--line);padding:7px 8px;vertical-align:top}
table.all tr.area td{border-top:none;padding-top:16px;font-weight:700;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);font-size:12px}
details summary{cursor:pointer;color:var(--muted);font-size:12px}details[open] summary{margin-bottom:4px}
.empty{color:var(--pass);font-weight:600}footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{body{background:#fff}header{background:#fff;color:#000;border-bottom:2px solid #000}.summary{margin-top:0}section,.tile{box-shadow:none;border:1px solid #ccc}}
`;

export function renderHtml(r: AuditReport): string {
  const s = r.summary;
  const tiles = (
    [
      ["pass", s.pass],
      ["fail", s.fail],
      ["warn", s.warn],
      ["skip", s.skip],
      ["error", s.error],
      ["waived", s.waived],
    ] as const
  )
    .map(([k, n]) => `<div class="tile ${k}" id="summary-${k}"><div class="n">${n}</div><div class="l">${k}</div></div>`)
    .join("");
  const open = r.checks.filter(isOpenFinding);
  const bySeverity = [...SEVERITIES]
    .reverse()
    .map((sev) => ({ sev, list: open.filter((c) => c.severity === sev) }))
    .filter((g) => g.list.length > 0);
  const fixes = topFixes(r.checks, 5);
  const waived = r.checks.filter((c) => c.waiver !== undefined);
  const title = `rampart audit · ${r.host.hostname}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<header><div class="brand">RAMPART AUDIT</div><h1>${e(r.host.hostname)}</h1>
<div class="meta">${e(r.host.os)}${r.host.kernel ? ` · kernel ${e(r.host.kernel)}` : ""}${r.root !== "/" ? ` · image at ${e(r.root)}` : ""} · ${e(r.startedAt)} · ${(r.durationMs / 1000).toFixed(2)} s · policy: ${e(r.policy)} · rampart ${e(r.tool.version)}</div></header>
<main>
<div class="summary" id="summary">${tiles}<div class="tile score" id="summary-score"><div class="n">${s.score}</div><div class="l">score / 100</div></div></div>
<section id="top-fixes"><h2>Top fixes</h2>${
    fixes.length
      ? `<ol class="fixes">${fixes.map((f) => `<li>${sevBadge(f.severity)} <span class="mono"><b>${e(f.id)}</b></span> ${e(f.title)}<span class="fix">${prose(f.remediation)}</span></li>`).join("")}</ol>`
      : `<p class="empty">Nothing to fix: no open finding.</p>`
  }</section>
<section id="findings"><h2>Findings by severity (${open.length})</h2>${
    bySeverity.length
      ? bySeverity.map((g) => `<h3>${e(g.sev)} (${g.list.length})</h3>${g.list.map(finding).join("")}`).join("")
      : `<p class="empty">No open finding.</p>`
  }</section>
${waived.length ? `<section id="waived"><h2>Waived (${waived.length})</h2>${waived.map(finding).join("")}</section>` : ""}
<section id="all-checks"><h2>All checks (${s.total})</h2><table class="all">${AREAS.map((area) => {
    const list = r.checks.filter((c) => c.area === area);
    if (!list.length) return "";
    return `<tr class="area"><td colspan="4">${e(area)}</td></tr>${list.map(row).join("")}`;
  }).join("")}</table></section>
<footer>Generated by rampart ${e(r.tool.version)} · read-only audit · every value above was read from the host</footer>
</main></body></html>
`;
}

function sevBadge(s: Severity): string {
  return `<span class="badge sev-${s}">${e(s)}</span>`;
}

function statusBadge(c: CheckResult): string {
  const st = c.waiver ? "waived" : c.status;
  return `<span class="badge st-${st}">${e(st)}</span>`;
}

function valueHtml(v: unknown): string {
  const lines = valueLines(v);
  return lines.length === 1
    ? `<span class="mono">${e(lines[0] ?? "")}</span>`
    : `<ul>${lines.map((l) => `<li class="mono">${e(l)}</li>`).join("")}</ul>`;
}

/** `code` spans in remediation text, after escaping (so nothing but the backticks is interpreted). */
function prose(s: string): string {
  return e(s).replace(/`([^`]+)`/g, "<code>$1</code>");
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => v !== null && typeof v === "object" && !Array.isArray(v);

/** observed and expected as one key | observed | expected table when both are maps of the same keys. */
function pairTable(o: unknown, x: unknown): string | undefined {
  if (!isDict(o) || !isDict(x)) return undefined;
  const keys = Object.keys(o);
  if (keys.length === 0 || !keys.every((k) => k in x)) return undefined;
  const rows = keys.map((k) => {
    const ov = valueLines(o[k]).join("; ");
    const xv = valueLines(x[k]).join("; ");
    const bad = !ov.startsWith(xv) && !xv.split(" or ").some((alt) => ov.startsWith(alt));
    return `<tr${bad ? ' class="bad"' : ""}><td class="mono">${e(k)}</td><td class="mono">${e(ov)}</td><td class="mono">${e(xv)}</td></tr>`;
  });
  return `<table class="kv"><thead><tr><th>key</th><th>observed</th><th>expected</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function evidence(c: CheckResult): string {
  const pair = pairTable(c.evidence.observed, c.evidence.expected);
  const values = pair
    ? `<tr><th>values</th><td>${pair}</td></tr>`
    : `<tr><th>observed</th><td>${valueHtml(c.evidence.observed)}</td></tr><tr><th>expected</th><td>${valueHtml(c.evidence.expected)}</td></tr>`;
  return `<table class="ev">${values}${
    c.evidence.source ? `<tr><th>source</th><td class="mono">${e(c.evidence.source)}</td></tr>` : ""
  }<tr><th>fix</th><td>${prose(c.remediation)}</td></tr></table>`;
}

function finding(c: CheckResult): string {
  return `<div class="finding ${c.status === "warn" ? "warn" : ""}" id="check-${e(c.id)}"><div class="head">${sevBadge(c.severity)} ${statusBadge(c)} <span class="id mono">${e(c.id)}</span> <span class="title">${e(c.title)}</span></div>${
    c.reason ? `<div class="note">${e(c.reason)}</div>` : ""
  }${c.waiver ? `<div class="note">Waived: ${e(c.waiver.reason)}${c.waiver.until ? ` (until ${e(c.waiver.until)})` : ""}</div>` : ""}${evidence(c)}${
    c.refs.length ? `<div class="refs">${c.refs.map(e).join(" · ")}</div>` : ""
  }</div>`;
}

function row(c: CheckResult): string {
  return `<tr><td>${statusBadge(c)}</td><td class="mono">${e(c.id)}</td><td>${e(c.title)}${c.reason ? `<div class="note">${e(c.reason)}</div>` : ""}<details><summary>evidence</summary>${evidence(c)}</details></td><td>${sevBadge(c.severity)}</td></tr>`;
}
