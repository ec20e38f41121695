// Part `updates` against fixture roots: the install command (chrooted under --root), the two APT drop-ins
// per distribution and policy, apt-config accepting them, the timers linked by the real `systemctl --root`,
// idempotence, `off`, a later file that would turn updates off again, and rollback.
import { auditContext } from "../../src/audit/run.js";
import type { PartContext } from "../../src/apply/plan.js";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { updUnattendedEnabled } from "../../src/audit/checks/updates/unattended.js";
import { ORIGINS_FILE, PERIODIC_FILE, parseOsRelease } from "../../src/apply/parts/unattended-config.js";
import { updatesPart } from "../../src/apply/parts/updates.js";
import { progressOf } from "../../src/apply/parts/upgrade.js";
import { renderPlan } from "../../src/apply/plan.js";
import { preparePlan } from "../../src/apply/prepare.js";
import { applyPlan, rollbackById } from "../../src/apply/transaction.js";
import { which } from "../../src/system/exec.js";
import { Root, UBUNTU_OS } from "./fixture.js";

/** The audit's context over the same host a part planned on (the check judges what apply wrote). */
const auditOf = (ctx: PartContext) =>
  auditContext({ fs: ctx.fs, run: ctx.run, live: ctx.live, policy: ctx.policy, policyFromFile: true, clock: ctx.clock, log: ctx.log });

/** apt's own ${name} syntax (not a template) */
const aptVar = (name: string) => ["$", "{", name, "}"].join("");
const opts = { confirmTimeoutSec: 120, self: ["/bin/false"], cwd: "/" };
const WANTS = "/etc/systemd/system/timers.target.wants";
let root: Root;
beforeEach(() => {
  root = new Root();
});
afterEach(() => root.remove());

test("a bare Debian image: install unattended-upgrades (in the image), both drop-ins, the timers — in that order", async () => {
  root.debian();
  const plan = await preparePlan(root.ctx(), [updatesPart]);
  assert.deepEqual(plan.refusals, []);
  assert.deepEqual(
    plan.changes.map((c) => (c.kind === "command" ? c.argv.join(" ") : c.kind === "file" ? c.path : c.kind)),
    [
      `chroot ${root.dir} apt-get install -y unattended-upgrades`,
      PERIODIC_FILE,
      ORIGINS_FILE,
      `systemctl --root ${root.dir} enable apt-daily.timer apt-daily-upgrade.timer`,
    ],
  );
  const text = renderPlan(plan);
  assert.match(text, /not undone by rollback: the package stays installed/);
  assert.match(text, /pending updates are not checked under --root/);
  const origins = plan.changes.find((c) => c.kind === "file" && c.path === ORIGINS_FILE);
  assert.ok(origins?.kind === "file");
  assert.match(origins.content ?? "", /"origin=Debian,codename=\$\{distro_codename\}-security,label=Debian-Security";/);
  assert.doesNotMatch(origins.content ?? "", /Automatic-Reboot/);
});

