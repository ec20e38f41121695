import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { FakeClock } from "../core/clock.js";
import type { RampartError } from "../core/errors.js";
import { compareSessions, currentSession, parseStat } from "./session.js";
import { HostFs } from "../system/hostfs.js";
import {
  BOOT_CRON,
  BOOT_UNIT,
  BOOT_UNIT_LINK,
  bootCronText,
  bootDecision,
  bootUnitText,
  installBootHook,
  removeBootHook,
  waitForDeadline,
} from "./timer.js";

test("waitForDeadline: reaches the deadline without real time", async () => {
  const clock = new FakeClock(0);
  const slept: number[] = [];
  const r = await waitForDeadline(
    clock,
    async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    3000,
    async () => false,
    500,
  );
  assert.equal(r, "deadline");
  assert.equal(clock.now(), 3000);
  assert.equal(slept.length, 6);
});

test("waitForDeadline: stops as soon as the apply is settled (confirmed)", async () => {
  const clock = new FakeClock(0);
  let polls = 0;
  const r = await waitForDeadline(
    clock,
    async (ms) => clock.advance(ms),
    120_000,
    async () => ++polls > 3,
    1000,
  );
  assert.equal(r, "settled");
  assert.equal(clock.now(), 3000);
});

test("waitForDeadline: a past deadline returns at once; last sleep is clipped", async () => {
  const clock = new FakeClock(10_000);
  assert.equal(
    await waitForDeadline(
      clock,
      async () => assert.fail("no sleep"),
      5000,
      async () => false,
    ),
    "deadline",
  );
  const slept: number[] = [];
  await waitForDeadline(
    clock,
    async (ms) => {
      slept.push(ms);
      clock.advance(ms);
    },
    11_200,
    async () => false,
    500,
  );
  assert.deepEqual(slept, [500, 500, 200]);
});

test("boot decision: roll back an expired apply, re-arm the rest", () => {
  assert.deepEqual(bootDecision({ deadline: 1000 }, 1000), { action: "rollback" });
  assert.deepEqual(bootDecision({ deadline: 1000 }, 5000), { action: "rollback" });
  assert.deepEqual(bootDecision({ deadline: 61_000 }, 1000), { action: "rearm", remainingMs: 60_000 });
});

test("sessions: SSH_CONNECTION first, then the sshd ancestor, then the audit session", () => {
  const a = { sshConnection: "198.51.100.7 50000 192.0.2.10 22" };
  assert.equal(compareSessions(a, { sshConnection: "198.51.100.7 50000 192.0.2.10 22" }), "same");
  assert.equal(compareSessions(a, { sshConnection: "198.51.100.7 50001 192.0.2.10 22" }), "different");
  assert.equal(compareSessions({ sshd: { pid: 10, start: "5" } }, { sshd: { pid: 10, start: "5" } }), "same");
  assert.equal(compareSessions({ sshd: { pid: 10, start: "5" } }, { sshd: { pid: 11, start: "9" } }), "different");
  assert.equal(compareSessions({ auditSession: 3 }, { auditSession: 4 }), "different");
  assert.equal(compareSessions({}, {}), "unknown");
  assert.equal(compareSessions({}, { sshConnection: "198.51.100.7 1 192.0.2.10 22" }), "different", "console apply, ssh confirm");
  assert.equal(compareSessions({ sshConnection: "198.51.100.7 1 192.0.2.10 22" }, {}), "unknown", "ssh apply, local confirm");
});

test("session: the per-connection sshd ancestor and SSH_CONNECTION of a parent (sudo drops it)", () => {
  const files: Record<string, string> = {
    "/proc/300/stat": "300 (node) S 200 300 300 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9000 0",
    "/proc/200/stat": "200 (sudo) S 100 200 200 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 8000 0",
    "/proc/200/environ": "",
    "/proc/100/stat": "100 (bash) S 50 100 100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7000 0",
    "/proc/100/environ": "USER=alice\0SSH_CONNECTION=198.51.100.7 50000 192.0.2.10 22\0",
    "/proc/50/stat": "50 (sshd) S 1 50 50 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 6000 0",
    "/proc/self/sessionid": "4294967295",
  };
  const s = currentSession({ SUDO_USER: "alice" }, { read: (p) => files[p] }, 300);
  assert.equal(s.user, "alice");
  assert.equal(s.sshConnection, "198.51.100.7 50000 192.0.2.10 22");
  assert.equal(s.clientAddr, "198.51.100.7");
  assert.deepEqual(s.sshd, { pid: 50, start: "6000" });
  assert.equal(s.auditSession, undefined);
  assert.deepEqual(parseStat("7 (a) b) R 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0"), { comm: "a) b", ppid: 3, start: "42" });
});

