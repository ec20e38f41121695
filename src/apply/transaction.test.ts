// The transaction against an image under --root (no timer, no reloads): the ssh part for real (its files,
// its preflight), and a fake part with a kernel change, to pin down the Part contract the firewall uses.
import assert from "node:assert/strict";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { policySchema, type PolicyInput } from "../policy/schema.js";
import { run } from "../system/exec.js";
import { HostFs } from "../system/hostfs.js";
import { createBackup, newApplyId, readManifest, setState } from "./backup.js";
import { claimPending, writePending } from "./pending.js";
import { sshPart } from "./parts/ssh.js";
import { hasTopInclude, redirectIncludes, withTopInclude } from "./parts/sshd-view.js";
import { mergeKeys } from "./parts/users.js";
import type { Part, PartContext } from "./plan.js";
import { preparePlan } from "./prepare.js";
import { currentSession, type SessionInfo } from "./session.js";
import { applyPlan, confirmPending, rollbackById, waitForConfirm } from "./transaction.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPojtccRPKlyAZkIye1AzMcX+18wCoyl2sx35bHsMCSe alice@laptop";
const MAIN = "# Debian-like main file without an Include\nPort 22\nUsePAM yes\n";

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "rampart-tx-"));
  mkdirSync(path.join(root, "etc/ssh"), { recursive: true });
  mkdirSync(path.join(root, "home/alice/.ssh"), { recursive: true });
  writeFileSync(path.join(root, "etc/ssh/sshd_config"), MAIN);
  writeFileSync(
    path.join(root, "etc/passwd"),
    "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n",
  );
  writeFileSync(path.join(root, "etc/group"), "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function ctxFor(policy: PolicyInput, session: SessionInfo = {}): PartContext {
  return {
    fs: new HostFs(root),
    run,
    policy: policySchema.parse(policy),
    log: silentLogger,
    clock: new FakeClock(Date.now()),
    live: false,
    session,
  };
}

const opts = { confirmTimeoutSec: 120, self: ["/bin/false"], cwd: "/" };

test("Include edit: one line added at the top, every other byte kept", () => {
  const crlf = "# x\r\nPort 22\r\n";
  assert.equal(withTopInclude(crlf), `Include /etc/ssh/sshd_config.d/*.conf\n${crlf}`);
  assert.equal(hasTopInclude("# c\nInclude /etc/ssh/sshd_config.d/*.conf\nPort 22\n"), true);
  assert.equal(hasTopInclude("Port 22\nInclude /etc/ssh/sshd_config.d/*.conf\n"), false, "an Include after a directive is not at the top");
  assert.equal(hasTopInclude("Include sshd_config.d/*\n"), true, "relative to /etc/ssh");
  assert.equal(
    redirectIncludes("Include /etc/ssh/sshd_config.d/*.conf /etc/other/*.conf\nPort 22\n", "/tmp/c"),
    "Include /tmp/c/etc/ssh/sshd_config.d/*.conf /etc/other/*.conf\nPort 22\n",
  );
});

test("authorized_keys: existing keys kept, a key already there (other comment) not added twice", () => {
  const current = `${KEY.replace("alice@laptop", "old comment")}\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other`;
  assert.equal(mergeKeys(current, [KEY]), `${current}\n`);
  assert.equal(mergeKeys(undefined, [KEY, KEY]), `${KEY}\n`);
});

test("plan → apply (image: committed at once) → second plan is empty, mtimes kept → rollback restores bytes", async () => {
  const ctx = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { allowUsers: ["alice"] } });
  const plan = await preparePlan(ctx, [sshPart]);
  assert.deepEqual(plan.refusals, []);
  assert.deepEqual(
    plan.changes.map((c) => (c.kind === "file" ? c.path : c.kind)),
    ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/00-rampart.conf"],
  );
  const r = await applyPlan(ctx, [sshPart], plan, opts);
  assert.equal(r.deadline, undefined);
  assert.equal((await readManifest(ctx.fs, r.id)).state, "committed");
  const main = readFileSync(path.join(root, "etc/ssh/sshd_config"), "utf8");
  assert.equal(main, `Include /etc/ssh/sshd_config.d/*.conf\n${MAIN}`);
  assert.match(readFileSync(path.join(root, "etc/ssh/sshd_config.d/00-rampart.conf"), "utf8"), /^PasswordAuthentication no$/m);
  // idempotence
  const mtimes = ["etc/ssh/sshd_config", "etc/ssh/sshd_config.d/00-rampart.conf"].map((f) => statSync(path.join(root, f)).mtimeMs);
  const again = await preparePlan(ctx, [sshPart]);
  assert.deepEqual(again.changes, []);
  assert.deepEqual(
    ["etc/ssh/sshd_config", "etc/ssh/sshd_config.d/00-rampart.conf"].map((f) => statSync(path.join(root, f)).mtimeMs),
    mtimes,
  );
  // rollback by ID
  await rollbackById(ctx, [sshPart], r.id, false);
  assert.equal(readFileSync(path.join(root, "etc/ssh/sshd_config"), "utf8"), MAIN);
  assert.equal(existsSync(path.join(root, "etc/ssh/sshd_config.d")), false);
  assert.equal((await readManifest(ctx.fs, r.id)).state, "rolled-back");
});

