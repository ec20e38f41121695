// Part `sysctl` against fixture roots (--root): the file it writes (the audit's recommended list, policy
// overrides, forwarding with context, IPv6 off with a warning), keys the kernel lacks left out, the audit
// passing on the result, idempotence and rollback through the shared transaction.
import { auditContext } from "../../src/audit/run.js";
import type { PartContext } from "../../src/apply/plan.js";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, beforeEach, test } from "node:test";
import { sysctlPersisted } from "../../src/audit/checks/kernel/persisted.js";
import { STRICT_ONLY_SYSCTL_GROUPS, SYSCTL_GROUPS, writeValue } from "../../src/audit/checks/kernel/recommended.js";
import { sysctlPart } from "../../src/apply/parts/sysctl.js";
import { designSysctl, SYSCTL_FILE, sysctlValue } from "../../src/apply/parts/sysctl-values.js";
import { loadableLive } from "../../src/apply/parts/sysctl-runtime.js";
import { preparePlan } from "../../src/apply/prepare.js";
import { applyPlan, rollbackById } from "../../src/apply/transaction.js";
import { policySchema } from "../../src/policy/schema.js";
import { Root } from "./fixture.js";

/** The audit's context over the same host a part planned on (the check judges what apply wrote). */
const auditOf = (ctx: PartContext) =>
  auditContext({ fs: ctx.fs, run: ctx.run, live: ctx.live, policy: ctx.policy, policyFromFile: true, clock: ctx.clock, log: ctx.log });

const opts = { confirmTimeoutSec: 120, self: ["/bin/false"], cwd: "/" };
let root: Root;
beforeEach(() => {
  root = new Root().debian();
});
afterEach(() => root.remove());

const fileOf = () => readFileSync(root.path(SYSCTL_FILE), "utf8");

