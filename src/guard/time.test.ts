import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { newEnvelope, parseEnvelope, envelopeTime } from "./envelope.js";
import { isoTimeLength, parseIsoTime, parseJournalRealtime, SyslogTime, syslogTimeLength } from "./time.js";

const iso = (text: string) => {
  const n = isoTimeLength(text);
  return n === 0 ? "none" : new Date(parseIsoTime(text, 0, n)).toISOString();
};

describe("timestamps", () => {
  test("syslog: the year is the clock's, or the previous one when the date is more than a day ahead", () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 10)); // 2 January 2026
    const t = new SyslogTime(clock, 0);
    const at = (s: string) => new Date(t.parse(s, 0, syslogTimeLength(s))).toISOString();
    assert.equal(at("Jan  2 09:00:00"), "2026-01-02T09:00:00.000Z");
    assert.equal(at("Jan  3 09:00:00"), "2026-01-03T09:00:00.000Z"); // less than a day ahead: clock skew
    assert.equal(at("Dec 31 23:59:59"), "2025-12-31T23:59:59.000Z");
    assert.equal(at("Feb 7 16:01:07"), "2025-02-07T16:01:07.000Z");
  });

  test("syslog: the minute cache never mixes up seconds, minutes or days", () => {
    const t = new SyslogTime(new FakeClock(Date.UTC(2026, 10, 22, 12)), 0);
    const at = (s: string) => new Date(t.parse(s, 0, syslogTimeLength(s))).toISOString();
    assert.equal(at("Nov 22 07:01:02"), "2026-11-22T07:01:02.000Z");
    assert.equal(at("Nov 22 07:01:59"), "2026-11-22T07:01:59.000Z");
    assert.equal(at("Nov 22 07:02:00"), "2026-11-22T07:02:00.000Z");
    assert.equal(at("Nov 21 07:02:00"), "2026-11-21T07:02:00.000Z");
  });

  test("syslog: malformed stamps have no length", () => {
    for (const s of ["Nox 22 07:01:02", "Nov 22 7:01:02", "Nov 222 07:01:02", "Nov 22 07:0a:02", "Nov22 07:01:02"])
      assert.equal(syslogTimeLength(s), 0, s);
    assert.equal(syslogTimeLength("Nov  2 07:01:02 host"), 15);
    assert.equal(syslogTimeLength("Nov 2 07:01:02 host"), 14);
  });

  test("ISO 8601 / RFC 3339 with offsets, fractions, journald short-iso", () => {
    assert.equal(iso("2026-11-22T07:01:02.123456+00:00"), "2026-11-22T07:01:02.123Z");
    assert.equal(iso("2026-11-22T07:01:02+0100"), "2026-11-22T06:01:02.000Z");
    assert.equal(iso("2019-07-08T17:40:16.954167-04:00"), "2019-07-08T21:40:16.954Z");
    assert.equal(iso("2026-11-22T07:01:02Z"), "2026-11-22T07:01:02.000Z");
    assert.equal(iso("2026-11-22 07:01:02,5+00:00"), "2026-11-22T07:01:02.500Z");
    assert.ok(Number.isNaN(parseIsoTime("2026-13-22T07:01:02Z", 0, isoTimeLength("2026-13-22T07:01:02Z"))));
    assert.equal(isoTimeLength("2026-11-22X07:01:02Z"), 0);
  });

  test("journald __REALTIME_TIMESTAMP (µs)", () => {
    assert.equal(parseJournalRealtime("1795330871123456"), 1795330871123);
    assert.ok(Number.isNaN(parseJournalRealtime("12a")));
    assert.ok(Number.isNaN(parseJournalRealtime("9999999999999999999")), "past what a Date holds");
    assert.ok(Number.isNaN(parseJournalRealtime(17)));
  });

  test("envelopes: syslog, no host, ISO, RFC 5424, journald JSON", () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 22, 12));
    const sys = new SyslogTime(clock, 0);
    const env = newEnvelope();
    const cases: [string, string, string, string | undefined, string][] = [
      ["Nov 22 07:01:02 web1 sshd[12]: hello", "web1", "sshd", "12", "2026-11-22T07:01:02.000Z"],
      ["Nov 22 07:01:02 sshd-session[12]: hello", "", "sshd-session", "12", "2026-11-22T07:01:02.000Z"],
      ["<38>Nov 22 07:01:02 web1 sshd: hello", "web1", "sshd", undefined, "2026-11-22T07:01:02.000Z"],
      ["2026-11-22T07:01:02.5+00:00 web1 sshd[1]: hello", "web1", "sshd", "1", "2026-11-22T07:01:02.500Z"],
      ['<38>1 2026-11-22T07:01:02Z web1 sshd 77 - [a b="]"] hello', "web1", "sshd", "77", "2026-11-22T07:01:02.000Z"],
      [
        '{"__REALTIME_TIMESTAMP":"1795330862000000","_HOSTNAME":"web1","SYSLOG_IDENTIFIER":"sshd","_PID":"9","MESSAGE":"hello"}',
        "web1",
        "sshd",
        "9",
        "2026-11-22T07:01:02.000Z",
      ],
    ];
    for (const [line, host, prog, pid, time] of cases) {
      assert.ok(parseEnvelope(line, env), line);
      const t = env.text;
      assert.equal(t.slice(env.hostStart, env.hostEnd), host, line);
      assert.equal(t.slice(env.progStart, env.progEnd), prog, line);
      assert.equal(env.pidEnd > env.pidStart ? t.slice(env.pidStart, env.pidEnd) : undefined, pid, line);
      assert.equal(t.slice(env.msgStart), "hello", line);
      assert.equal(new Date(envelopeTime(env, sys)).toISOString(), time, line);
    }
    assert.equal(parseEnvelope("no tag here at all", env), false);
    assert.equal(parseEnvelope("{not json", env), false);
  });
});
