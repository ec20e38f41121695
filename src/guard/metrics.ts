// The guard's Prometheus metrics (`rampart guard status --metrics` / the control socket's "metrics"): a
// text rendering of the status, so a figure in the metrics and in `guard status` can never disagree.
import type { GuardStatus } from "./status.js";

/** Label values are ours or canonical addresses, but a path or peer name could hold quotes or newlines. */
const label = (v: string) => v.replace(/["\\\n]/g, "_");

export function renderMetrics(s: GuardStatus): string {
  const counter = (name: string, help: string, rows: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...rows];
  const gauge = (name: string, help: string, rows: string[]) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows];
  const L = [
    ...counter("rampart_guard_lines_total", "Log lines read.", [`rampart_guard_lines_total ${s.lines}`]),
    ...counter("rampart_guard_lines_too_long_total", "Log lines dropped whole because they were longer than the line cap.", [
      `rampart_guard_lines_too_long_total ${s.sources.reduce((n, x) => n + x.tooLong, 0)}`,
    ]),
    ...counter(
      "rampart_guard_matches_total",
      "Failures matched, per jail.",
      s.jails.map((j) => `rampart_guard_matches_total{jail="${label(j.name)}"} ${j.matches}`),
    ),
    ...counter(
      "rampart_guard_bans_total",
      "Bans decided, per jail.",
      s.jails.map((j) => `rampart_guard_bans_total{jail="${label(j.name)}"} ${j.bans}`),
    ),
    ...gauge("rampart_guard_active_bans", "Bans in force.", [`rampart_guard_active_bans ${s.activeBans}`]),
    ...counter("rampart_guard_bans_refused_total", "Bans the gate or the kernel refused.", [
      `rampart_guard_bans_refused_total ${s.kernel.refused}`,
    ]),
    ...gauge("rampart_guard_bans_quarantined", "Stored bans kept but never loaded (see guard status).", [
      `rampart_guard_bans_quarantined ${s.kernel.quarantined}`,
    ]),
    ...counter("rampart_guard_kernel_errors_total", "Kernel calls that failed as a whole (ban sets missing).", [
      `rampart_guard_kernel_errors_total ${s.kernel.kernelErrors}`,
    ]),
    "# HELP rampart_guard_ban_latency_seconds From the deciding log line read to the ban in the kernel (last 1000 bans).",
    "# TYPE rampart_guard_ban_latency_seconds summary",
    `rampart_guard_ban_latency_seconds{quantile="0.5"} ${(s.latencyMs.p50 ?? 0) / 1000}`,
    `rampart_guard_ban_latency_seconds{quantile="0.99"} ${(s.latencyMs.p99 ?? 0) / 1000}`,
    ...gauge(
      "rampart_guard_source_up",
      "1 when the log source is being read.",
      s.sources.map((x) => `rampart_guard_source_up{source="${label(x.target)}"} ${x.state === "reading" ? 1 : 0}`),
    ),
    ...(s.reports
      ? [
          ...counter(
            "rampart_guard_reports_total",
            "Community reports per reporter: sent, failed (given up or refused), throttled (rate, daily cap, same address).",
            s.reports.reporters.flatMap((r) =>
              (["sent", "failed", "throttled"] as const).map(
                (k) => `rampart_guard_reports_total{reporter="${label(r.name)}",result="${k}"} ${r[k]}`,
              ),
            ),
          ),
          ...gauge(
            "rampart_guard_reports_queued",
            "Reports waiting (paced by the rate limit, or retried).",
            s.reports.reporters.map((r) => `rampart_guard_reports_queued{reporter="${label(r.name)}"} ${r.queued}`),
          ),
          ...counter("rampart_guard_reports_skipped_total", "Bans not reported: private, documentation, ignored, own or received.", [
            `rampart_guard_reports_skipped_total ${s.reports.skipped}`,
          ]),
        ]
      : []),
    ...(s.share
      ? counter(
          "rampart_guard_share_refused_total",
          "Fleet decisions not applied (malformed, over the share limits, or refused at the gate).",
          [`rampart_guard_share_refused_total ${s.share.refused}`],
        )
      : []),
  ];
  return `${L.join("\n")}\n`;
}