test("preflight: passwords off while an admin has no key → refused, nothing written", async () => {
  const ctx = ctxFor({ admins: [{ name: "alice" }] });
  const plan = await preparePlan(ctx, [sshPart]);
  assert.equal(plan.refusals.length, 1);
  assert.match(plan.refusals[0]?.reason ?? "", /admin alice has no valid SSH key/);
  assert.equal(readFileSync(path.join(root, "etc/ssh/sshd_config"), "utf8"), MAIN);
  await assert.rejects(applyPlan(ctx, [sshPart], plan, opts), RampartError);
  // …but a key already on the host counts
  writeFileSync(path.join(root, "home/alice/.ssh/authorized_keys"), `${KEY}\n`);
  assert.deepEqual((await preparePlan(ctx, [sshPart])).refusals, []);
});

test("preflight: AllowUsers/AllowGroups that exclude an admin or the applying user", async () => {
  const ctx1 = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { allowUsers: ["bob"] } });
  assert.match((await preparePlan(ctx1, [sshPart])).refusals.map((r) => r.reason).join("\n"), /AllowUsers bob does not list alice/);
  const ctx2 = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { allowUsers: ["alice"] } }, { user: "bob" });
  assert.match(
    (await preparePlan(ctx2, [sshPart])).refusals.map((r) => r.reason).join("\n"),
    /you \(bob, applying this\) could not log in/,
  );
  const ctx3 = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { allowGroups: ["sudo"] } }, { user: "bob" });
  assert.match(
    (await preparePlan(ctx3, [sshPart])).refusals.map((r) => r.reason).join("\n"),
    /AllowGroups sudo does not include any group of bob/,
  );
  const ok = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { allowGroups: ["sudo"] } }, { user: "alice" });
  assert.deepEqual((await preparePlan(ok, [sshPart])).refusals, []);
});

test("preflight: the session's own login method removed (password session, no key for that user)", async () => {
  const session = { user: "bob", sshConnection: "198.51.100.7 50000 192.0.2.10 22" };
  const ctx = ctxFor({ admins: [{ name: "alice", keys: [KEY] }] }, session);
  assert.match(
    (await preparePlan(ctx, [sshPart])).refusals.map((r) => r.reason).join("\n"),
    /your session \(bob\) logged in without a key/,
  );
  const rootSession = ctxFor(
    { admins: [{ name: "alice" }], ssh: { passwordAuthentication: true } },
    { user: "root", sshConnection: "x 1 y 22" },
  );
  assert.match(
    (await preparePlan(rootSession, [sshPart])).refusals.map((r) => r.reason).join("\n"),
    /logged in as root, root logins would be turned off/,
  );
});

test("the Part contract: a kernel change is snapshotted, applied, and restored through the part on rollback", async () => {
  let state = "old ruleset";
  const fw: Part = {
    name: "firewall",
    needsConfirm: true,
    plan: async () => ({
      changes: [
        {
          kind: "kernel",
          part: "firewall",
          key: "nft",
          summary: "replace table inet rampart",
          detail: "table inet rampart { … }",
          snapshot: async () => state,
          apply: async () => {
            state = "new ruleset";
          },
        },
      ],
      notes: [],
    }),
    preflight: async () => [],
    validate: async () => ({ refusals: [], notes: [] }),
    reload: async () => {},
    restore: async (_ctx, key, snapshot) => {
      assert.equal(key, "nft");
      state = snapshot;
    },
  };
  const ctx = ctxFor({});
  const plan = await preparePlan(ctx, [fw]);
  const r = await applyPlan(ctx, [fw], plan, opts);
  assert.equal(state, "new ruleset");
  await rollbackById(ctx, [fw], r.id, false);
  assert.equal(state, "old ruleset");
});

