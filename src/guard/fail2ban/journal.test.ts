// fail2ban filters over journal entries (`journalctl -o json` lines, what the journal source hands on): the
// same failregex that matches a syslog line matches the journal entry of the same message, with the same
// address and time, as fail2ban's systemd backend does; broken or hostile entries give no match and no
// crash; lines that are not journal entries are matched as they are. Debian's own filters
// (/etc/fail2ban/filter.d) where they are installed.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { FakeClock } from "../../core/clock.js";
import { HostFs } from "../../system/hostfs.js";
import type { MatchResult } from "../filters/types.js";
import { type Fail2banFilter, loadFail2banFilter } from "./filter.js";
import { journalLine } from "./journal.js";

const F2B = "/etc/fail2ban";
const skip = existsSync(`${F2B}/filter.d/postfix.conf`)
  ? false
  : "fail2ban's filters are not installed (/etc/fail2ban): apt-get install fail2ban";
const fs = new HostFs("/");
const dir = mkdtempSync(path.join(tmpdir(), "rampart-f2b-journal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// the entries' time (ms); whole seconds, as rampart's fail2ban date patterns read no fraction of a second (%f)
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

/** a journal entry as `journalctl -o json` writes it (every value a string) */
function entry(fields: Record<string, unknown>, offsetMs = 0): string {
  return JSON.stringify({
    __CURSOR: "s=0123;i=1",
    __REALTIME_TIMESTAMP: String((T0 + offsetMs) * 1000),
    __MONOTONIC_TIMESTAMP: "81234567",
    _HOSTNAME: "mx",
    _UID: "0",
    _PID: "123",
    ...fields,
  });
}

/** the same message as an rsyslog ISO 8601 line */
function syslog(prog: string, pid: string, message: string, offsetMs = 0): string {
  return `${new Date(T0 + offsetMs).toISOString().replace(".000Z", "+00:00")} mx ${prog}[${pid}]: ${message}`;
}

function run(filter: Fail2banFilter, lines: string[]): MatchResult[] {
  const st = filter.createState({ clock: new FakeClock(T0 + 60_000), utcOffsetMinutes: 0 });
  return lines.map((l) => filter.match(l, st));
}

const found = (r: MatchResult[]) => r.map((m) => (m.kind === "none" ? "none" : `${m.address} ${new Date(m.time).toISOString()}`));

const POSTFIX = [
  "warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
  "NOQUEUE: reject: RCPT from unknown[203.0.113.7]: 554 5.7.1 <x@y>: Relay access denied; from=<a@b> to=<x@y> proto=ESMTP helo=<h>",
  "connect from unknown[203.0.113.8]",
];

describe("fail2ban filters over journal entries", { skip }, () => {
  for (const logtype of ["journal", "file"]) {
    test(`postfix (aggressive, logtype=${logtype}): same addresses and times as the syslog lines`, async () => {
      const f = await loadFail2banFilter(fs, F2B, "postfix", { params: { mode: "aggressive", logtype } });
      const fromSyslog = run(
        f,
        POSTFIX.map((m, i) => syslog("postfix/smtpd", "123", m, i * 1000)),
      );
      const fromJournal = run(
        f,
        POSTFIX.map((m, i) => entry({ SYSLOG_IDENTIFIER: "postfix/smtpd", SYSLOG_PID: "123", _COMM: "smtpd", MESSAGE: m }, i * 1000)),
      );
      assert.deepEqual(found(fromSyslog), ["203.0.113.5 2026-01-10T12:00:00.000Z", "203.0.113.7 2026-01-10T12:00:01.000Z", "none"]);
      assert.deepEqual(found(fromJournal), found(fromSyslog));
      assert.deepEqual(
        fromJournal.map((m) => (m.kind === "none" ? "" : m.rule)),
        fromSyslog.map((m) => (m.kind === "none" ? "" : m.rule)),
      );
    });
  }

  test("sshd (fail2ban's, translated; backend systemd): same addresses, times and users as the syslog lines", async () => {
    const f = await loadFail2banFilter(fs, F2B, "sshd", { backend: "systemd" });
    const msgs = [
      "Failed password for root from 203.0.113.9 port 22 ssh2",
      "Invalid user admin from 2001:db8::10 port 4711",
      "Accepted publickey for alice from 192.0.2.50 port 4 ssh2: ED25519 SHA256:x",
    ];
    const a = run(
      f,
      msgs.map((m, i) => syslog("sshd", String(200 + i), m, i * 1000)),
    );
    const b = run(
      f,
      msgs.map((m, i) => entry({ SYSLOG_IDENTIFIER: "sshd", _PID: String(200 + i), _COMM: "sshd", MESSAGE: m }, i * 1000)),
    );
    assert.deepEqual(found(a), ["203.0.113.9 2026-01-10T12:00:00.000Z", "2001:db8::10 2026-01-10T12:00:01.000Z", "none"]);
    assert.deepEqual(found(b), found(a));
    assert.deepEqual(
      b.map((m) => (m.kind === "none" ? undefined : m.user)),
      ["root", "admin", undefined],
    );
  });

  test("the line fail2ban rebuilds: host, identifier or _COMM, pid, kernel uptime, its time", () => {
    const line = (fields: Record<string, unknown>) => {
      const j = journalLine(entry(fields));
      return j.kind === "entry" ? j.text : j.kind;
    };
    assert.equal(line({ SYSLOG_IDENTIFIER: "postfix/smtpd", SYSLOG_PID: "9", MESSAGE: "hi" }), "mx postfix/smtpd[9]: hi");
    assert.equal(
      line({ SYSLOG_IDENTIFIER: "", _COMM: "smtpd", MESSAGE: "hi" }),
      "mx smtpd[123]: hi",
      "_COMM and _PID when the sender set none",
    );
    assert.equal(line({ _PID: undefined, SYSLOG_IDENTIFIER: "x", MESSAGE: "hi" }), "mx x: hi");
    assert.equal(line({ _HOSTNAME: undefined, _PID: undefined, MESSAGE: "hi" }), "hi", "no host, no program: the message alone");
    assert.equal(line({ _PID: undefined, SYSLOG_IDENTIFIER: "kernel", MESSAGE: "hi" }), "mx kernel: [   81.234567] hi");
    assert.equal(
      line({ _PID: undefined, SYSLOG_IDENTIFIER: "kernel", _SOURCE_MONOTONIC_TIMESTAMP: "5", MESSAGE: "hi" }),
      "mx kernel: [    0.000005] hi",
    );
    assert.equal(line({ SYSLOG_IDENTIFIER: "x", MESSAGE: ["a", "b"] }), "mx x[123]: a b", "a field given twice: its values joined");
    // the time: when it was sent (_SOURCE_REALTIME_TIMESTAMP) first, as fail2ban does
    const j = journalLine(entry({ MESSAGE: "hi", _SOURCE_REALTIME_TIMESTAMP: String((T0 - 2000) * 1000) }));
    assert.ok(j.kind === "entry");
    assert.equal(j.date, (T0 - 2000) / 1000);
    const k = journalLine(entry({ MESSAGE: "hi", __REALTIME_TIMESTAMP: String(T0 * 1000 + 123456) }));
    assert.ok(k.kind === "entry");
    assert.equal(k.date, (T0 + 123) / 1000, "to the ms");
  });

  test("a MESSAGE that is not UTF-8 (journald writes an array of bytes) is matched, decoded as fail2ban does", async () => {
    // an attacker who puts one bad byte in a user name must not escape the ban
    const f = await loadFail2banFilter(fs, F2B, "sshd", { backend: "systemd" });
    const bytes = [...Buffer.from("Invalid user ad"), 0xff, ...Buffer.from("min from 203.0.113.11 port 4711")];
    const r = run(f, [entry({ SYSLOG_IDENTIFIER: "sshd", MESSAGE: bytes })]);
    assert.deepEqual(found(r), ["203.0.113.11 2026-01-10T12:00:00.000Z"]);
  });

  test("broken or hostile entries: no match, no crash", async () => {
    const f = await loadFail2banFilter(fs, F2B, "postfix", { params: { mode: "aggressive", logtype: "journal" } });
    const msg = POSTFIX[0] as string;
    const ok = { SYSLOG_IDENTIFIER: "postfix/smtpd", MESSAGE: msg };
    const good = entry(ok);
    const hostile = [
      good.slice(0, -20), // cut short
      `${good.slice(0, -1)},}`, // not JSON
      entry({ ...ok, MESSAGE: 12 }),
      entry({ ...ok, MESSAGE: { text: msg } }),
      entry({ ...ok, MESSAGE: null }), // journalctl's "longer than 4096 bytes"
      entry({ ...ok, MESSAGE: [...Buffer.from(msg), 256] }),
      entry({ ...ok, MESSAGE: [...Buffer.from(msg), 1.5] }),
      entry({ ...ok, MESSAGE: [...Buffer.from(msg), "x"] }),
      entry({ ...ok, MESSAGE: [msg, 7] }),
      entry({ ...ok, MESSAGE: [] }),
      entry({ ...ok, MESSAGE: undefined }),
      entry({ ...ok, _HOSTNAME: { a: { b: ["mx"] } } }),
      entry({ ...ok, SYSLOG_IDENTIFIER: ["postfix/smtpd"] }),
      entry({ ...ok, SYSLOG_PID: 123 }),
      entry({ ...ok, _PID: true }),
      entry({ ...ok, __REALTIME_TIMESTAMP: 1768046400000000 }),
      entry({ ...ok, __REALTIME_TIMESTAMP: "1768046400000000x" }),
      entry({ ...ok, __REALTIME_TIMESTAMP: "9".repeat(25) }),
      entry({ ...ok, __REALTIME_TIMESTAMP: undefined }),
      `[${good}]`,
      `${good} trailing`,
      entry({ ...ok, _TRANSPORT: "x".repeat(40_000) }), // the JSON past 4× the line cap
      entry({ ...ok, MESSAGE: `${msg} ${"x".repeat(8200)}` }), // the rebuilt line past the cap
      `{"__CURSOR":"${"[".repeat(100_000)}`,
      `{"__CURSOR":${"[".repeat(20_000)}`,
      "{".repeat(30_000),
    ];
    assert.deepEqual(found(run(f, [good])), ["203.0.113.5 2026-01-10T12:00:00.000Z"], "the entry they are made from matches");
    const r = run(f, hostile);
    for (const [i, m] of r.entries()) assert.equal(m.kind, "none", `${i}: ${hostile[i]?.slice(0, 200)}`);
  });

  test("the address comes from MESSAGE as the regex reads it, never from JSON text around it", async () => {
    const f = await loadFail2banFilter(fs, F2B, "postfix", { params: { mode: "aggressive", logtype: "journal" } });
    const r = run(f, [
      // field names and values inside MESSAGE are MESSAGE text
      entry({
        SYSLOG_IDENTIFIER: "cron",
        MESSAGE: '","SYSLOG_IDENTIFIER":"postfix/smtpd","MESSAGE":"warning: unknown[203.0.113.66]: SASL LOGIN authentication failed: x',
      }),
      // a field the filter does not read holds a failure line: it is not the line
      entry({ SYSLOG_IDENTIFIER: "cron", MESSAGE: "hi", CODE_FUNC: `mx postfix/smtpd[1]: ${POSTFIX[0]}` }),
    ]);
    assert.deepEqual(found(r), ["none", "none"]);
  });

  test("a line break in MESSAGE cannot start a forged line of a multi-line filter", async () => {
    const conf = path.join(dir, "forge.conf");
    writeFileSync(conf, "[Definition]\nfailregex = ^\\S+ sshd\\[\\d+\\]: Failed password for \\S+ from <HOST>\nmaxlines = 2\n");
    const f = await loadFail2banFilter(fs, F2B, conf);
    const forged = (brk: string) =>
      entry({ SYSLOG_IDENTIFIER: "cron", MESSAGE: `hi${brk}mx sshd[1]: Failed password for root from 203.0.113.66 port 2 ssh2` });
    const r = run(f, ["\n", "\r", "\u2028", "\u2029"].map(forged));
    assert.deepEqual(found(r), ["none", "none", "none", "none"]);
    const real = entry({ SYSLOG_IDENTIFIER: "sshd", MESSAGE: "Failed password for root from 203.0.113.67 port 2 ssh2" });
    assert.deepEqual(found(run(f, [real])), ["203.0.113.67 2026-01-10T12:00:00.000Z"], "the filter itself matches");
  });

  test("lines that are not journal entries are matched as they are", async () => {
    // other JSON (an application's own JSON log) is no journal entry: its regexes see the JSON text
    const conf = path.join(dir, "jsonlog.conf");
    writeFileSync(conf, '[Definition]\nfailregex = ^\\{"event":"login.failed","src_ip":"<HOST>"\n');
    const f = await loadFail2banFilter(fs, F2B, conf);
    const r = run(f, [
      '{"event":"login.failed","src_ip":"203.0.113.70","MESSAGE":"x","timestamp":"2026-01-10T12:00:00.123456Z"}',
      "{not json at all 203.0.113.71",
    ]);
    assert.equal(r[0]?.kind === "failure" && r[0].address, "203.0.113.70");
    const p = await loadFail2banFilter(fs, F2B, "postfix", { params: { mode: "aggressive" } });
    assert.deepEqual(found(run(p, [syslog("postfix/smtpd", "1", POSTFIX[0] as string)])), ["203.0.113.5 2026-01-10T12:00:00.000Z"]);
  });
});
