// The transaction against an image under --root (no timer, no reloads): the ssh part for real (its files,
// its preflight), and a fake part with a kernel change, to pin down the Part contract the firewall uses.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { FakeClock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { policySchema, type PolicyInput } from "../policy/schema.js";
import { run } from "../system/exec.js";
import { HostFs } from "../system/hostfs.js";
import { readManifest } from "./backup.js";
import { sshPart } from "./parts/ssh.js";
import { hasTopInclude, redirectIncludes, withTopInclude } from "./parts/sshd-view.js";
import { mergeKeys } from "./parts/users.js";
import type { Part, PartContext } from "./plan.js";
import { preparePlan } from "./prepare.js";
import type { SessionInfo } from "./session.js";
import { applyPlan, rollbackById } from "./transaction.js";

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