test("a failing change restores everything made before it", async () => {
  const failing: Part = {
    name: "users",
    needsConfirm: false,
    plan: async () => ({
      changes: [
        {
          kind: "file",
          part: "users",
          path: "/etc/ssh/sshd_config",
          content: "changed\n",
          mode: 0o644,
          owner: { user: "root", group: "root" },
          before: MAIN,
          reason: "t",
        },
        { kind: "command", part: "users", argv: ["false"], reason: "fails", touches: [], creates: [] },
      ],
      notes: [],
    }),
    preflight: async () => [],
    validate: async () => ({ refusals: [], notes: [] }),
    reload: async () => {},
  };
  const ctx = ctxFor({});
  await assert.rejects(applyPlan(ctx, [failing], await preparePlan(ctx, [failing]), opts), /apply failed while making "false"/);
  assert.equal(readFileSync(path.join(root, "etc/ssh/sshd_config"), "utf8"), MAIN);
});

// ---- ssh.mfa: the plan in an image, and the confirm that must have passed the second factor

const PAM = "# PAM configuration for the Secure Shell service\n\n@include common-auth\naccount required pam_nologin.so\n";
const IS_ROOT = process.getuid?.() === 0;

function mfaImage(o: { enrolled: boolean; installed: boolean }): void {
  mkdirSync(path.join(root, "etc/pam.d"), { recursive: true });
  writeFileSync(path.join(root, "etc/pam.d/sshd"), PAM);
  writeFileSync(path.join(root, "etc/shadow"), "root:!:19000::::::\nalice:!:19000::::::\nbob:!:19000::::::\n");
  mkdirSync(path.join(root, "var/lib/dpkg"), { recursive: true });
  writeFileSync(
    path.join(root, "var/lib/dpkg/status"),
    `Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\n\n${o.installed ? "Package: libpam-google-authenticator\nStatus: install ok installed\nVersion: 20191231-2\n\n" : ""}`,
  );
  mkdirSync(path.join(root, "usr/bin"), { recursive: true });
  writeFileSync(path.join(root, "usr/bin/apt-get"), "");
  if (o.enrolled) {
    const f = path.join(root, "home/alice/.google_authenticator");
    writeFileSync(f, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n" TOTP_AUTH\n12345678\n', { mode: 0o400 });
    if (IS_ROOT) chownSync(f, 1000, 1000);
  }
}

test("ssh.mfa totp plan: install the PAM module first, then the PAM block and AuthenticationMethods; off again removes the block", {
  skip: !IS_ROOT && "needs root to give the secret its owner",
}, async () => {
  mfaImage({ enrolled: true, installed: false });
  const ctx = ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { mfa: "totp" } });
  const plan = await preparePlan(ctx, [sshPart]);
  assert.deepEqual(plan.refusals, []);
  assert.deepEqual(
    plan.changes.map((c) => (c.kind === "file" ? c.path : c.kind === "command" ? c.argv.join(" ") : c.kind)),
    [
      `chroot ${root} apt-get install -y libpam-google-authenticator`,
      "/etc/pam.d/sshd",
      "/etc/ssh/sshd_config",
      "/etc/ssh/sshd_config.d/00-rampart.conf",
    ],
  );
  const dropIn = plan.changes.find((c) => c.kind === "file" && c.path.endsWith("00-rampart.conf"));
  assert.ok(dropIn?.kind === "file");
  assert.match(dropIn.content ?? "", /^KbdInteractiveAuthentication yes$/m);
  assert.match(dropIn.content ?? "", /^PasswordAuthentication no$/m);
  assert.match(dropIn.content ?? "", /^AuthenticationMethods publickey,keyboard-interactive:pam$/m);
  assert.match(dropIn.content ?? "", /^ExposeAuthInfo yes$/m);
  assert.deepEqual(sshPart.confirmRequires?.(ctx), ["publickey", "keyboard-interactive"]);

  // with the package there: the files only; after applying them, turning mfa off removes the block byte for byte
  mfaImage({ enrolled: true, installed: true });
  const plan2 = await preparePlan(ctx, [sshPart]);
  assert.equal(plan2.changes.filter((c) => c.kind === "command").length, 0);
  await applyPlan(ctx, [sshPart], plan2, opts);
  assert.match(readFileSync(path.join(root, "etc/pam.d/sshd"), "utf8"), /pam_google_authenticator\.so/);
  const off = await preparePlan(ctxFor({ admins: [{ name: "alice", keys: [KEY] }] }), [sshPart]);
  const pam = off.changes.find((c) => c.kind === "file" && c.path === "/etc/pam.d/sshd");
  assert.ok(pam?.kind === "file");
  assert.equal(pam.content, PAM);
});

