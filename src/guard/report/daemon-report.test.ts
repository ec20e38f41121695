// The reports wired into the daemon (no kernel, no network): a jail's ban is offered to the reporters with
// its log lines scrubbed; a ban received from the fleet and a ban by hand are not reported; a reporter that
// never answers does not hold back the next ban.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { systemClock } from "../../core/clock.js";
import { silentLogger } from "../../core/logger.js";
import { policySchema } from "../../policy/schema.js";
import { run } from "../../system/exec.js";
import { HostFs } from "../../system/hostfs.js";
import { GuardDaemon } from "../daemon.js";
import { MemoryEnforcer } from "../enforce.js";
import { Notifier } from "../notify.js";
import { GuardState } from "../state.js";
import { CommentScrubber } from "./comment.js";
import { Eligible } from "./eligible.js";
import { ReportChannel, Reports } from "./queue.js";
import type { Report, Reporter } from "./reporters.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-report-daemon-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const iso = () => new Date().toISOString().replace("Z", "+00:00");
const fail = (ip: string, user: string) => `${iso()} web1 sshd[4242]: Failed password for ${user} from ${ip} port 50000 ssh2\n`;

/** A reporter that records what it is given and never answers: as a dead endpoint would. */
class Hanging implements Reporter {
  readonly name = "hanging";
  got: Report[] = [];
  send(r: Report): Promise<void> {
    this.got.push(r);
    return new Promise(() => {});
  }
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("jail bans are reported (scrubbed, once); fleet-received and manual bans are not; a hanging reporter delays no ban", async () => {
  const log = path.join(dir, "auth.log");
  writeFileSync(log, "");
  const policy = policySchema.parse({
    admins: [{ name: "alice" }],
    guard: { jails: { sshd: { maxretry: 2, bantime: "10m", logpath: log, backend: "file" } } },
  });
  const hanging = new Hanging();
  const channel = new ReportChannel(
    hanging,
    { rate: { count: 100, per: "second" }, dailyCap: 100, sameAddressEvery: 900 },
    { initialMs: 10, maxMs: 10, giveUpAfterMs: 1000 },
    systemClock,
    silentLogger,
  );
  const reports = new Reports(
    [channel],
    new Eligible({ hostname: "web1", ignore: [], own: ["192.0.2.1"], reportDocumentationRanges: true }),
    new CommentScrubber({ hostnames: ["web1"], addresses: ["192.0.2.1"], users: ["alice"] }),
    silentLogger,
  );
  const notifier = await Notifier.create({}, silentLogger, run, 10, reports);
  const kernel = new MemoryEnforcer();
  const state = GuardState.open(path.join(dir, "state.db"), silentLogger);
  const daemon = new GuardDaemon({
    policy,
    fs: new HostFs("/"),
    clock: systemClock,
    log: silentLogger,
    state,
    enforcer: kernel,
    notifier,
    hostname: "web1",
    socketPath: path.join(dir, "guard.sock"),
  });
  await daemon.start();
  try {
    appendFileSync(log, fail("198.51.100.7", "alice") + fail("198.51.100.7", "alice"));
    await until(() => kernel.kernel.has("198.51.100.7"));
    await until(() => hanging.got.length === 1);
    const r = hanging.got[0] as Report;
    assert.equal(r.address, "198.51.100.7");
    assert.match(r.comment, /^\S+ \[this host\] sshd\[4242\]: Failed password for \[user\] from 198\.51\.100\.7 port 50000 ssh2$/m);
    assert.doesNotMatch(r.comment, /alice|web1/);

    // the reporter never answered: the next ban lands all the same
    appendFileSync(log, fail("198.51.100.8", "root") + fail("198.51.100.8", "root"));
    await until(() => kernel.kernel.has("198.51.100.8"));

    // received from the fleet, and by hand: banned, never reported
    const now = Date.now();
    const refused = await daemon.receive([
      {
        uid: "web2-1",
        action: "ban",
        target: "198.51.100.9",
        jail: "sshd",
        reason: "3 failures",
        origin: "web2",
        node: "n2",
        startedAt: now,
        expiresAt: now + 600_000,
        offense: 1,
      },
    ]);
    assert.equal(refused, 0);
    await daemon.ban("198.51.100.10", "manual", 600);
    assert.ok(kernel.kernel.has("198.51.100.9") && kernel.kernel.has("198.51.100.10"));
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      hanging.got.map((x) => x.address),
      ["198.51.100.7"],
      "198.51.100.8 waits behind the hanging report; .9 (fleet) and .10 (by hand) are never offered",
    );
    const st = daemon.status().reports;
    assert.equal(st?.skipped, 2);
    assert.deepEqual(
      st?.reporters.map((c) => [c.name, c.sent, c.queued]),
      [["hanging", 0, 2]],
    );
  } finally {
    reports.close();
    await daemon.stop();
    state.close();
  }
});
