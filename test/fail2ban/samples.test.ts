// fail2ban's own sample-log suite through rampart's fail2ban import (the runner behind
// `npm run compat:fail2ban`): every annotated line of the sshd sample log passes in all its modes, and at
// least 95% of the annotated lines of all filters with a sample log pass.
process.env.TZ = "Europe/Zurich"; // fail2ban's harness runs in CET/CEST; set before any date is computed
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";

const { FAIL2BAN_TESTS, runAllSamples, runFilterSamples } = await import("../../src/guard/fail2ban/samples.js");
const present = existsSync(`${FAIL2BAN_TESTS}/files/logs/sshd`);
const skip = present ? false : `fail2ban's sample logs are not installed (${FAIL2BAN_TESTS}); apt-get install fail2ban`;

test("every annotated line of fail2ban's sshd sample log passes, in every mode", { skip }, async () => {
  const r = await runFilterSamples("sshd", "/etc/fail2ban");
  assert.ok(r, "sshd has a sample log");
  assert.ok(r.annotated > 200, `the sshd log has many annotated lines (${r.annotated})`);
  assert.deepEqual(
    r.failures.map((f) => `${f.file}:${f.line} ${f.options}: ${f.reason}`),
    [],
  );
  assert.equal(r.passed, r.annotated);
});

test("at least 95% of the annotated lines of all filters with a sample log pass", { skip }, async () => {
  const { results, totals } = await runAllSamples();
  assert.ok(results.length >= 80, `most filters have sample logs (${results.length})`);
  const pct = (100 * totals.passed) / totals.annotated;
  const failing = results.flatMap((r) => r.failures.map((f) => `${f.file}:${f.line} ${f.options}: ${f.reason}`));
  assert.ok(pct >= 95, `${pct.toFixed(2)}% passed; failing:\n${failing.join("\n")}`);
});

test("the runner really checks: a wrong expectation fails with its reason", { skip }, async (t) => {
  const { mkdtempSync, writeFileSync, mkdirSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(`${tmpdir()}/rampart-f2b-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(`${dir}/logs`);
  writeFileSync(
    `${dir}/logs/sshd`,
    [
      '# failJSON: { "time": "2005-06-21T16:47:48", "match": true , "host": "192.0.2.7" }',
      "Jun 21 16:47:48 host sshd[1]: Invalid user bob from 192.0.2.6 port 22",
      '# failJSON: { "match": false }',
      "Jun 21 16:47:49 host sshd[1]: Invalid user bob from 192.0.2.6 port 22",
      '# failJSON: { "time": "2005-06-21T16:47:50", "match": true , "host": "192.0.2.6", "user": "bob" }',
      "Jun 21 16:47:50 host sshd[1]: Invalid user bob from 192.0.2.6 port 22",
      "",
    ].join("\n"),
  );
  const r = await runFilterSamples("sshd", "/etc/fail2ban", { logsDir: `${dir}/logs` });
  assert.ok(r);
  assert.equal(r.annotated, 3);
  assert.equal(r.passed, 1);
  assert.match(r.failures[0]?.reason ?? "", /host: got "192.0.2.6", want "192.0.2.7"/);
  assert.match(r.failures[1]?.reason ?? "", /should not match/);
});
