// Notifications: a webhook gets the ban as JSON; a failing endpoint is retried and never blocks; attacker
// text in the log lines cannot forge mail lines or terminal escapes. Mail and webhook are separate deliveries
// (a real SMTP server, smtp-server, on loopback); the webhook's reply is read, so its connection is reused; a
// login to a relay not on loopback requires TLS (the lab test test/guard/lab-notify-tls.test.ts shows such a
// relay without STARTTLS is sent no password).
import assert from "node:assert/strict";
import http from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { test } from "node:test";
import nodemailerShared from "nodemailer/lib/shared/index.js";
import { SMTPServer } from "smtp-server";
import { silentLogger } from "../core/logger.js";
import { run } from "../system/exec.js";
import { type BanNotice, mailBody, Notifier, smtpNeedsTls, smtpOptions } from "./notify.js";
import { visible } from "./visible.js";

const notice: BanNotice = {
  target: "198.51.100.7",
  jail: "sshd",
  reason: "3 failures",
  startedAt: Date.UTC(2026, 10, 22),
  expiresAt: Date.UTC(2026, 10, 22, 0, 10),
  offense: 2,
  lines: ["Failed password for invalid user x\r\nSubject: forged\u001b[31m from 198.51.100.7 port 1 ssh2"],
  hostname: "web1",
  origin: "web1",
};

test("attacker text is made visible, never interpreted", () => {
  assert.equal(visible("a\r\nb\u001b[31mc\u0000"), "a\\x0d\\x0ab\\x1b[31mc\\x00");
  const body = mailBody(notice);
  assert.doesNotMatch(body, /\r|\u001b/);
  assert.match(body, /\\x0d\\x0aSubject: forged\\x1b\[31m/);
  assert.match(body, /repeat offender/);
  assert.match(body, /rampart guard unban 198\.51\.100\.7/);
});

test("a webhook receives the ban as JSON; a failing one is retried without blocking", async () => {
  const got: unknown[] = [];
  let fails = 1;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (fails-- > 0) {
        res.writeHead(503).end();
        return;
      }
      got.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const n = await Notifier.create({ webhook: { url } }, silentLogger, run, 10);
    n.notify(notice);
    // returns before the request is made (no timing: timed assertions flake on a shared machine)
    assert.equal(got.length, 0, "notify returns at once, the delivery runs later");
    await n.drain(5000);
    assert.equal(n.sent, 1);
    assert.equal(got.length, 1);
    const j = got[0] as { event: string; target: string; jail: string; lines: string[] };
    assert.equal(j.event, "ban");
    assert.equal(j.target, "198.51.100.7");
    assert.match(j.lines[0] as string, /\\x1b/);
  } finally {
    server.close();
  }
});

/** A real SMTP server on loopback that offers AUTH without STARTTLS; records logins and messages. */
async function smtpRelay(): Promise<{ url: (login?: string) => string; logins: string[]; mails: string[]; close(): Promise<void> }> {
  const logins: string[] = [];
  const mails: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(login, _s, cb) {
      logins.push(`${login.username}:${login.password}`);
      cb(null, { user: login.username });
    },
    onData(stream, _s, cb) {
      let data = "";
      stream.setEncoding("utf8");
      stream.on("data", (c) => (data += c));
      stream.on("end", () => {
        mails.push(data);
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: (login) => `smtp://${login ? `${login}@` : ""}127.0.0.1:${port}`,
    logins,
    mails,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A webhook endpoint answering `status` with `body`; counts requests and the TCP connections they came on. */
async function hookServer(status: () => number, body = ""): Promise<{ url: string; requests: number; connections: number; close(): void }> {
  const state = { url: "", requests: 0, connections: 0, close: () => server.close() };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.requests++;
      res.writeHead(status(), { "content-type": "text/plain" }).end(body);
    });
  });
  server.on("connection", () => state.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return state;
}

const closedPort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
};

