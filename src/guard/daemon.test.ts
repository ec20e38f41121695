// The daemon end to end without a kernel: a real log file followed by FileSource, the real sshd filter and
// jails, SQLite state, the control socket — and an in-memory enforcer standing in for nft (the lab tests
// prove the kernel part).
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { systemClock } from "../core/clock.js";
import { createLogger, silentLogger } from "../core/logger.js";
import { policySchema } from "../policy/schema.js";
import { HostFs } from "../system/hostfs.js";
import { callGuard } from "./control.js";
import { GuardDaemon } from "./daemon.js";
import { MemoryEnforcer } from "./enforce.js";
import { GuardState } from "./state.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-guard-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const iso = () => new Date().toISOString().replace("Z", "+00:00");
const fail = (ip: string, user = "admin", pid = 4242) =>
  `${iso()} web1 sshd[${pid}]: Failed password for invalid user ${user} from ${ip} port 50000 ssh2\n`;

function setup(name: string) {
  const log = path.join(dir, `${name}.log`);
  writeFileSync(log, "");
  const policy = policySchema.parse({
    guard: { ignore: ["127.0.0.0/8", "203.0.113.10"], jails: { sshd: { maxretry: 3, bantime: "10m", logpath: log, backend: "file" } } },
  });
  const socketPath = path.join(dir, `${name}.sock`);
  const stateFile = path.join(dir, `${name}.db`);
  const make = (enforcer: MemoryEnforcer) => {
    const state = GuardState.open(stateFile, silentLogger);
    const daemon = new GuardDaemon({ policy, fs: new HostFs("/"), clock: systemClock, log: silentLogger, state, enforcer, socketPath });
    return { daemon, state };
  };
  return { log, socketPath, make, policy };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("maxretry failures ban the source; the ignore list and other sources are untouched", async () => {
  const s = setup("ban");
  const kernel = new MemoryEnforcer();
  const { daemon, state } = s.make(kernel);
  await daemon.start();
  try {
    appendFileSync(s.log, fail("198.51.100.7") + fail("203.0.113.10") + fail("198.51.100.7"));
    appendFileSync(s.log, fail("203.0.113.10") + fail("203.0.113.10") + fail("198.51.100.8"));
    appendFileSync(s.log, fail("198.51.100.7"));
    await until(() => kernel.kernel.has("198.51.100.7"));
    assert.deepEqual([...kernel.kernel.keys()], ["198.51.100.7"]);
    const timeout = kernel.kernel.get("198.51.100.7") ?? 0;
    assert.ok(timeout > 590 && timeout <= 600, `timeout ${timeout}`);
    const bans = (await callGuard({ cmd: "bans" }, s.socketPath)) as { target: string; jail: string }[];
    assert.deepEqual(
      bans.map((b) => [b.target, b.jail]),
      [["198.51.100.7", "sshd"]],
    );
    const status = (await callGuard({ cmd: "status" }, s.socketPath)) as {
      lines: number;
      sources: { state: string }[];
      latencyMs: { p99: number };
    };
    assert.equal(status.lines, 7);
    assert.equal(status.sources[0]?.state, "reading");
    assert.ok(status.latencyMs.p99 !== undefined);
    const metrics = (await callGuard({ cmd: "metrics" }, s.socketPath)) as string;
    assert.match(metrics, /rampart_guard_bans_total\{jail="sshd"\} 1/);
  } finally {
    await daemon.stop();
    state.close();
  }
});

test("IPv6 sources are banned per /64; an injected address in the user name is never banned", async () => {
  const s = setup("v6");
  const kernel = new MemoryEnforcer();
  const { daemon, state } = s.make(kernel);
  await daemon.start();
  try {
    for (const host of ["2001:db8:bad::1", "2001:db8:bad::2", "2001:db8:bad::3"])
      appendFileSync(s.log, fail(host, "from 192.0.2.1 port 22"));
    await until(() => kernel.kernel.size > 0);
    assert.deepEqual([...kernel.kernel.keys()], ["2001:db8:bad::/64"]);
  } finally {
    await daemon.stop();
    state.close();
  }
});

test("a restart restores bans from the state into the kernel; unban lifts them everywhere", async () => {
  const s = setup("restart");
  const first = s.make(new MemoryEnforcer());
  await first.daemon.start();
  await callGuard({ cmd: "ban", target: "198.51.100.99", jail: "sshd", seconds: 3600 }, s.socketPath);
  await first.daemon.stop();
  first.state.close();

  const kernel = new MemoryEnforcer(); // e.g. after a reboot: the kernel set is empty
  const second = s.make(kernel);
  await second.daemon.start();
  try {
    assert.ok(kernel.kernel.has("198.51.100.99"), "restored at start");
    assert.equal(kernel.calls, 1, "restored in one batch");
    await assert.rejects(callGuard({ cmd: "unban", target: "198.51.100.1" }, s.socketPath), /is not banned/);
    await callGuard({ cmd: "unban", target: "198.51.100.99" }, s.socketPath);
    assert.equal(kernel.kernel.size, 0);
    assert.deepEqual(await callGuard({ cmd: "bans" }, s.socketPath), []);
  } finally {
    await second.daemon.stop();
    second.state.close();
  }
});

test("a corrupt state database is moved aside and the daemon starts fresh", async () => {
  const s = setup("corrupt");
  writeFileSync(path.join(dir, "corrupt.db"), "garbage ".repeat(500));
  const { daemon, state } = s.make(new MemoryEnforcer());
  await daemon.start();
  await daemon.stop();
  state.close();
  const { readdirSync } = await import("node:fs");
  assert.equal(readdirSync(dir).filter((n) => n.startsWith("corrupt.db.corrupt-")).length, 1);
});

test("restoring 10,000 bans is one enforcer call", async () => {
  const s = setup("many");
  const state = GuardState.open(path.join(dir, "many.db"), silentLogger);
  const now = Date.now();
  state.addBans(
    Array.from({ length: 10_000 }, (_, i) => ({
      target: `198.51.${100 + (i >> 8)}.${i & 255}`,
      jail: "sshd",
      reason: "t",
      origin: "h",
      startedAt: now,
      expiresAt: now + 3_600_000,
      offense: 1,
    })),
  );
  state.close();
  const kernel = new MemoryEnforcer();
  const { daemon, state: st } = s.make(kernel);
  await daemon.start();
  await daemon.stop();
  st.close();
  assert.equal(kernel.kernel.size, 10_000);
  assert.equal(kernel.calls, 1);
});

test("the sweep puts back bans the kernel lost (a firewall rollback replaced the set), quietly", async () => {
  const s = setup("sweep");
  const kernel = new MemoryEnforcer();
  const { daemon, state } = s.make(kernel);
  await daemon.start();
  try {
    await callGuard({ cmd: "ban", target: "198.51.100.42", jail: "sshd", seconds: 3600 }, s.socketPath);
    assert.equal(await daemon.sweep(), 0, "nothing lost yet");
    kernel.kernel.clear(); // what a rollback to a snapshot taken before the ban does
    assert.equal(await daemon.sweep(), 1);
    assert.ok(kernel.kernel.has("198.51.100.42"));
    const left = kernel.kernel.get("198.51.100.42") ?? 0;
    assert.ok(left > 3500 && left <= 3600, "with its remaining time");
  } finally {
    await daemon.stop();
    state.close();
  }
});

test("one big read: a ban goes to the kernel, and its answer is handled, while the rest of the read waits", async () => {
  const s = setup("slices");
  const kernel = new MemoryEnforcer();
  let linesAtApply: number | undefined;
  let linesAtLanded: number | undefined;
  const apply = kernel.apply.bind(kernel);
  kernel.apply = async (bans, remove) => {
    if (bans.length) linesAtApply ??= daemon.status().lines;
    return apply(bans, remove);
  };
  const state = GuardState.open(path.join(dir, "slices.db"), silentLogger);
  const log = createLogger({
    write: (l) => {
      if (l.includes("banned 198.51.100.50")) linesAtLanded ??= daemon.status().lines;
    },
  });
  const daemon = new GuardDaemon({
    policy: s.policy,
    fs: new HostFs("/"),
    clock: systemClock,
    log,
    state,
    enforcer: kernel,
    socketPath: s.socketPath,
  });
  await daemon.start();
  try {
    // three failures, then ~2,000 other lines: ~220 KB, one read of the file source
    const other = `${iso()} web1 CRON[77]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n`;
    const total = 3 + 2000;
    appendFileSync(s.log, fail("198.51.100.50").repeat(3) + other.repeat(2000));
    await until(() => daemon.status().lines === total && kernel.kernel.has("198.51.100.50"));
    assert.ok(linesAtApply !== undefined && linesAtApply < total / 2, `the ban reached the kernel after ${linesAtApply} of ${total} lines`);
    assert.ok(linesAtLanded !== undefined && linesAtLanded < total / 2, `the ban was seen landed after ${linesAtLanded} of ${total} lines`);
  } finally {
    await daemon.stop();
    state.close();
  }
});

test("the periodic sweep waits while a flood is read, runs at most maxDelay late, and resumes after", async () => {
  const s = setup("sweepflood");
  const sweeps: number[] = [];
  const kernel = new MemoryEnforcer();
  const list = kernel.list.bind(kernel);
  kernel.list = async () => {
    sweeps.push(performance.now());
    return list();
  };
  const state = GuardState.open(path.join(dir, "sweepflood.db"), silentLogger);
  const daemon = new GuardDaemon({
    policy: s.policy,
    fs: new HostFs("/"),
    clock: systemClock,
    log: silentLogger,
    state,
    enforcer: kernel,
    socketPath: s.socketPath,
    sweepSchedule: { everyMs: 100, floodLinesPerSec: 5_000, maxDelayMs: 1_000 },
  });
  await daemon.start();
  try {
    const other = `${iso()} web1 CRON[77]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n`;
    // quiet: a sweep every ~100 ms
    let t0 = performance.now();
    await new Promise((r) => setTimeout(r, 600));
    const quiet = sweeps.filter((t) => t >= t0).length;
    assert.ok(quiet >= 3, `${quiet} sweeps in 600 quiet ms`);
    // a flood of ~40,000 lines/s for 2.5 s: the sweep waits, but not more than a second
    t0 = performance.now();
    const flood = setInterval(() => appendFileSync(s.log, other.repeat(2000)), 50);
    await new Promise((r) => setTimeout(r, 2500));
    clearInterval(flood);
    const t1 = performance.now();
    const during = sweeps.filter((t) => t >= t0 + 300 && t < t1);
    assert.ok(during.length >= 1 && during.length <= 4, `${during.length} sweeps during the flood (quiet: one per 100 ms)`);
    // after it, sweeps resume
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(sweeps.filter((t) => t >= t1).length >= 2, "sweeps after the flood");
  } finally {
    await daemon.stop();
    state.close();
  }
});