test("ssh.mfa preflight: an unenrolled admin, and a password mode without a password, are refused", async () => {
  mfaImage({ enrolled: false, installed: true });
  mkdirSync(path.join(root, "home/bob/.ssh"), { recursive: true });
  writeFileSync(path.join(root, "home/bob/.ssh/authorized_keys"), `${KEY.replace("alice@laptop", "bob")}\n`);
  const totp = await preparePlan(ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { mfa: "totp" } }), [sshPart]);
  assert.match(totp.refusals.map((r) => r.reason).join("\n"), /alice is not enrolled \(no \/home\/alice\/\.google_authenticator\)/);
  assert.match(totp.refusals.map((r) => r.fix).join("\n"), /rampart mfa enroll alice/);
  assert.match(totp.notes.map((n) => n.message).join("\n"), /not enrolled, so refused at login once the code is required: bob /);
  const pw = await preparePlan(ctxFor({ admins: [{ name: "alice", keys: [KEY] }], ssh: { mfa: "password" } }), [sshPart]);
  assert.match(pw.refusals.map((r) => r.reason).join("\n"), /alice has no usable password/);
});

/** An apply of `parts` waiting for its confirm since `liveAt` (its changes made, the manifest "pending"). */
async function pendingApply(ctx: PartContext, o: { parts: string[]; session: SessionInfo; liveAt: number; confirmRequires?: string[] }) {
  const id = newApplyId(o.liveAt);
  const m = await createBackup(ctx.fs, { id, parts: o.parts, files: [], dirs: [], kernel: [], now: o.liveAt - 2000 });
  await writePending(ctx.fs, {
    version: 1,
    id,
    deadline: o.liveAt + 60_000,
    armedAt: o.liveAt - 1000,
    timeoutSec: 60,
    parts: o.parts,
    session: o.session,
    timer: { kind: "none" },
    ...(o.confirmRequires ? { confirmRequires: o.confirmRequires } : {}),
  });
  await setState(ctx.fs, m, "pending", o.liveAt);
  return id;
}

test("confirm of an apply that requires a second factor: refused unless this login passed it", async () => {
  const ctx = ctxFor({});
  const liveAt = Date.now() - 10_000;
  const then: SessionInfo = { sshConnection: "203.0.113.10 40000 192.0.2.10 22" };
  const id = await pendingApply(ctx, { parts: ["ssh"], session: then, liveAt, confirmRequires: ["publickey", "keyboard-interactive"] });
  // a login opened after the apply (its sshd younger than the changes)
  const other = { sshConnection: "203.0.113.10 40001 192.0.2.10 22", sshd: { pid: 4242, start: "900", startedAt: liveAt + 5000 } };
  await assert.rejects(confirmPending(ctx, { ...other, authMethods: ["publickey"] }, false), (e: RampartError) => {
    assert.equal(e.code, "REFUSED");
    assert.match(e.message, /logged in with publickey, without keyboard-interactive/);
    return true;
  });
  await assert.rejects(confirmPending(ctx, other, false), /does not show which methods its login passed/);
  assert.equal(await confirmPending(ctx, { ...other, authMethods: ["publickey", "keyboard-interactive"] }, false), id);
  assert.equal((await readManifest(ctx.fs, id)).state, "confirmed");
});