test("boot hook: the unit passes systemd-analyze verify; the cron line quotes", (t) => {
  const probe = spawnSync("systemd-analyze", ["--version"]);
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-unit-"));
  try {
    const unit = bootUnitText([process.execPath, "/opt/ramp art/bin/rampart.js"], "/");
    assert.match(unit, /^ExecStart=\S+ "\/opt\/ramp art\/bin\/rampart.js" rollback --rearm$/m);
    assert.match(bootCronText([process.execPath, "/opt/ramp art/x.js"], "/"), /'\/opt\/ramp art\/x.js' rollback --rearm/);
    if (probe.error) {
      t.skip("systemd-analyze not installed");
      return;
    }
    mkdirSync(path.join(dir, "opt/ramp art/bin"), { recursive: true });
    const file = path.join(dir, "rampart-rollback.service");
    writeFileSync(file, bootUnitText([process.execPath, path.join(dir, "x.js")], "/"));
    writeFileSync(path.join(dir, "x.js"), "");
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
    const problems = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.includes("rampart-rollback.service"));
    assert.deepEqual(problems, [], `systemd-analyze verify complained:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Every path under dir with its kind, mode and contents (or link target). */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${p}/ ${(st.mode & 0o7777).toString(8)}`);
        walk(p);
      } else out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${readFileSync(p, "utf8")}`);
    }
  };
  walk(dir);
  return out;
}

test("boot hook: installed while pending, removed without a trace; a foreign file of the same name is kept", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-hook-"));
  try {
    mkdirSync(path.join(root, "etc/systemd/system"), { recursive: true });
    mkdirSync(path.join(root, "etc/cron.d"), { recursive: true });
    writeFileSync(path.join(root, "etc/cron.d/other"), "# someone else's\n");
    const before = snapshot(root);
    const fs = new HostFs(root);
    await installBootHook(fs, [process.execPath, "/opt/rampart/bin/rampart.js"], "/opt/rampart", false);
    assert.ok(existsSync(path.join(root, BOOT_UNIT)) && existsSync(path.join(root, BOOT_CRON)));
    assert.ok(lstatSync(path.join(root, BOOT_UNIT_LINK)).isSymbolicLink());
    assert.deepEqual((await removeBootHook(fs)).sort(), [BOOT_CRON, BOOT_UNIT, BOOT_UNIT_LINK].sort());
    assert.deepEqual(snapshot(root), before, "/etc must be exactly as before the hook");
    // not ours: left alone
    writeFileSync(path.join(root, BOOT_CRON), "@reboot root /usr/local/bin/mine\n");
    assert.deepEqual(await removeBootHook(fs), []);
    assert.ok(existsSync(path.join(root, BOOT_CRON)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("boot hook: a host with neither systemd nor /etc/cron.d gets a clear refusal, and nothing written", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-hook-"));
  try {
    mkdirSync(path.join(root, "etc/network/if-pre-up.d"), { recursive: true }); // ifupdown reloads the firewall at boot
    const before = snapshot(root);
    await assert.rejects(installBootHook(new HostFs(root), ["/usr/bin/rampart"], "/", false), (e: RampartError) => {
      assert.equal(e.code, "REFUSED");
      assert.match(e.message, /no place for the boot hook/);
      assert.match(e.hint ?? "", /apt-get install cron/);
      return true;
    });
    assert.deepEqual(snapshot(root), before);
    // /etc/cron.d alone is enough
    mkdirSync(path.join(root, "etc/cron.d"));
    assert.equal(await installBootHook(new HostFs(root), ["/usr/bin/rampart"], "/", false), BOOT_CRON);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("boot hook: skips with a log line when the rampart that installed it is gone", () => {
  const unit = bootUnitText([process.execPath, "/gone/bin/rampart.js"], "/gone");
  assert.match(unit, /^ConditionPathExists=\/gone\/bin\/rampart\.js$/m);
  assert.match(unit, /^WorkingDirectory=-\/gone$/m);
  const cron = bootCronText([process.execPath, "/gone/bin/rampart.js"], "/gone").split("\n")[2] ?? "";
  const line = cron.replace(/^@reboot root /, "").replace(/ >>\S+ 2>&1$/, "");
  const r = spawnSync("sh", ["-c", line], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rampart-rollback: .*\/gone\/bin\/rampart\.js is gone; boot hook skipped/);
});
