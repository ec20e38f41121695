// `rampart guard test` end to end (from source): counts, the exact --json shape, --counts, stdin, errors.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-guard-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const LOG = [
  "Nov 22 07:01:02 web1 sshd[1]: Failed password for root from 198.51.100.7 port 1 ssh2",
  "Nov 22 07:01:03 web1 sshd-session[2]: Invalid user admin from 198.51.100.7 port 2",
  "Nov 22 07:01:04 web1 sshd[3]: Failed password for invalid user x from 2001:db8:bad::1 port 3 ssh2",
  "Nov 22 07:01:05 web1 sshd[4]: Accepted publickey for alice from 192.0.2.50 port 4 ssh2: ED25519 SHA256:x",
  "Nov 22 07:01:06 web1 sshd[5]: Something failed in a new way",
  "Nov 22 07:01:07 web1 sshd[6]: Connection closed by 198.51.100.9 port 6 [preauth]",
  `Nov 22 07:01:08 web1 sshd[7]: Failed password for invalid user ${"x".repeat(9000)} from 198.51.100.8 port 7 ssh2`,
  "Nov 22 07:01:09 web1 CRON[8]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
].join("\n");
const file = path.join(dir, "auth.log");
writeFileSync(file, `${LOG}\n`);

describe("rampart guard test", () => {
  test("human output: counts, rules, top addresses, missed lines", async () => {
    const r = await runCli(["guard", "test", "sshd", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /lines: 8 {2}matched: 3 {2}successes: 1 {2}ignored: 1 {2}missed: 1/);
    assert.match(r.stdout, /2 {2}failed-auth/);
    assert.match(r.stdout, /1 {2}invalid-user/);
    assert.match(r.stdout, /2 {2}198\.51\.100\.7/);
    assert.match(r.stdout, /5: Nov 22 07:01:06 web1 sshd\[5\]: Something failed in a new way/);
  });

  test("--json: exactly {lines, matched, ignored, missed, durationMs, matches}", async () => {
    const r = await runCli(["guard", "test", "sshd[mode=aggressive]", file, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j).sort(), ["durationMs", "ignored", "lines", "matched", "matches", "missed"]);
    assert.equal(j.lines, 8);
    assert.equal(j.matched, 4); // aggressive also counts the preauth close
    assert.equal(j.ignored, 1);
    assert.deepEqual(j.matches[0], { line: 1, address: "198.51.100.7", rule: "failed-auth", time: j.matches[0].time });
    assert.match(j.matches[0].time, /^\d{4}-11-22T07:01:02\.000Z$|^\d{4}-11-22T\d\d:01:02\.000Z$/);
    assert.deepEqual(
      j.matches.map((m: { address: string; rule: string }) => `${m.rule} ${m.address}`),
      ["failed-auth 198.51.100.7", "invalid-user 198.51.100.7", "failed-auth 2001:db8:bad::1", "preauth-close 198.51.100.9"],
    );
  });

  test("--json --counts from stdin: counts only", async () => {
    const r = await runCli(["guard", "test", "sshd", "-", "--json", "--counts"], { input: LOG });
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j).sort(), ["durationMs", "ignored", "lines", "matched", "missed"]);
    assert.deepEqual({ ...j, durationMs: 0 }, { lines: 8, matched: 3, ignored: 1, missed: 1, durationMs: 0 });
  });

  test("a fail2ban filter over journal entries (journalctl -o json) finds what it finds in the same syslog lines", {
    skip: existsSync("/etc/fail2ban/filter.d/postfix.conf") ? false : "fail2ban's filters are not installed: apt-get install fail2ban",
  }, async () => {
    const messages = [
      "warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
      "NOQUEUE: reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>",
    ];
    const t0 = Date.UTC(2026, 0, 10, 12);
    const entries = messages.map((m, i) =>
      JSON.stringify({
        __CURSOR: `s=1;i=${i}`,
        __REALTIME_TIMESTAMP: String((t0 + i * 1000) * 1000),
        _HOSTNAME: "mx",
        SYSLOG_IDENTIFIER: "postfix/smtpd",
        _PID: "123",
        _COMM: "smtpd",
        MESSAGE: m,
      }),
    );
    const lines = messages.map((m, i) => `${new Date(t0 + i * 1000).toISOString().replace(".000Z", "+00:00")} mx postfix/smtpd[123]: ${m}`);
    writeFileSync(path.join(dir, "pf.json"), `${entries.join("\n")}\n`);
    writeFileSync(path.join(dir, "pf.log"), `${lines.join("\n")}\n`);
    for (const logtype of ["journal", "file"]) {
      const spec = `fail2ban:postfix[mode=aggressive,logtype=${logtype}]`;
      const fromJournal = await runCli(["guard", "test", spec, path.join(dir, "pf.json"), "--json"]);
      const fromSyslog = await runCli(["guard", "test", spec, path.join(dir, "pf.log"), "--json"]);
      assert.equal(fromJournal.code, 0, fromJournal.stderr);
      assert.equal(fromSyslog.code, 0, fromSyslog.stderr);
      const j = JSON.parse(fromJournal.stdout);
      assert.equal(j.matched, 2, logtype);
      assert.deepEqual(j.matches, [
        { line: 1, address: "203.0.113.5", rule: "failregex.0", time: "2026-01-10T12:00:00.000Z" },
        { line: 2, address: "203.0.113.7", rule: "failregex.1", time: "2026-01-10T12:00:01.000Z" },
      ]);
      assert.deepEqual(j.matches, JSON.parse(fromSyslog.stdout).matches, logtype);
    }
  });

  test("errors: unknown filter, bad mode, missing file (with hints)", async () => {
    const a = await runCli(["guard", "test", "nginx", file]);
    assert.equal(a.code, 2);
    assert.match(a.stderr, /unknown filter "nginx"/);
    const b = await runCli(["guard", "test", "sshd[mode=fast]", file]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /unknown mode "fast"/);
    const c = await runCli(["guard", "test", "sshd", path.join(dir, "nope.log")]);
    assert.equal(c.code, 1);
    assert.match(c.stderr, /cannot read log/);
  });
});