// The review's case: the admin applies from session A and keeps session B, opened earlier, as a safety net.
// B is another connection (other SSH_CONNECTION, other sshd), but it was let in before the new rules: its
// confirm proves nothing about new logins. Sessions are read through currentSession from a fake /proc.
test("confirm from an ssh login opened before the apply went live is refused; a login opened after it is taken", async () => {
  const ctx = ctxFor({});
  const boot = Date.now() - 3_600_000; // the machine booted an hour ago; USER_HZ 1024 (alpha) to show it is read, not assumed
  const hz = 1024;
  const auxv = Buffer.from(new BigUint64Array([6n, 4096n, 17n, BigInt(hz), 0n, 0n]).buffer).toString("latin1");
  // uptimeS: what /proc/uptime says (under lxcfs, the container's age; btime and the start ticks stay the host's)
  const session = (conn: string, sshdPid: number, sshdComm: string, startedMs: number, uptimeS = (Date.now() - boot) / 1000) =>
    currentSession(
      { SSH_CONNECTION: conn, SUDO_USER: "alice" },
      {
        read: (p) =>
          ({
            "/proc/500/stat": `500 (node) S 400 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${hz * 3599} 0`,
            "/proc/400/stat": `400 (sudo) S ${sshdPid} 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${hz * 3599} 0`,
            "/proc/400/environ": "",
            [`/proc/${sshdPid}/stat`]: `${sshdPid} (${sshdComm}) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${Math.round(((startedMs - boot) * hz) / 1000)} 0`,
            "/proc/self/auxv": auxv,
            "/proc/stat": `cpu  1 2 3 4 5 6 7 0 0 0\nbtime ${Math.floor(boot / 1000)}\nprocesses 9\n`,
            "/proc/uptime": `${uptimeS.toFixed(2)} 100.00\n`,
            "/proc/self/sessionid": "4294967295",
          })[p],
      },
      500,
    );
  const liveAt = Date.now() - 60_000;
  const a = session("198.51.100.5 50000 192.0.2.1 22", 100, "sshd", liveAt - 600_000);
  const b = session("198.51.100.5 49000 192.0.2.1 22", 90, "sshd", liveAt - 1_200_000);
  const id = await pendingApply(ctx, { parts: ["firewall"], session: a, liveAt });
  assert.ok(Math.abs((b.sshd?.startedAt ?? 0) - (liveAt - 1_200_000)) < 50, "the start, to the tick");
  await assert.rejects(confirmPending(ctx, b, false), (e: RampartError) => {
    assert.equal(e.code, "REFUSED");
    assert.match(e.message, /from an ssh login opened before its changes went live/);
    assert.match(e.hint ?? "", /NEW ssh session .* --allow-same-session/);
    return true;
  });
  // in an LXC container under lxcfs, /proc/uptime is the container's age (here 10 min): B still looks as old as it is
  const lxc = session("198.51.100.5 49000 192.0.2.1 22", 90, "sshd", liveAt - 1_200_000, 600);
  assert.ok(Math.abs((lxc.sshd?.startedAt ?? 0) - (liveAt - 1_200_000)) <= 1000, `${lxc.sshd?.startedAt} vs ${liveAt - 1_200_000}`);
  await assert.rejects(confirmPending(ctx, lxc, false), /opened before/);
  // opened during the apply (after armedAt, before the changes were live): refused too
  await assert.rejects(confirmPending(ctx, session("198.51.100.5 49500 192.0.2.1 22", 95, "sshd", liveAt - 500), false), /opened before/);
  // no sshd above this command (a console, a tmux or screen session, whose server is not under sshd): the start is unknown
  await assert.rejects(confirmPending(ctx, { sshConnection: "198.51.100.5 1 192.0.2.1 22" }, false), /cannot tell when this login started/);
  assert.equal((await readManifest(ctx.fs, id)).state, "pending");
  assert.ok(existsSync(path.join(root, "var/lib/rampart/pending.json")), "still pending after the refusals");
  // a login opened after the apply, under OpenSSH ≥ 9.8's sshd-session: taken
  const c = session("198.51.100.5 51000 192.0.2.1 22", 110, "sshd-session", liveAt + 20_000);
  assert.equal(c.sshd?.pid, 110);
  assert.ok(Math.abs((c.sshd?.startedAt ?? 0) - (liveAt + 20_000)) < 50, `startedAt ${c.sshd?.startedAt} vs ${liveAt + 20_000}`);
  assert.equal(await confirmPending(ctx, c, false), id);
  assert.equal((await readManifest(ctx.fs, id)).state, "confirmed");
});

test("confirm: --allow-same-session takes an old login; an apply still making its changes is refused", async () => {
  const ctx = ctxFor({});
  const liveAt = Date.now() - 10_000;
  const old = { sshConnection: "198.51.100.5 49000 192.0.2.1 22", sshd: { pid: 90, start: "5", startedAt: liveAt - 60_000 } };
  const id = await pendingApply(ctx, { parts: ["firewall"], session: {}, liveAt });
  await setState(ctx.fs, await readManifest(ctx.fs, id), "applying", liveAt - 500);
  const fresh = { ...old, sshd: { pid: 91, start: "9", startedAt: liveAt + 1000 } };
  await assert.rejects(confirmPending(ctx, fresh, false), /is applying, not yet waiting for its confirm/);
  assert.equal(await confirmPending(ctx, old, true), id);
});

