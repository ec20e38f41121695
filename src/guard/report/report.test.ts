// guard.report: what a comment keeps and takes out, which bans are never reported, the per-reporter limits
// and retries, the exact requests AbuseIPDB and blocklist.de get, and the refusal of a key file others read.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { FakeClock, systemClock } from "../../core/clock.js";
import { RampartError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import { policySchema } from "../../policy/schema.js";
import { readCredentials } from "../share/credentials.js";
import { CommentScrubber, COMMENT_MAX, loginUsers } from "./comment.js";
import { Eligible } from "./eligible.js";
import { ReportChannel, Reports } from "./queue.js";
import { abuseIpdb, blocklistDe, blocklistRefusal, type Report, ReportFailure, type Reporter, webhook } from "./reporters.js";
import { startReports } from "./start.js";

const scrub = new CommentScrubber({
  hostnames: ["web1.example.org"],
  addresses: ["192.0.2.1", "2001:db8:0:1::10"],
  users: ["alice", "bob"],
});

test("the comment takes out this host's addresses, names and accounts, and keeps the attacker's evidence", () => {
  const c = scrub.comment([
    "Nov 22 07:28:38 web1 sshd[123]: Failed password for alice from 198.51.100.7 port 4242 ssh2",
    "Nov 22 07:28:39 web1 sshd[124]: Failed password for invalid user admin from 198.51.100.7 port 4243 ssh2",
    "Nov 22 07:28:40 web1.example.org sshd[125]: Connection from 198.51.100.7 to 192.0.2.1 port 22; also 192.0.2.10 and 2001:db8:0:1::10",
    "malice bob.smith bob@x Accepted for bob",
  ]);
  const lines = c.split("\n");
  assert.equal(lines[0], "Nov 22 07:28:38 [this host] sshd[123]: Failed password for [user] from 198.51.100.7 port 4242 ssh2");
  assert.match(lines[1] as string, /invalid user admin from 198\.51\.100\.7/, "an attacker-chosen name is evidence");
  assert.equal(
    lines[2],
    "Nov 22 07:28:40 [this host] sshd[125]: Connection from 198.51.100.7 to [this host] port 22; also 192.0.2.10 and [this host]",
    "192.0.2.10 is not 192.0.2.1",
  );
  assert.equal(lines[3], "malice bob.smith [user]@x Accepted for [user]", "whole names only");
  assert.equal(
    scrub.line("to 2001:DB8:0:1:0:0:0:10 and ::ffff:192.0.2.1, not 2001:db8:0:1::100 nor 07:28:38 nor 192.0.2.1.5"),
    "to [this host] and [this host], not 2001:db8:0:1::100 nor 07:28:38 nor 192.0.2.1.5",
    "any spelling of an own address; nothing that only looks like one",
  );
});

test("the comment makes control characters visible and fits AbuseIPDB's limit", () => {
  assert.equal(scrub.line("x\r\nForged: yes\u001b[31m"), "x\\x0d\\x0aForged: yes\\x1b[31m");
  const long = Array.from({ length: 40 }, (_, i) => `Failed password for root from 198.51.100.7 port ${i} ssh2 ${"x".repeat(40)}`);
  const c = scrub.comment(long);
  assert.ok(c.length <= COMMENT_MAX, `${c.length} characters`);
  assert.ok(
    c.split("\n").every((l) => l.endsWith("x".repeat(40))),
    "whole lines only",
  );
  assert.ok(scrub.comment(["y".repeat(5000)]).length <= COMMENT_MAX);
});

test("login accounts come from /etc/passwd (uid 1000-59999), never system users like sshd", () => {
  const passwd =
    "root:x:0:0::/root:/bin/bash\nsshd:x:105:65534::/run/sshd:/usr/sbin/nologin\ncarol:x:1001:1001::/home/carol:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n";
  assert.deepEqual(loginUsers(passwd), ["carol"]);
});

const rules = {
  hostname: "web1",
  ignore: ["203.0.113.0/28", "::1"],
  own: ["198.51.100.200"],
  reportDocumentationRanges: false,
};
const cand = (target: string, extra: Partial<{ origin: string; lines: string[]; jail: string; address: string }> = {}) => ({
  target,
  origin: "web1",
  jail: "sshd",
  lines: ["Failed password for root from x"],
  ...extra,
});

test("never reported: received from the fleet, without evidence, private, documentation, ignored or own addresses", () => {
  const e = new Eligible(rules);
  assert.deepEqual(e.check(cand("8.8.4.4")), { ok: true, address: "8.8.4.4" });
  assert.match(reason(e.check(cand("8.8.4.4", { origin: "web2" }))), /received from web2/);
  assert.match(reason(e.check(cand("8.8.4.4", { lines: [] }))), /no evidence/);
  for (const a of [
    "10.1.2.3",
    "192.168.1.1",
    "172.16.5.5",
    "100.64.0.1",
    "127.0.0.1",
    "169.254.1.1",
    "fe80::1",
    "fd00::1",
    "::ffff:10.0.0.1",
  ])
    assert.match(reason(e.check(cand(a))), /private or reserved/, a);
  for (const a of ["192.0.2.7", "198.51.100.7", "203.0.113.77", "2001:db8:bad::10"])
    assert.match(reason(e.check(cand(a))), /documentation/, a);
  const lab = new Eligible({ ...rules, reportDocumentationRanges: true });
  assert.equal(lab.check(cand("198.51.100.7")).ok, true, "the lab switch lets documentation addresses through");
  assert.match(reason(lab.check(cand("203.0.113.5"))), /ignored/);
  assert.match(reason(lab.check(cand("198.51.100.200"))), /own address/);
  assert.match(reason(lab.check(cand("10.0.0.1"))), /private/, "the lab switch opens the documentation ranges only");
  const onlyNginx = new Eligible({ ...rules, jails: ["nginx"] });
  assert.match(reason(onlyNginx.check(cand("8.8.4.4"))), /not in guard\.report\.jails/);
});

test("a /64 ban is reported as the address that decided it, when the prefix holds it", () => {
  const e = new Eligible(rules);
  assert.deepEqual(e.check(cand("2a01:4f8:1:2::/64", { address: "2a01:4f8:1:2::99" })), { ok: true, address: "2a01:4f8:1:2::99" });
  assert.equal(e.check(cand("2a01:4f8:1:2::/64", { address: "2a01:4f8:9:9::1" })).ok, false);
  assert.equal(e.check(cand("2a01:4f8:1:2::/64")).ok, false);
});

function reason(x: { ok: boolean; reason?: string }): string {
  return x.ok ? "(reported)" : (x.reason as string);
}

const report = (address: string): Report => ({
  address,
  target: address,
  jail: "sshd",
  reason: "3 failures",
  offense: 1,
  startedAt: Date.UTC(2026, 11, 6),
  comment: "Failed password",
  hostname: "web1",
});

class Recorder implements Reporter {
  readonly name = "rec";
  got: string[] = [];
  failures: ReportFailure[] = [];
  async send(r: Report): Promise<void> {
    const f = this.failures.shift();
    if (f) throw f;
    this.got.push(r.address);
  }
}

const fastRetry = { initialMs: 5, maxMs: 20, giveUpAfterMs: 60_000 };

test("per reporter: one report per address per sameAddressEvery, a daily cap per UTC day", async () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 6, 10));
  const rec = new Recorder();
  const ch = new ReportChannel(
    rec,
    { rate: { count: 100, per: "minute" }, dailyCap: 3, sameAddressEvery: 900 },
    fastRetry,
    clock,
    silentLogger,
  );
  assert.equal(ch.offer(report("8.8.4.4")), true);
  assert.equal(ch.offer(report("8.8.4.4")), false, "same address within 15 minutes");
  clock.advance(901_000);
  assert.equal(ch.offer(report("8.8.4.4")), true, "after sameAddressEvery");
  assert.equal(ch.offer(report("8.8.8.8")), true);
  assert.equal(ch.offer(report("1.1.1.1")), false, "daily cap of 3");
  assert.equal(ch.throttled, 2);
  clock.set(Date.UTC(2026, 11, 7, 0, 0, 1));
  assert.equal(ch.offer(report("1.1.1.1")), true, "a new UTC day");
  const reports = new Reports([ch], new Eligible(rules), scrub, silentLogger);
  await reports.drain(5000);
  assert.deepEqual(rec.got, ["8.8.4.4", "8.8.4.4", "8.8.8.8", "1.1.1.1"]);
  assert.deepEqual(ch.status(), { name: "rec", sent: 4, failed: 0, throttled: 2, queued: 0 });
});

