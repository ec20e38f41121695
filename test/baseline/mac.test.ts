// Part `mac` against fixture roots: the guide's "disabled" through rampart's own GRUB drop-in (with the
// warning and the update-grub/reboot note), back to keep removes it, idempotence, SELinux reported only.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, test } from "node:test";
import { GRUB_DROPIN, loadedProfiles, macPart } from "../../src/apply/parts/mac.js";
import { preparePlan } from "../../src/apply/prepare.js";
import { applyPlan } from "../../src/apply/transaction.js";
import { Root } from "./fixture.js";

const opts = { confirmTimeoutSec: 120, self: ["/bin/false"], cwd: "/" };
let root: Root;
beforeEach(() => {
  root = new Root().debian();
});
afterEach(() => root.remove());

test("keep (default): nothing to change; SELinux is reported, not changed", async () => {
  root.write("/etc/selinux/config", "# c\nSELINUX=permissive\nSELINUXTYPE=default\n");
  const plan = await preparePlan(root.ctx(), [macPart]);
  assert.deepEqual(plan.changes, []);
  assert.ok(
    plan.notes.some(
      (n) => n.message === "SELinux: SELINUX=permissive (/etc/selinux/config:2); rampart reports SELinux only and does not change it",
    ),
  );
});

test("disabled: the GRUB drop-in with apparmor=0, a WARNING and the update-grub note; second plan empty; keep removes it", async () => {
  const ctx = root.ctx({ mac: { apparmor: "disabled" } });
  const plan = await preparePlan(ctx, [macPart]);
  assert.deepEqual(
    plan.changes.map((c) => (c.kind === "file" ? c.path : c.kind)),
    [GRUB_DROPIN],
  );
  assert.ok(plan.notes.some((n) => n.message.startsWith("WARNING: mac.apparmor: disabled lowers security")));
  assert.ok(plan.notes.some((n) => n.message.includes("update-grub")));
  await applyPlan(ctx, [macPart], plan, opts);
  assert.match(readFileSync(root.path(GRUB_DROPIN), "utf8"), /^GRUB_CMDLINE_LINUX_DEFAULT="\$GRUB_CMDLINE_LINUX_DEFAULT apparmor=0"$/m);
  const again = await preparePlan(root.ctx({ mac: { apparmor: "disabled" } }), [macPart]);
  assert.deepEqual(again.changes, []);
  const back = await preparePlan(root.ctx(), [macPart]);
  assert.ok(back.changes[0]?.kind === "file" && back.changes[0].content === null);
  await applyPlan(root.ctx(), [macPart], back, opts);
  assert.equal(existsSync(root.path(GRUB_DROPIN)), false);
});

test("enforce under --root: loaded profiles are only known live, said plainly", async () => {
  const plan = await preparePlan(root.ctx({ mac: { apparmor: "enforce" } }), [macPart]);
  assert.deepEqual(plan.changes, []);
  assert.ok(plan.notes.some((n) => n.message.includes("only known on the running system")));
});

test("securityfs profile list: name → mode, child profiles left out", () => {
  const m = loadedProfiles(
    "/usr/sbin/ntpd (complain)\nnvidia_modprobe (enforce)\nnvidia_modprobe//kmod (enforce)\ndocker-default (enforce)\n",
  );
  assert.deepEqual(
    [...m],
    [
      ["/usr/sbin/ntpd", "complain"],
      ["nvidia_modprobe", "enforce"],
      ["docker-default", "enforce"],
    ],
  );
});