test("foreground wait: a timer rollback that died half-way is finished, not reported as done", async () => {
  let state = "new ruleset";
  const fw: Part = {
    name: "firewall",
    needsConfirm: true,
    plan: async () => ({ changes: [], notes: [] }),
    preflight: async () => [],
    validate: async () => ({ refusals: [], notes: [] }),
    reload: async () => {},
    restore: async (_ctx, _key, snapshot) => {
      state = snapshot;
    },
  };
  const ctx = ctxFor({});
  const clock = ctx.clock as FakeClock;
  const id = newApplyId(clock.now());
  const m = await createBackup(ctx.fs, {
    id,
    parts: ["firewall"],
    files: [],
    dirs: [],
    kernel: [{ part: "firewall", key: "nft", snapshot: "old ruleset" }],
    now: clock.now(),
  });
  await writePending(ctx.fs, {
    version: 1,
    id,
    deadline: clock.now() + 3000,
    armedAt: clock.now(),
    timeoutSec: 3,
    parts: ["firewall"],
    session: {},
    timer: { kind: "none" },
  });
  await setState(ctx.fs, m, "pending", clock.now());
  // the timer claimed it (rollback.json) and was killed before restoring anything
  assert.ok(await claimPending(ctx.fs, "rollback", id));
  const outcome = await waitForConfirm(ctx, [fw], id, clock.now() + 3000, async (ms) => clock.advance(ms));
  assert.equal(outcome, "rolled-back");
  assert.equal(state, "old ruleset", "the ruleset is really restored");
  assert.equal((await readManifest(ctx.fs, id)).state, "rolled-back");
  assert.equal(existsSync(path.join(root, "var/lib/rampart/rollback.json")), false, "the claim is released");
});

test("boot hook: a host with no systemd and no /etc/cron.d refuses an apply that needs a confirm, before any change", async () => {
  let state = "old ruleset";
  const fw: Part = {
    name: "firewall",
    needsConfirm: true,
    plan: async () => ({
      changes: [
        {
          kind: "kernel",
          part: "firewall",
          key: "nft",
          summary: "replace table inet rampart",
          detail: "",
          snapshot: async () => state,
          apply: async () => {
            state = "new ruleset";
          },
        },
      ],
      notes: [],
    }),
    preflight: async () => [],
    validate: async () => ({ refusals: [], notes: [] }),
    reload: async () => {},
    restore: async (_ctx, _key, snapshot) => {
      state = snapshot;
    },
  };
  const ctx = { ...ctxFor({}), live: true }; // a live host (under a root: systemd is not running there)
  const plan = await preparePlan(ctx, [fw]);
  await assert.rejects(applyPlan(ctx, [fw], plan, opts), (e: RampartError) => {
    assert.equal(e.code, "REFUSED");
    assert.match(e.message, /no place for the boot hook .* \(no systemd, no \/etc\/cron\.d\)/);
    assert.match(e.hint ?? "", /cron/);
    return true;
  });
  assert.equal(state, "old ruleset", "nothing changed");
  assert.equal(existsSync(path.join(root, "var/lib/rampart/pending.json")), false, "no pending apply left behind");
  assert.equal(existsSync(path.join(root, "etc/cron.d")) || existsSync(path.join(root, "etc/systemd")), false);
});

test("the session's methods come from SSH_USER_AUTH of the session's first process (under sshd), not a later one", () => {
  const files: Record<string, string> = {
    "/proc/300/stat": "300 (node) S 200 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9000 0 0",
    "/proc/200/stat": "200 (sudo) S 100 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 8000 0 0",
    "/proc/200/environ": "PATH=/usr/bin\0SSH_USER_AUTH=/tmp/forged\0",
    "/tmp/forged": "publickey\nkeyboard-interactive\npassword\n",
    "/proc/100/stat": "100 (bash) S 50 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7000 0 0",
    "/proc/100/environ": "SSH_CONNECTION=203.0.113.10 40000 192.0.2.10 22\0SSH_USER_AUTH=/tmp/sshauth.abc\0USER=alice\0",
    "/proc/50/stat": "50 (sshd) S 1 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 6000 0 0",
    "/tmp/sshauth.abc": "publickey ssh-ed25519 AAAAC3Nza…\nkeyboard-interactive/pam\n",
  };
  const s = currentSession({ SUDO_USER: "alice" }, { read: (p) => files[p] }, 300);
  assert.deepEqual(s.authMethods, ["publickey", "keyboard-interactive"]);
  assert.equal(s.user, "alice");
});
