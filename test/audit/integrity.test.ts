// The integrity audit checks over fixture roots with baselines of controlled age (mtimes set by the test,
// judged with a fixed clock).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { intBaselinePresent } from "../../src/audit/checks/integrity/baseline-present.js";
import { intBaselineRecent } from "../../src/audit/checks/integrity/baseline-recent.js";
import { runCheck } from "./firewall.fixture.js";

const NOW = new Date("2026-01-15T12:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const pkg = (name: string) => `Package: ${name}\nStatus: install ok installed\nVersion: 1\n`;

describe("INT-BASELINE-PRESENT", () => {
  test("pass: AIDE database", async () => {
    const o = await runCheck(intBaselinePresent, { "/var/lib/aide/aide.db": "x" }, { live: false, now: NOW });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["aide: /var/lib/aide/aide.db"]);
  });
  test("pass: rampart's own database and debsums", async () => {
    const o = await runCheck(
      intBaselinePresent,
      { "/var/lib/rampart/integrity.db": "x", "/var/lib/dpkg/status": pkg("debsums") },
      { live: false, now: NOW },
    );
    assert.deepEqual(o.observed, ["rampart: /var/lib/rampart/integrity.db", "debsums: /var/lib/dpkg/info/*.md5sums"]);
  });
  test("fail: aide installed but never initialised", async () => {
    const o = await runCheck(intBaselinePresent, { "/usr/bin/aide": "", "/var/lib/aide/.keep": "" }, { live: false, now: NOW });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "aide is installed but has no database (aideinit never run)");
  });
});

describe("INT-BASELINE-RECENT", () => {
  test("pass: AIDE checked 2 days ago (log newer than the database)", async () => {
    const o = await runCheck(
      intBaselineRecent,
      { "/var/lib/aide/aide.db": { text: "x", mtime: daysAgo(40) }, "/var/log/aide/aide.log": { text: "ok", mtime: daysAgo(2) } },
      { live: false, now: NOW },
    );
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["aide: /var/lib/aide/aide.db 2 day(s) old (2026-01-13)"]);
  });
  test("fail: rampart baseline 30 days old", async () => {
    const o = await runCheck(
      intBaselineRecent,
      { "/var/lib/rampart/integrity.db": { text: "x", mtime: daysAgo(30) } },
      { live: false, now: NOW },
    );
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, ["rampart: /var/lib/rampart/integrity.db 30 day(s) old (2025-12-16)"]);
  });
  test("debsums: CRON_CHECK=never fails, weekly passes", async () => {
    const files = (v: string) => ({ "/var/lib/dpkg/status": pkg("debsums"), "/etc/default/debsums": `# debsums\nCRON_CHECK=${v}\n` });
    const never = await runCheck(intBaselineRecent, files("never"), { live: false, now: NOW });
    assert.equal(never.status, "fail");
    assert.deepEqual(never.observed, ["debsums: CRON_CHECK=never (/etc/default/debsums:2)"]);
    assert.equal((await runCheck(intBaselineRecent, files("weekly"), { live: false, now: NOW })).status, "pass");
  });
  test("skip without a baseline", async () => {
    assert.equal((await runCheck(intBaselineRecent, { "/etc/.keep": "" }, { live: false, now: NOW })).status, "skip");
  });
});
