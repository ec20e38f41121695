// The fleet report: many `rampart audit --format json` files (one per host, e.g. fetched by the Ansible
// role in contrib/ansible) read into one model — hosts ranked by score, worst first, and the findings they
// share, worst first — rendered as JSON or as one self-contained HTML page (the audit page's CSS and
// escaping, src/report/html.ts). Every string in the input is data: host names and remediation texts are
// escaped, and a file that is not a rampart audit is an error naming the file.
import { z } from "zod";
import { SEVERITIES, type Severity, STATUSES, type Status } from "../audit/types.js";
import { RampartError } from "../core/errors.js";
import { CSS, escapeHtml as e } from "./html.js";
import { severityRank } from "../audit/report.js";

const auditJson = z.object({
  tool: z.object({ name: z.literal("rampart"), version: z.string() }),
  host: z.object({ hostname: z.string(), os: z.string().optional(), kernel: z.string().nullable().optional() }),
  startedAt: z.string().optional(),
  summary: z.object({
    pass: z.number(),
    fail: z.number(),
    warn: z.number(),
    skip: z.number(),
    error: z.number(),
    waived: z.number().optional(),
    score: z.number().min(0).max(100),
  }),
  checks: z.array(
    z.object({
      id: z.string(),
      area: z.string(),
      title: z.string(),
      severity: z.enum(SEVERITIES),
      status: z.enum(STATUSES),
      remediation: z.string(),
      waiver: z.object({ reason: z.string() }).passthrough().optional(),
    }),
  ),
});
type AuditJson = z.infer<typeof auditJson>;

/** One audit file, as read: `name` is what the report calls the host (unique within the report). */
export interface FleetInput {
  file: string;
  text: string;
}

export interface FleetHost {
  name: string;
  hostname: string;
  file: string;
  os: string;
  startedAt: string | null;
  score: number;
  summary: { pass: number; fail: number; warn: number; skip: number; error: number; waived: number };
}

export interface FleetFinding {
  id: string;
  area: string;
  title: string;
  severity: Severity;
  remediation: string;
  /** hosts where the check fails (not waived) */
  failing: string[];
  /** hosts where it only warns */
  warning: string[];
}

export interface FleetReport {
  generatedAt: string;
  hosts: FleetHost[];
  findings: FleetFinding[];
}

/** Parse one audit JSON file; anything else is an INPUT error (exit 2) naming the file. */
export function parseAuditFile(input: FleetInput): AuditJson {
  let data: unknown;
  try {
    data = JSON.parse(input.text);
  } catch (err) {
    throw new RampartError("INPUT", `${input.file}: not JSON (${(err as Error).message})`, {
      hint: "Give files written by `rampart audit --format json`.",
    });
  }
  const r = auditJson.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "top level";
    throw new RampartError("INPUT", `${input.file}: not a rampart audit report (${where}: ${issue?.message ?? "invalid"})`, {
      hint: "Give files written by `rampart audit --format json` (one per host).",
      location: input.file,
    });
  }
  return r.data;
}

/** Host names: the audit's hostname, or `hostname (file stem)` when two files report the same hostname. */
function hostNames(inputs: readonly FleetInput[], audits: readonly AuditJson[]): string[] {
  const count = new Map<string, number>();
  for (const a of audits) count.set(a.host.hostname, (count.get(a.host.hostname) ?? 0) + 1);
  const names = audits.map((a, i) => {
    if (count.get(a.host.hostname) === 1) return a.host.hostname;
    const stem = (inputs[i]?.file ?? "").replace(/^.*\//, "").replace(/\.json$/i, "");
    return `${a.host.hostname} (${stem})`;
  });
  // same hostname and same file stem (different directories): number them
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return names.filter((m) => m === n).length > 1 ? `${n} #${k}` : n;
  });
}

export function buildFleetReport(inputs: readonly FleetInput[], now: Date): FleetReport {
  if (inputs.length === 0)
    throw new RampartError("USAGE", "no audit files given", { hint: "rampart report fleet host1.json host2.json …" });
  const audits = inputs.map(parseAuditFile);
  const names = hostNames(inputs, audits);
  const hosts: FleetHost[] = audits.map((a, i) => ({
    name: names[i] as string,
    hostname: a.host.hostname,
    file: inputs[i]?.file ?? "",
    os: a.host.os ?? "",
    startedAt: a.startedAt ?? null,
    score: a.summary.score,
    summary: {
      pass: a.summary.pass,
      fail: a.summary.fail,
      warn: a.summary.warn,
      skip: a.summary.skip,
      error: a.summary.error,
      waived: a.summary.waived ?? 0,
    },
  }));
  const byId = new Map<string, FleetFinding>();
  audits.forEach((a, i) => {
    const name = names[i] as string;
    for (const c of a.checks) {
      if ((c.status !== "fail" && c.status !== "warn") || c.waiver !== undefined) continue;
      let f = byId.get(c.id);
      if (!f) {
        f = { id: c.id, area: c.area, title: c.title, severity: c.severity, remediation: c.remediation, failing: [], warning: [] };
        byId.set(c.id, f);
      }
      // hosts on different versions may rate a check differently: keep the worst
      if (severityRank(c.severity) > severityRank(f.severity)) f.severity = c.severity;
      (c.status === "fail" ? f.failing : f.warning).push(name);
    }
  });
  const findings = [...byId.values()].sort(
    (x, y) =>
      (y.failing.length > 0 ? 1 : 0) - (x.failing.length > 0 ? 1 : 0) ||
      severityRank(y.severity) - severityRank(x.severity) ||
      y.failing.length - x.failing.length ||
      y.warning.length - x.warning.length ||
      (x.id < y.id ? -1 : x.id > y.id ? 1 : 0),
  );
  const order = hosts.map((h, i) => ({ h, i }));
  order.sort((x, y) => x.h.score - y.h.score || y.h.summary.fail - x.h.summary.fail || x.h.name.localeCompare(y.h.name) || x.i - y.i);
  return { generatedAt: now.toISOString(), hosts: order.map(({ h }) => h), findings };
}