test("the rate limit paces the queue: a burst waits its turn, nothing is lost", () => {
  const clock = new FakeClock(Date.UTC(2026, 11, 6, 10));
  const ch = new ReportChannel(
    new Recorder(),
    { rate: { count: 2, per: "minute" }, dailyCap: 100, sameAddressEvery: 0 },
    fastRetry,
    clock,
    silentLogger,
  );
  const w = ch as unknown as { window: number[] };
  assert.equal(ch.rateWait(clock.now()), 0);
  w.window.push(clock.now(), clock.now() + 1000);
  assert.equal(ch.rateWait(clock.now() + 1000), 59_000, "the third waits until the first leaves the window");
  assert.equal(ch.rateWait(clock.now() + 60_001), 0);
  ch.close();
});

test("a failure that may pass is retried until delivered; a refusal is final at once", async () => {
  const rec = new Recorder();
  rec.failures = [new ReportFailure("down", true), new ReportFailure("HTTP 503", true)];
  const ch = new ReportChannel(
    rec,
    { rate: { count: 100, per: "second" }, dailyCap: 100, sameAddressEvery: 0 },
    fastRetry,
    systemClock,
    silentLogger,
  );
  ch.offer(report("8.8.4.4"));
  const reports = new Reports([ch], new Eligible(rules), scrub, silentLogger);
  await reports.drain(5000);
  assert.deepEqual(rec.got, ["8.8.4.4"]);
  assert.equal(ch.sent, 1);
  assert.equal(ch.failed, 0);
  rec.failures = [new ReportFailure("HTTP 401: bad key", false)];
  ch.offer(report("8.8.8.8"));
  await reports.drain(5000);
  assert.equal(ch.failed, 1);
  assert.equal(rec.got.length, 1);
  assert.equal(ch.status().lastError, "HTTP 401: bad key");
});

