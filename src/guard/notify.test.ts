// Notifications: a webhook gets the ban as JSON; a failing endpoint is retried and never blocks; attacker
// text in the log lines cannot forge mail lines or terminal escapes.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { silentLogger } from "../core/logger.js";
import { run } from "../system/exec.js";
import { type BanNotice, mailBody, Notifier } from "./notify.js";
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