test("Ubuntu: Allowed-Origins with the -security suite; `all` and the reboot window", async () => {
  root.debian([{ name: "unattended-upgrades" }]).write("/etc/os-release", UBUNTU_OS);
  const plan = await preparePlan(root.ctx({ updates: { automatic: "all", reboot: { enabled: true, time: "04:15" } } }), [updatesPart]);
  const origins = plan.changes.find((c) => c.kind === "file" && c.path === ORIGINS_FILE);
  assert.ok(origins?.kind === "file" && origins.content);
  assert.match(origins.content, /^Unattended-Upgrade::Allowed-Origins \{$/m);
  const id = aptVar("distro_id");
  const codename = aptVar("distro_codename");
  for (const o of [`${id}:${codename}-security`, `${id}:${codename}-updates`, `${id}:${codename}`])
    assert.ok(origins.content.includes(`"${o}";`), o);
  assert.match(origins.content, /^Unattended-Upgrade::Automatic-Reboot "true";$/m);
  assert.match(origins.content, /^Unattended-Upgrade::Automatic-Reboot-Time "04:15";$/m);
  assert.ok(!plan.changes.some((c) => c.kind === "command" && c.argv.includes("install")), "installed: no install command");
});

test("apply (package present) → timers linked by systemctl --root, audit passes → second plan empty → rollback", async (t) => {
  if (!(await which("systemctl"))) return t.skip("systemctl is not installed");
  root.debian([{ name: "unattended-upgrades", version: "2.9.1" }]);
  const ctx = root.ctx();
  const plan = await preparePlan(ctx, [updatesPart]);
  const r = await applyPlan(ctx, [updatesPart], plan, opts);
  assert.match(readFileSync(root.path(PERIODIC_FILE), "utf8"), /^APT::Periodic::Unattended-Upgrade "1";$/m);
  assert.ok(lstatSync(root.path(`${WANTS}/apt-daily.timer`)).isSymbolicLink());
  assert.ok(lstatSync(root.path(`${WANTS}/apt-daily-upgrade.timer`)).isSymbolicLink());
  const audit = await updUnattendedEnabled.run(auditOf(root.ctx()));
  assert.equal(audit.status, "pass", JSON.stringify(audit));
  const again = await preparePlan(root.ctx(), [updatesPart]);
  assert.deepEqual(again.changes, [], "idempotent");
  await rollbackById(root.ctx(), [updatesPart], r.id, false);
  assert.equal(existsSync(root.path(PERIODIC_FILE)), false);
  assert.equal(existsSync(root.path(ORIGINS_FILE)), false);
  assert.equal(existsSync(root.path(WANTS)), false, "the wants directory the apply created is gone");
  assert.ok(existsSync(root.path("/lib/systemd/system/apt-daily.timer")), "the unit file is untouched");
});

test("apt-config rejects a broken candidate: refused before anything is written (validate)", async (t) => {
  if (!(await which("apt-config"))) return t.skip("apt-config is not installed");
  root.debian([{ name: "unattended-upgrades" }]);
  const ctx = root.ctx();
  const plan = await preparePlan(ctx, [updatesPart]);
  assert.deepEqual(plan.refusals, [], "rampart's own drop-ins parse");
  // the same validator on a candidate with a syntax error
  const bad = root.path("/candidate/periodic");
  mkdirSync(path.dirname(bad), { recursive: true });
  writeFileSync(bad, 'APT::Periodic::Unattended-Upgrade "1"\nFoo {\n');
  const candidate = { dir: root.path("/candidate"), pathOf: () => bad, content: async () => undefined };
  const v = await updatesPart.validate(ctx, candidate, plan.changes);
  assert.match(
    v.refusals[0]?.reason ?? "",
    /apt-config rejects the candidate \/etc\/apt\/apt\.conf\.d\/20rampart-auto-upgrades: E: Syntax error/,
  );
});

test('a later drop-in that sets Unattended-Upgrade "0" is shown; `off` removes only rampart\'s files', async () => {
  root.debian([{ name: "unattended-upgrades" }]).write("/etc/apt/apt.conf.d/99local", 'APT::Periodic::Unattended-Upgrade "0";\n');
  const plan = await preparePlan(root.ctx(), [updatesPart]);
  assert.ok(
    plan.notes.some((n) =>
      n.message.startsWith('/etc/apt/apt.conf.d/99local:1 sets APT::Periodic::Unattended-Upgrade "0" after rampart\'s file'),
    ),
  );
  root.write(PERIODIC_FILE, "x\n").write(ORIGINS_FILE, "y\n").write("/etc/apt/apt.conf.d/20auto-upgrades", "z\n");
  const off = await preparePlan(root.ctx({ updates: { automatic: "off" } }), [updatesPart]);
  assert.deepEqual(
    off.changes.map((c) => (c.kind === "file" ? `${c.content === null ? "remove" : "write"} ${c.path}` : c.kind)),
    [`remove ${PERIODIC_FILE}`, `remove ${ORIGINS_FILE}`],
  );
});

test("not Debian: nothing to do, said plainly", async () => {
  root.write("/etc/os-release", "ID=fedora\nPRETTY_NAME=Fedora\n");
  const plan = await preparePlan(root.ctx(), [updatesPart]);
  assert.deepEqual(plan.changes, []);
  assert.match(plan.notes[0]?.message ?? "", /no dpkg database/);
});

test("os-release and apt progress parsing", () => {
  assert.deepEqual(parseOsRelease("ID=\"debian\"\nVERSION_CODENAME=trixie\n# c\nNAME='x y'\n"), {
    ID: "debian",
    VERSION_CODENAME: "trixie",
    NAME: "x y",
  });
  assert.deepEqual(progressOf("pmstatus:openssl:42.8571:Installing openssl (amd64)"), { percent: 42, what: "Installing openssl (amd64)" });
  assert.equal(progressOf("Setting up openssl (3.0.15-1) ..."), undefined);
});
