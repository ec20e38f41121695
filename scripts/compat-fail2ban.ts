// `npm run compat:fail2ban`: run fail2ban's own sample-log suite (Debian's fail2ban package, tests/files/logs)
// through rampart's import of fail2ban filters; print per-filter results, every failing line with its
// reason, and totals. Exit 0 only when every annotated line of the sshd sample log passes in all its modes
// and at least 95% of the annotated lines across all filters pass. Options: --json, --only a,b.
// fail2ban's harness runs in CET/CEST: the time zone is set before any date is computed.
process.env.TZ = "Europe/Zurich";
const { FAIL2BAN_TESTS, runAllSamples } = await import("../src/guard/fail2ban/samples.js");
const { existsSync } = await import("node:fs");

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? "").split(",").filter(Boolean) : undefined;

if (!existsSync(`${FAIL2BAN_TESTS}/files/logs`)) {
  console.error(`fail2ban's sample logs are not installed (${FAIL2BAN_TESTS}/files/logs): apt-get install fail2ban`);
  process.exit(2);
}
const t0 = performance.now();
const { results, totals, withoutLog } = await runAllSamples(only ? { only } : {});
const ms = Math.round(performance.now() - t0);
const sshd = results.find((r) => r.filter === "sshd");
const pct = totals.annotated ? (100 * totals.passed) / totals.annotated : 0;
const sshdOk = only && !only.includes("sshd") ? true : sshd !== undefined && sshd.passed === sshd.annotated && sshd.failures.length === 0;
const ok = sshdOk && pct >= 95;
if (json) {
  console.log(JSON.stringify({ ok, percent: pct, totals, withoutLog, durationMs: ms, results }));
} else {
  const rows = results.map((r) => {
    const status = r.failures.length === 0 ? "ok  " : "FAIL";
    const notes = [
      r.problems.length ? `${r.problems.length} problem(s)` : "",
      r.unused.length ? `${r.unused.length} regex(es) without samples` : "",
    ]
      .filter(Boolean)
      .join(", ");
    return `${status} ${r.filter.padEnd(30)} ${String(r.passed).padStart(4)}/${String(r.annotated).padEnd(4)} ${notes}`;
  });
  console.log(rows.join("\n"));
  for (const r of results) {
    for (const p of r.problems) console.log(`problem  ${r.filter}: ${p}`);
    for (const f of r.failures) console.log(`failing  ${f.file}:${f.line} ${f.options}: ${f.reason}\n         ${f.text.slice(0, 200)}`);
  }
  if (withoutLog.length) console.log(`\nfilters without a sample log (${withoutLog.length}): ${withoutLog.join(", ")}`);
  console.log(
    `\n${results.length} filters with sample logs; annotated lines passed ${totals.passed}/${totals.annotated} (${pct.toFixed(2)}%); unannotated lines not matched ${totals.unannotatedPassed}/${totals.unannotated}; sshd ${sshd ? `${sshd.passed}/${sshd.annotated}` : "missing"}; ${ms} ms`,
  );
  console.log(ok ? "PASS" : "FAIL: need every sshd line and >= 95% overall");
}
process.exit(ok ? 0 : 1);
