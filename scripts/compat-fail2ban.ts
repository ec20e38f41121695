// `npm run compat:fail2ban`: run fail2ban's own sample-log suite (Debian's fail2ban package, tests/files/logs).
// sshd first, through the filter sshd jails really run — rampart's BUILT-IN sshd filter, for policy jails,
// imported jails and `guard.fail2ban: DIR` jails alike — over the sshd and sshd-journal sample files, every
// mode each section lists; then every filter (sshd included, labelled as such) through rampart's translation
// of fail2ban's regexes, the path of `fail2ban:NAME` jails. Prints per-filter results, every failing line
// with its reason, and totals. Exit 0 only when every IP-host annotation of the sshd files passes with the
// built-in filter with no wrong address, and at least 95% of the annotated lines across all translated
// filters pass. Options: --json, --only a,b.
// fail2ban's harness runs in CET/CEST: the time zone is set before any date is computed.
process.env.TZ = "Europe/Zurich";
const { FAIL2BAN_TESTS, runAllSamples } = await import("../src/guard/fail2ban/samples.js");
const { runBuiltinSshdSamples } = await import("../src/guard/fail2ban/builtin-samples.js");
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
const withSshd = !only || only.includes("sshd");
const builtin = withSshd ? await runBuiltinSshdSamples() : undefined;
const { results, totals, withoutLog } = await runAllSamples(only ? { only } : {});
const ms = Math.round(performance.now() - t0);
const sshd = results.find((r) => r.filter === "sshd");
const pct = totals.annotated ? (100 * totals.passed) / totals.annotated : 0;
const builtinFailures = builtin ? builtin.failures.filter((f) => f.verdict !== "not-ip") : [];
const sshdOk =
  builtin === undefined || (builtin.passed === builtin.annotated && builtin.wrongAddress === 0 && builtinFailures.length === 0);
const ok = sshdOk && pct >= 95;
const builtinLine = (r: NonNullable<typeof builtin>): string => {
  const modes = Object.entries(r.modes)
    .map(([m, c]) => `${m} ${c.passed}/${c.checks}`)
    .join(", ");
  const notIp = new Map<string, number>();
  for (const f of r.failures) if (f.verdict === "not-ip") notIp.set(String(f.want.host), (notIp.get(String(f.want.host)) ?? 0) + 1);
  return (
    `sshd jails — rampart's built-in sshd filter (the production path), fail2ban's sshd + sshd-journal samples:\n` +
    `  ${r.passed}/${r.annotated} annotated lines with an IP host pass in every listed mode ` +
    `(${r.checksPassed}/${r.checks} line×mode checks: ${modes}); wrong addresses: ${r.wrongAddress}\n` +
    `  ${r.notIp} annotated lines whose host is not an IP are never matched, by design (rampart never resolves names; ` +
    `a leading-zero dotted quad is ambiguous): ${[...notIp].map(([h, n]) => `${h} (${n} checks)`).join(", ") || "none"}`
  );
};
if (json) {
  const { failures: bf, ...bsum } = builtin ?? { failures: [] };
  console.log(
    JSON.stringify({
      ok,
      sshdBuiltin: builtin ? { ...bsum, failures: builtinFailures } : null,
      translated: { percent: pct, totals, withoutLog, results },
      durationMs: ms,
    }),
  );
  void bf;
} else {
  if (builtin) {
    console.log(builtinLine(builtin));
    for (const f of builtinFailures)
      console.log(`failing  ${f.file}:${f.line} [${f.mode}] ${f.verdict}: ${f.reason}\n         ${f.text.slice(0, 200)}`);
    console.log(
      "\nall filters through rampart's translation of fail2ban's regexes (fail2ban:NAME jails; sshd here is NOT what sshd jails run):",
    );
  }
  const rows = results.map((r) => {
    const status = r.failures.length === 0 ? "ok  " : "FAIL";
    const notes = [
      r.problems.length ? `${r.problems.length} problem(s)` : "",
      r.unused.length ? `${r.unused.length} regex(es) without samples` : "",
    ]
      .filter(Boolean)
      .join(", ");
    const name = r.filter === "sshd" ? "sshd (translated regex)" : r.filter;
    return `${status} ${name.padEnd(30)} ${String(r.passed).padStart(4)}/${String(r.annotated).padEnd(4)} ${notes}`;
  });
  console.log(rows.join("\n"));
  for (const r of results) {
    for (const p of r.problems) console.log(`problem  ${r.filter}: ${p}`);
    for (const f of r.failures) console.log(`failing  ${f.file}:${f.line} ${f.options}: ${f.reason}\n         ${f.text.slice(0, 200)}`);
  }
  if (withoutLog.length) console.log(`\nfilters without a sample log (${withoutLog.length}): ${withoutLog.join(", ")}`);
  console.log(
    `\ntranslated regexes: ${results.length} filters with sample logs; annotated lines passed ${totals.passed}/${totals.annotated} (${pct.toFixed(2)}%); unannotated lines not matched ${totals.unannotatedPassed}/${totals.unannotated}; sshd (translated) ${sshd ? `${sshd.passed}/${sshd.annotated}` : "missing"}; ${ms} ms`,
  );
  if (builtin)
    console.log(
      `sshd (built-in filter, what sshd jails run): ${builtin.passed}/${builtin.annotated} IP-host lines, ${builtin.checksPassed}/${builtin.checks} checks, ${builtin.wrongAddress} wrong addresses`,
    );
  console.log(
    ok
      ? "PASS"
      : "FAIL: need every IP-host sshd annotation with the built-in filter (no wrong address) and >= 95% of translated filters' lines",
  );
}
process.exit(ok ? 0 : 1);