export function renderFleetJson(r: FleetReport): string {
  return `${JSON.stringify({ tool: { name: "rampart" }, ...r }, null, 2)}\n`;
}

const FLEET_CSS = `
table.hosts{border-collapse:collapse;width:100%}table.hosts th{text-align:left;color:var(--muted);font-weight:600;font-size:12px;padding:6px 8px;border-bottom:1px solid var(--line)}
table.hosts td{border-top:1px solid var(--line);padding:7px 8px;vertical-align:middle}table.hosts td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:8px;border-radius:4px;background:var(--line);width:120px;vertical-align:middle;margin-left:8px;overflow:hidden}.bar i{display:block;height:8px}
.hostlist{margin-top:6px;font-size:12.5px}.hostlist .mono{background:#f0f2f5;border-radius:4px;padding:0 5px;margin-right:4px;display:inline-block}
.count{font-weight:700}
`;

function scoreColor(score: number): string {
  return score >= 90 ? "var(--pass)" : score >= 70 ? "var(--warn)" : "var(--fail)";
}

function prose(s: string): string {
  return e(s).replace(/`([^`]+)`/g, "<code>$1</code>");
}

function badge(cls: string, text: string): string {
  return `<span class="badge ${cls}">${e(text)}</span>`;
}

function hostRow(h: FleetHost, rank: number): string {
  const s = h.summary;
  return `<tr><td class="n">${rank}</td><td class="mono"><b>${e(h.name)}</b>${h.os ? `<div class="note">${e(h.os)}</div>` : ""}</td><td class="n"><b style="color:${scoreColor(h.score)}">${h.score}</b><span class="bar"><i style="width:${Math.max(0, Math.min(100, h.score))}%;background:${scoreColor(h.score)}"></i></span></td><td class="n">${s.fail}</td><td class="n">${s.warn}</td><td class="n">${s.pass}</td><td class="n">${s.skip}</td><td class="n">${s.error}</td><td class="n">${s.waived}</td></tr>`;
}

function findingBlock(f: FleetFinding, total: number): string {
  const status: Status = f.failing.length ? "fail" : "warn";
  const hosts = (list: string[], label: string) =>
    list.length ? `<div class="hostlist">${e(label)}: ${list.map((h) => `<span class="mono">${e(h)}</span>`).join("")}</div>` : "";
  return `<div class="finding ${status === "warn" ? "warn" : ""}" id="finding-${e(f.id)}"><div class="head">${badge(`sev-${f.severity}`, f.severity)} <span class="id mono">${e(f.id)}</span> <span class="title">${e(f.title)}</span> <span class="count">${f.failing.length}/${total} failing</span>${f.warning.length ? ` <span class="count">${f.warning.length}/${total} warning</span>` : ""}</div>${hosts(f.failing, "fails on")}${hosts(f.warning, "warns on")}<table class="ev"><tr><th>fix</th><td>${prose(f.remediation)}</td></tr></table></div>`;
}

export function renderFleetHtml(r: FleetReport): string {
  const n = r.hosts.length;
  const failing = r.findings.filter((f) => f.failing.length > 0);
  const everywhere = failing.filter((f) => f.failing.length === n).length;
  const mean = n ? Math.round(r.hosts.reduce((a, h) => a + h.score, 0) / n) : 0;
  const tiles = [
    ["score", String(mean), "mean score"],
    ["fail", String(failing.length), "failing checks"],
    ["warn", String(everywhere), "failing on every host"],
    ["pass", String(n), "hosts"],
  ]
    .map(([k, v, l]) => `<div class="tile ${k}"><div class="n">${e(v ?? "")}</div><div class="l">${e(l ?? "")}</div></div>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>rampart fleet report · ${n} hosts</title><style>${CSS}${FLEET_CSS}</style></head>
<body>
<header><div class="brand">RAMPART FLEET</div><h1>${n} host${n === 1 ? "" : "s"}</h1>
<div class="meta">generated ${e(r.generatedAt)} · from ${n} audit file${n === 1 ? "" : "s"}</div></header>
<main>
<div class="summary" id="summary">${tiles}</div>
<section id="hosts"><h2>Hosts by score (worst first)</h2><table class="hosts"><thead><tr><th>#</th><th>host</th><th>score</th><th>fail</th><th>warn</th><th>pass</th><th>skip</th><th>error</th><th>waived</th></tr></thead><tbody>${r.hosts
    .map((h, i) => hostRow(h, i + 1))
    .join("")}</tbody></table></section>
<section id="findings"><h2>Shared findings (${r.findings.length}, worst first)</h2>${
    r.findings.length ? r.findings.map((f) => findingBlock(f, n)).join("") : `<p class="empty">No open finding on any host.</p>`
  }</section>
<footer>Generated by rampart report fleet · every value above was read from the hosts' audit files</footer>
</main></body></html>
`;
}