test("the file holds every recommended key (the audit's list) with the value apply writes, and ip_forward off", async () => {
  root.kernel("1");
  const plan = await preparePlan(root.ctx(), [sysctlPart]);
  assert.deepEqual(plan.refusals, []);
  const file = plan.changes.find((c) => c.kind === "file");
  assert.ok(file?.kind === "file" && file.content);
  for (const k of SYSCTL_GROUPS.flatMap((g) => g.keys))
    assert.match(file.content, new RegExp(`^${k.key.replace(/\./g, "\\.")} = ${writeValue(k)}$`, "m"));
  assert.match(file.content, /^kernel\.kptr_restrict = 2$/m, "oneOf keys use their `write` value");
  for (const k of STRICT_ONLY_SYSCTL_GROUPS.flatMap((g) => g.keys))
    assert.doesNotMatch(file.content, new RegExp(`^${k.key.replace(/\./g, "\\.")} =`, "m"), "strict-only keys are never written");
  assert.match(file.content, /^net\.ipv4\.ip_forward = 0$/m);
  assert.match(file.content, /^# KERN-REDIRECTS: ICMP redirects are not accepted$/m);
  assert.equal(plan.changes.length, 1, "under --root: the file only, no runtime change");
});

test("keys the kernel does not have are left out with a note; overrides and unknown keys from sysctl.set", async () => {
  root.kernel("1", ["kernel.yama.ptrace_scope", "net.ipv6.conf.all.accept_redirects"]);
  root.write("/proc/sys/vm/swappiness", "60\n");
  const ctx = root.ctx({ sysctl: { set: { "net.ipv4.conf.all.rp_filter": 2, "vm.swappiness": "10", "no.such.key": 1 } } });
  const plan = await preparePlan(ctx, [sysctlPart]);
  const file = plan.changes[0];
  assert.ok(file?.kind === "file" && file.content);
  assert.doesNotMatch(file.content, /ptrace_scope|net\.ipv6\.conf\.all\.accept_redirects|no\.such\.key/);
  assert.match(file.content, /^net\.ipv4\.conf\.all\.rp_filter = 2$/m);
  assert.match(file.content, /^vm\.swappiness = 10$/m);
  const note = plan.notes.find((n) => n.message.startsWith("not in this kernel"));
  assert.match(
    note?.message ?? "",
    /kernel\.yama\.ptrace_scope, net\.ipv6\.conf\.all\.accept_redirects, no\.such\.key|kernel\.yama\.ptrace_scope.*no\.such\.key/,
  );
});

test("a container host keeps forwarding on and the plan says why; sysctl.ipForward wins", async () => {
  root.kernel("1").debian([{ name: "docker.io", version: "24.0" }]);
  const plan = await preparePlan(root.ctx(), [sysctlPart]);
  const file = plan.changes[0];
  assert.ok(file?.kind === "file" && file.content);
  assert.doesNotMatch(file.content, /ip_forward|all\.forwarding/);
  assert.ok(
    plan.notes.some((n) =>
      /net\.ipv4\.ip_forward and net\.ipv6\.conf\.all\.forwarding are left as they are \(on\): container\/VM host: docker\.io/.test(
        n.message,
      ),
    ),
  );
  const d = designSysctl(policySchema.parse({ sysctl: { ipForward: true } }), { expected: false, why: "x" });
  assert.deepEqual(
    d.settings.filter((s) => s.key.includes("forward")).map((s) => `${s.key}=${s.value}`),
    ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"],
  );
  const f = designSysctl(policySchema.parse({ firewall: { forward: true } }), { expected: true, why: "policy firewall.forward: true" });
  assert.ok(!f.settings.some((s) => s.key.includes("forward")));
});

test("disableIpv6 adds the disable_ipv6 keys with a warning, and is refused for a session over IPv6", async () => {
  root.kernel("0");
  const ctx = root.ctx({ sysctl: { profile: "recommended", disableIpv6: true } });
  const plan = await preparePlan(ctx, [sysctlPart]);
  const file = plan.changes[0];
  assert.ok(file?.kind === "file" && file.content);
  for (const i of ["all", "default", "lo"]) assert.match(file.content, new RegExp(`^net\\.ipv6\\.conf\\.${i}\\.disable_ipv6 = 1$`, "m"));
  assert.ok(plan.notes.some((n) => n.message.startsWith("WARNING: sysctl.disableIpv6")));
  const v6 = { ...ctx, session: { clientAddr: "2001:db8::5" } };
  const refused = await preparePlan(v6, [sysctlPart]);
  assert.match(refused.refusals[0]?.reason ?? "", /connected over IPv6 \(2001:db8::5\)/);
});

test("profile none: no file (and an existing one is removed); bad values are policy errors", async () => {
  root.kernel("1");
  const none = await preparePlan(root.ctx({ sysctl: "none" }), [sysctlPart]);
  assert.equal(none.changes.length, 0);
  root.write(SYSCTL_FILE, "net.ipv4.tcp_syncookies = 1\n");
  const rm = await preparePlan(root.ctx({ sysctl: "none" }), [sysctlPart]);
  assert.ok(rm.changes[0]?.kind === "file" && rm.changes[0].content === null);
  assert.throws(() => sysctlValue("x", "1\nkernel.foo = 2"), /not a sysctl value/);
});

test("apply → the audit's KERN-SYSCTL-PERSISTED passes → second plan is empty → rollback removes the file", async () => {
  root.kernel("1");
  const ctx = root.ctx();
  const plan = await preparePlan(ctx, [sysctlPart]);
  const r = await applyPlan(ctx, [sysctlPart], plan, opts);
  assert.equal(r.deadline, undefined, "under --root: committed at once");
  assert.match(fileOf(), /^net\.ipv4\.tcp_syncookies = 1$/m);
  const audit = await sysctlPersisted.run(auditOf(ctx));
  assert.equal(audit.status, "pass", JSON.stringify(audit));
  const again = await preparePlan(root.ctx(), [sysctlPart]);
  assert.deepEqual(again.changes, []);
  await rollbackById(root.ctx(), [sysctlPart], r.id, false);
  assert.equal(existsSync(root.path(SYSCTL_FILE)), false);
});

test("a later sysctl.d file that sets a key back is shown", async () => {
  root.kernel("1").write("/etc/sysctl.d/99-local.conf", "net.ipv4.conf.all.accept_redirects = 1\n");
  const plan = await preparePlan(root.ctx(), [sysctlPart]);
  assert.ok(
    plan.notes.some((n) =>
      n.message.startsWith("/etc/sysctl.d/99-local.conf:1 sets net.ipv4.conf.all.accept_redirects = 1 after 60-rampart.conf"),
    ),
  );
});

test("runtime: only net.* keys are loaded from inside a network namespace (machine-wide keys never)", () => {
  assert.equal(loadableLive("net.ipv4.tcp_syncookies", "netns"), true);
  assert.equal(loadableLive("kernel.kptr_restrict", "netns"), false);
  assert.equal(loadableLive("fs.protected_fifos", "unknown"), false);
  assert.equal(loadableLive("kernel.kptr_restrict", "machine"), true);
});
