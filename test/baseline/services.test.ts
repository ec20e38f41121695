// Part `services` against a fixture dpkg status: the exact argv it would run (never run for real on this
// machine), keep and refusals, the runner path through the shared transaction with a fake Runner (that
// "purges" by editing the fixture's dpkg status), idempotence, and the CLI asking for --yes.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, test } from "node:test";
import { purgeArgv } from "../../src/apply/parts/apt-commands.js";
import { servicesPart } from "../../src/apply/parts/services.js";
import { planJson, renderPlan } from "../../src/apply/plan.js";
import { preparePlan } from "../../src/apply/prepare.js";
import { applyPlan } from "../../src/apply/transaction.js";
import type { Runner } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";
import { runCli } from "../helpers/cli.js";
import { dpkgStatus, Root } from "./fixture.js";

const opts = { confirmTimeoutSec: 120, self: ["/bin/false"], cwd: "/" };
let root: Root;
beforeEach(() => {
  root = new Root().debian([
    { name: "bash" },
    { name: "telnetd", version: "0.17-44" },
    { name: "xinetd", version: "2.3.15" },
    { name: "vsftpd", version: "3.0.3-13" },
    { name: "nis", status: "deinstall ok config-files" },
    { name: "telnet" },
  ]);
});
afterEach(() => root.remove());

const argvs = (plan: { changes: { kind: string }[] }) => plan.changes.map((c) => ((c as { argv?: string[] }).argv ?? []).join(" "));

test("installed legacy servers are purged through apt, in policy order; clients and removed packages are not", async () => {
  const plan = await preparePlan(root.ctx(), [servicesPart]);
  assert.deepEqual(plan.refusals, []);
  assert.deepEqual(argvs(plan), [
    `chroot ${root.dir} apt-get purge -y telnetd`,
    `chroot ${root.dir} apt-get purge -y vsftpd`,
    `chroot ${root.dir} apt-get purge -y xinetd`,
  ]);
  const text = renderPlan(plan);
  assert.match(text, /legacy service telnetd 0\.17-44 — telnet \(serves 23\/tcp\) is installed \(\/var\/lib\/dpkg\/status:\d+\)/);
  assert.match(text, /! not undone by rollback: a purge cannot be rolled back byte for byte: telnetd/);
  const json = planJson(plan) as { changes: { irreversible?: string; touches: string[] }[] };
  assert.ok(json.changes.every((c) => c.irreversible && c.touches.length === 0));
});

test("the default services.remove purges the servers the audit flags and the old default lacked (one table, #16)", async () => {
  const missing = ["inetutils-tftpd", "openbsd-inetd", "inetutils-inetd", "rlinetd", "ypserv", "talkd", "inetutils-talkd"];
  const r = new Root().debian([{ name: "bash" }, ...missing.map((name) => ({ name })), { name: "talk" }]);
  try {
    const plan = await preparePlan(r.ctx(), [servicesPart]);
    assert.deepEqual(
      argvs(plan),
      missing.map((p) => `chroot ${r.dir} apt-get purge -y ${p}`),
    );
    assert.match(renderPlan(plan), /legacy service talkd 1\.0 — talk \(serves 517\/udp, 518\/udp\)/);
  } finally {
    r.remove();
  }
});

test("services.keep keeps a package (by name or by kind), with a note", async () => {
  const plan = await preparePlan(root.ctx({ services: { keep: ["vsftpd", "inetd"] } }), [servicesPart]);
  assert.deepEqual(argvs(plan), [`chroot ${root.dir} apt-get purge -y telnetd`]);
  assert.ok(plan.notes.some((n) => n.message === "vsftpd is in services.remove but services.keep declares it needed: not removed"));
  assert.ok(plan.notes.some((n) => n.message.startsWith("xinetd is in services.remove but services.keep")));
});

test("refused when a firewall inbound rule opens the package's port: exact reason and fix, nothing planned is made", async () => {
  const ctx = root.ctx({ firewall: { inbound: [{ service: "ssh" }, { ports: ["20-21"] }] } });
  const plan = await preparePlan(ctx, [servicesPart]);
  assert.equal(plan.refusals.length, 1);
  assert.equal(
    plan.refusals[0]?.reason,
    "vsftpd would be purged, but firewall.inbound[1] (ports: [20-21]) opens 21/tcp for it: the policy says the service is needed",
  );
  assert.equal(plan.refusals[0]?.fix, 'If ftp is needed, add "vsftpd" to services.keep; if not, remove 21 from firewall.inbound[1].');
  const udp = await preparePlan(root.ctx({ firewall: { inbound: [{ ports: [23], proto: "udp" }] } }), [servicesPart]);
  assert.deepEqual(udp.refusals, [], "23/udp is not telnet's port");
});

test("the runner path: the transaction runs exactly the planned argv (fake Runner); then nothing is left to change", async () => {
  const calls: string[][] = [];
  const status = root.path("/var/lib/dpkg/status");
  const fake: Runner = async (argv) => {
    calls.push([...argv]);
    const pkg = argv[argv.length - 1];
    const left = readFileSync(status, "utf8")
      .split("\n\n")
      .filter((p) => !p.startsWith(`Package: ${pkg}\n`));
    writeFileSync(status, left.join("\n\n"));
    return { argv, code: 0, stdout: "", stderr: "", durationMs: 1 };
  };
  const ctx = root.ctx({}, fake);
  const plan = await preparePlan(ctx, [servicesPart]);
  await applyPlan(ctx, [servicesPart], plan, opts);
  assert.deepEqual(calls, [
    ["chroot", root.dir, "apt-get", "purge", "-y", "telnetd"],
    ["chroot", root.dir, "apt-get", "purge", "-y", "vsftpd"],
    ["chroot", root.dir, "apt-get", "purge", "-y", "xinetd"],
  ]);
  const again = await preparePlan(root.ctx({}, fake), [servicesPart]);
  assert.deepEqual(again.changes, []);
});

test("live argv has no chroot", () => {
  assert.deepEqual(purgeArgv({ ...root.ctx(), fs: new HostFs("/") }, "telnetd"), ["apt-get", "purge", "-y", "telnetd"]);
});

test("CLI: a purge is not applied without --yes when nobody can be asked", async () => {
  root.write("/etc/rampart/policy.yaml", "services:\n  remove: [telnetd]\n");
  writeFileSync(root.path("/var/lib/dpkg/status"), dpkgStatus([{ name: "telnetd" }]));
  const r = await runCli(["apply", "--root", root.dir, "--only", "services"], { input: "" });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\$ chroot .* apt-get purge -y telnetd/);
  assert.match(r.stderr, /cannot be undone by a rollback .* nothing was changed/);
  assert.match(r.stderr, /--yes/);
  assert.match(readFileSync(root.path("/var/lib/dpkg/status"), "utf8"), /Package: telnetd/);
});