test("received and ignored bans reach no reporter", async () => {
  const rec = new Recorder();
  const ch = new ReportChannel(
    rec,
    { rate: { count: 100, per: "second" }, dailyCap: 100, sameAddressEvery: 0 },
    fastRetry,
    systemClock,
    silentLogger,
  );
  const reports = new Reports([ch], new Eligible({ ...rules, ignore: ["8.8.8.8"] }), scrub, silentLogger);
  const n = { reason: "r", offense: 1, startedAt: 0, hostname: "web1", jail: "sshd", lines: ["Failed password for alice from 8.8.4.4"] };
  reports.offer({ ...n, target: "8.8.4.4", origin: "web2" });
  reports.offer({ ...n, target: "8.8.8.8", origin: "web1" });
  reports.offer({ ...n, target: "8.8.4.4", origin: "web1" });
  await reports.drain(5000);
  assert.deepEqual(rec.got, ["8.8.4.4"]);
  assert.equal(reports.skipped, 2);
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  form: URLSearchParams;
}

async function endpoint(answer: (s: Seen) => [number, string]): Promise<{ url: string; seen: Seen[]; close: () => void }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, form: new URLSearchParams(body) };
      seen.push(s);
      const [status, text] = answer(s);
      res.writeHead(status, { "content-type": "application/json" }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => server.close() };
}

test("AbuseIPDB gets POST /api/v2/report with the Key header and the form fields; the key never shows in an error", async () => {
  const ep = await endpoint((s) =>
    s.form.get("ip") === "8.8.4.4"
      ? [200, '{"data":{"abuseConfidenceScore":52}}']
      : [401, '{"errors":[{"detail":"Authentication failed: key s3cr3t-key"}]}'],
  );
  try {
    const r = abuseIpdb({ key: "s3cr3t-key", baseUrl: `${ep.url}/api/v2`, categories: [18, 22] }, {});
    await r.send({ ...report("8.8.4.4"), comment: "line 1\nline 2 & more" });
    const s = ep.seen[0] as Seen;
    assert.equal(s.method, "POST");
    assert.equal(s.url, "/api/v2/report");
    assert.equal(s.headers.key, "s3cr3t-key");
    assert.equal(s.headers.accept, "application/json");
    assert.equal(s.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(s.form.get("ip"), "8.8.4.4");
    assert.equal(s.form.get("categories"), "18,22");
    assert.equal(s.form.get("comment"), "line 1\nline 2 & more");
    assert.equal(s.form.get("timestamp"), "2026-12-06T00:00:00.000Z");
    const e = await r.send(report("8.8.8.8")).then(
      () => undefined,
      (x: unknown) => x as ReportFailure,
    );
    assert.ok(e instanceof ReportFailure);
    assert.equal(e.retry, false, "401 is final");
    assert.doesNotMatch(e.message, /s3cr3t-key/);
    assert.match(e.message, /HTTP 401: Authentication failed: key \*\*\*/);
  } finally {
    ep.close();
  }
});

test("blocklist.de gets POST /en/httpreports.html with server, apikey, ip, service, logs; its error answer is final", async () => {
  let ok = true;
  const ep = await endpoint(() =>
    ok ? [200, '{"status":"success","error":0}'] : [200, '{"status":"error","error":["apikey: wrong API key"]}'],
  );
  try {
    const r = blocklistDe({ email: "srv@example.org", key: "bl-key-123", service: "ssh", baseUrl: ep.url }, {});
    await r.send({ ...report("8.8.4.4"), comment: "Failed password for [user] from 8.8.4.4" });
    const s = ep.seen[0] as Seen;
    assert.equal(s.method, "POST");
    assert.equal(s.url, "/en/httpreports.html");
    assert.deepEqual(Object.fromEntries(s.form), {
      server: "srv@example.org",
      apikey: "bl-key-123",
      ip: "8.8.4.4",
      service: "ssh",
      logs: "Failed password for [user] from 8.8.4.4",
      format: "json",
    });
    ok = false;
    const e = await r.send(report("8.8.8.8")).then(
      () => undefined,
      (x: unknown) => x as ReportFailure,
    );
    assert.ok(e instanceof ReportFailure && !e.retry);
    assert.match(e.message, /wrong API key/);
  } finally {
    ep.close();
  }
  assert.equal(blocklistRefusal("OK"), undefined);
  assert.equal(blocklistRefusal('{"status":"success"}'), undefined);
  assert.match(blocklistRefusal('{"status":"error","error":{"ip":"invalid"}}') ?? "", /invalid/);
});

test("the report webhook gets the report as JSON", async () => {
  let got: unknown;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got = { method: req.method, url: req.url, type: req.headers["content-type"], body: JSON.parse(body) };
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await webhook({ url }, {}).send({ ...report("8.8.4.4"), comment: "Failed password for [user]\\x1b" });
    assert.deepEqual(got, {
      method: "POST",
      url: "/hook",
      type: "application/json",
      body: {
        event: "report",
        host: "web1",
        address: "8.8.4.4",
        target: "8.8.4.4",
        jail: "sshd",
        reason: "3 failures",
        offense: 1,
        startedAt: "2026-12-06T00:00:00.000Z",
        comment: "Failed password for [user]\\x1b",
      },
    });
  } finally {
    server.close();
  }
});

