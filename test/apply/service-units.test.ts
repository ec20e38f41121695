// The units rampart installs for the guard and the blocklist refresh pass `systemd-analyze verify`, and the
// `guard` and `blocklists` parts install them (systemd image under --root) or fall back to cron + a
// detached start (a lab host: no systemd, like this machine).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { blocklistUnits } from "../../src/apply/parts/blocklists.js";
import { integrityUnits } from "../../src/apply/parts/integrity.js";
import { guardUnit } from "../../src/guard/unit.js";
import { CLI_ARGV, REPO, runCli } from "../helpers/cli.js";
import { labTest } from "../lab/index.js";

function verify(t: import("node:test").TestContext, units: Record<string, string>): void {
  if (spawnSync("systemd-analyze", ["--version"]).error) {
    if (process.env.CI === "true") assert.fail("systemd-analyze is missing (the test set-up installs systemd)");
    t.skip("systemd-analyze not installed");
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-units-"));
  try {
    const files = Object.entries(units).map(([name, text]) => {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      return f;
    });
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", ...files], { encoding: "utf8" });
    const problems = `${r.stdout}${r.stderr}`.split("\n").filter((l) => Object.keys(units).some((n) => l.includes(n)));
    assert.deepEqual(problems, [], `systemd-analyze verify complained:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the guard unit passes systemd-analyze verify", (t) => {
  verify(t, { "rampart-guard.service": guardUnit({ self: [...CLI_ARGV], cwd: REPO }) });
});

test("the blocklist service and timer pass systemd-analyze verify", (t) => {
  verify(t, blocklistUnits([...CLI_ARGV], REPO, 86400));
});

test("the integrity service and timer pass systemd-analyze verify", (t) => {
  verify(t, integrityUnits([...CLI_ARGV], REPO));
});

test("plan --only guard,blocklists on a systemd image: unit files and systemctl enable", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-image-"));
  try {
    mkdirSync(path.join(root, "etc/systemd/system"), { recursive: true });
    mkdirSync(path.join(root, "etc/rampart"), { recursive: true });
    writeFileSync(
      path.join(root, "etc/rampart/policy.yaml"),
      "blocklists:\n  sources:\n    - { name: drop, file: /etc/rampart/drop.txt }\n",
    );
    const r = await runCli(["plan", "--root", root, "--only", "guard,blocklists", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { changes: { kind: string; path?: string; argv?: string[] }[] };
    const files = plan.changes.filter((c) => c.kind === "file").map((c) => c.path);
    assert.deepEqual(files.sort(), [
      "/etc/systemd/system/rampart-blocklist.service",
      "/etc/systemd/system/rampart-blocklist.timer",
      "/etc/systemd/system/rampart-guard.service",
    ]);
    const cmds = plan.changes.filter((c) => c.kind === "command").map((c) => c.argv?.slice(-2).join(" "));
    assert.deepEqual(cmds.sort(), ["enable rampart-blocklist.timer", "enable rampart-guard.service"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

labTest("apply --only guard without systemd: cron at boot, the daemon started detached; a second apply changes nothing", async (lab) => {
  const srv = await lab.host("srv", { role: "server" });
  await srv.startSshd();
  await srv.writeFile("/etc/rampart/policy.yaml", "guard:\n  jails:\n    sshd: { backend: file, logpath: /var/log/auth.log }\n", {
    mode: 0o600,
  });
  await srv.exec(["mkdir", "-p", "/etc/cron.d"]);
  const r = await srv.rampart(["apply", "--only", "guard", "--yes"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(await srv.readFile("/etc/cron.d/rampart-guard"), /^@reboot root cd .* guard run --detach$/m);
  let status = { code: 1, stdout: "", stderr: "" };
  for (let i = 0; i < 100 && status.code !== 0; i++) {
    await new Promise((res) => setTimeout(res, 200));
    status = await srv.rampart(["guard", "status", "--json"]);
  }
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { sources: { target: string }[] }).sources[0]?.target, "/var/log/auth.log");
  const again = await srv.rampart(["plan", "--only", "guard", "--json"]);
  assert.deepEqual((JSON.parse(again.stdout) as { changes: unknown[] }).changes, []);
});