test("TLS is required for a login to a relay that is not on loopback, whatever the URL says", () => {
  const opts = (url: string) => smtpOptions(nodemailerShared.parseConnectionUrl, url);
  assert.equal(opts("smtp://u:pw@mail.example:587").requireTLS, true);
  assert.equal(opts("smtp://u:pw@192.0.2.25:25").requireTLS, true);
  assert.equal(opts("smtp://u:pw@127.0.0.1.nip.io").requireTLS, true, "a name is not a loopback address");
  const overridden = opts("smtp://u:pw@mail.example:587?requireTLS=false&ignoreTLS=true&opportunisticTLS=true");
  assert.deepEqual(
    [overridden.requireTLS, overridden.ignoreTLS, overridden.opportunisticTLS],
    [true, false, false],
    "the URL cannot switch it off",
  );
  // no login, loopback, or TLS from the first byte: nodemailer's default (opportunistic STARTTLS)
  for (const url of [
    "smtp://mail.example:25",
    "smtp://u:pw@127.0.0.1:25",
    "smtp://u:pw@[::1]:25",
    "smtp://u:pw@localhost",
    "smtps://u:pw@mail.example",
  ])
    assert.notEqual(opts(url).requireTLS, true, url);
  assert.equal(opts("smtp://mail.example").connectionTimeout, 10_000, "time limits reach the transport");
  assert.equal(smtpNeedsTls({ host: "2001:db8::25", auth: { user: "u", pass: "p" } }), true);
  assert.equal(smtpNeedsTls({ auth: { user: "u", pass: "p" } }), false, "no host is nodemailer's localhost");
});

test("a login to a relay on loopback still works without STARTTLS (real SMTP server)", async () => {
  const relay = await smtpRelay();
  try {
    const n = await Notifier.create(
      { email: { to: "root@localhost", smtp: relay.url("rampart:pw"), whois: false } },
      silentLogger,
      run,
      10,
    );
    n.notify(notice);
    await n.drain(10_000);
    assert.deepEqual([n.sent, n.failed], [1, 0]);
    assert.deepEqual(relay.logins, ["rampart:pw"]);
    assert.equal(relay.mails.length, 1);
    assert.match(relay.mails[0] as string, /Subject: \[rampart\] sshd: banned 198\.51\.100\.7 on web1/);
  } finally {
    await relay.close();
  }
});

test("mail and webhook are separate deliveries: a failing webhook never re-sends the mail", async () => {
  const relay = await smtpRelay();
  const hook = await hookServer(() => 503);
  try {
    const n = await Notifier.create(
      { email: { to: "root@localhost", smtp: relay.url(), whois: false }, webhook: { url: hook.url } },
      silentLogger,
      run,
      10,
    );
    n.notify(notice);
    await n.drain(10_000);
    assert.equal(relay.mails.length, 1, "the mail is sent once");
    assert.equal(hook.requests, 3, "the webhook is tried three times");
    assert.deepEqual([n.sent, n.failed], [1, 1]);
  } finally {
    await relay.close();
    hook.close();
  }
});

test("mail and webhook are separate deliveries: a failing mail server never stops the webhook", async () => {
  const hook = await hookServer(() => 204);
  try {
    const smtp = `smtp://127.0.0.1:${await closedPort()}`;
    const n = await Notifier.create(
      { email: { to: "root@localhost", smtp, whois: false }, webhook: { url: hook.url } },
      silentLogger,
      run,
      10,
    );
    n.notify(notice);
    await n.drain(10_000);
    assert.equal(hook.requests, 1, "the webhook is called once");
    assert.deepEqual([n.sent, n.failed], [1, 1]);
  } finally {
    hook.close();
  }
});

test("the webhook's reply is read: its connection is reused; a non-2xx reply is still a failure", async () => {
  // big enough that an unread reply stalls its connection (the client stops reading), small enough to be read
  const ok = await hookServer(() => 200, "x".repeat(48 * 1024));
  try {
    const n = await Notifier.create({ webhook: { url: ok.url } }, silentLogger, run, 10);
    for (let i = 0; i < 3; i++) {
      n.notify({ ...notice, target: `198.51.100.${10 + i}` });
      await n.drain(5000);
    }
    assert.equal(ok.requests, 3);
    assert.equal(ok.connections, 1, "one keep-alive connection for the three calls");
  } finally {
    ok.close();
  }
  const refused = await hookServer(() => 500, "error page ".repeat(10_000)); // past the read limit: cut short
  try {
    const n = await Notifier.create({ webhook: { url: refused.url } }, silentLogger, run, 10);
    n.notify(notice);
    await n.drain(5000);
    assert.deepEqual([refused.requests, n.sent, n.failed], [3, 0, 1]);
  } finally {
    refused.close();
  }
});