test("an endpoint that is down or answers 503/429 is a failure to retry", async () => {
  const ep = await endpoint(() => [503, "busy"]);
  const r = abuseIpdb({ key: "k", baseUrl: ep.url, categories: [18] }, {});
  const e1 = await r.send(report("8.8.4.4")).then(
    () => undefined,
    (x: unknown) => x as ReportFailure,
  );
  ep.close();
  assert.ok(e1?.retry);
  const e2 = await r.send(report("8.8.4.4")).then(
    () => undefined,
    (x: unknown) => x as ReportFailure,
  );
  assert.ok(e2 instanceof ReportFailure && e2.retry, "connection refused");
});

test("a key file others can read is refused with the chmod that fixes it: that reporter is disabled, the guard runs on", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rampart-report-"));
  try {
    const key = path.join(dir, "abuseipdb.key");
    writeFileSync(key, "very-secret-key\n");
    chmodSync(key, 0o644);
    const uid = process.getuid?.() ?? 0;
    assert.throws(
      () => readCredentials(key, uid, "the AbuseIPDB API key"),
      (e: unknown) =>
        e instanceof RampartError &&
        e.code === "PERMISSION" &&
        /readable by others \(mode 0644\)/.test(e.message) &&
        /chmod 600/.test(e.hint ?? ""),
    );
    const policy = policySchema.parse({
      guard: { report: { abuseipdb: { keyFile: key }, webhook: { url: "https://hooks.example.org/x" } } },
    });
    const start = () => startReports({ policy, clock: systemClock, log: silentLogger, hostname: "web1", own: [], passwd: "", uid });
    const refused = start();
    const st = refused?.status();
    assert.deepEqual(
      st?.reporters.map((r) => r.name),
      ["webhook"],
      "the other reporters run",
    );
    assert.equal(st?.disabled?.[0]?.name, "abuseipdb");
    assert.match(st?.disabled?.[0]?.error ?? "", /readable by others \(mode 0644\): refusing to use it \(chmod 600/);
    assert.doesNotMatch(JSON.stringify(st), /very-secret-key/);
    refused?.close();
    chmodSync(key, 0o600);
    const reports = start();
    assert.deepEqual(
      reports?.status().reporters.map((r) => r.name),
      ["abuseipdb", "webhook"],
    );
    assert.equal(reports?.status().disabled, undefined);
    reports?.close();
    assert.equal(
      startReports({ policy: policySchema.parse({}), clock: systemClock, log: silentLogger, hostname: "web1", own: [], passwd: "" }),
      undefined,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// (the test's own timeout: without the deadline the request waits for ever)
test("a report endpoint that trickles its answer is given up at the timeout, not when it stops (the queue is never held)", {
  timeout: 20_000,
}, async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200);
    const drip = setInterval(() => res.write("."), 100); // a byte every 100 ms, for ever: never idle
    res.on("close", () => clearInterval(drip));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    await assert.rejects(webhook({ url }, { timeoutMs: 500 }).send(report("8.8.4.4")), /no answer within/);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
