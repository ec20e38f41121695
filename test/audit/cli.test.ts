// `rampart audit` end to end (from source, against fixture roots): the JSON shape of DESIGN.md, --fail-on
// exit codes, waivers from the root's /etc/rampart/policy.yaml, --only, live checks skipped under --root,
// usage/policy errors (exit 2), and the text report's summary and top fixes.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type FixtureRoot, goodRoot, LOGIN_DEFS_GOOD } from "./helpers/root.js";

const roots: FixtureRoot[] = [];
after(async () => {
  for (const r of roots) await r.cleanup();
});
async function root(name: string, change?: (r: FixtureRoot) => Promise<void>): Promise<FixtureRoot> {
  const r = await goodRoot(name);
  roots.push(r);
  if (change) await change(r);
  return r;
}
// a second UID 0 account (critical) and a DES login.defs (medium)
const weaken = async (r: FixtureRoot) => {
  await r.write("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n");
  await r.write("/etc/login.defs", LOGIN_DEFS_GOOD.replace("ENCRYPT_METHOD YESCRYPT", "ENCRYPT_METHOD DES"));
};
const MINE = "accounts,kernel,services,mac,policy";

describe("rampart audit (CLI)", () => {
  it("--format json has the DESIGN.md shape", async () => {
    const r = await root("cli-json");
    const out = await runCli(["audit", "--root", r.dir, "--only", MINE, "--format", "json"]);
    assert.equal(out.code, 0, out.stderr);
    const j = JSON.parse(out.stdout);
    assert.deepEqual(Object.keys(j).slice(0, 6), ["tool", "host", "startedAt", "durationMs", "summary", "checks"]);
    assert.equal(j.tool.name, "rampart");
    assert.match(j.tool.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(j.host, { hostname: "fixture-host", os: "Debian GNU/Linux 12 (bookworm)", kernel: null });
    assert.ok(!Number.isNaN(Date.parse(j.startedAt)));
    assert.equal(typeof j.durationMs, "number");
    for (const k of ["pass", "fail", "warn", "skip", "error"]) assert.equal(typeof j.summary[k], "number");
    assert.equal(j.summary.pass + j.summary.fail + j.summary.warn + j.summary.skip + j.summary.error + j.summary.waived, j.checks.length);
    for (const c of j.checks) {
      assert.match(c.id, /^[A-Z0-9]+(-[A-Z0-9]+)+$/);
      assert.ok(["info", "low", "medium", "high", "critical"].includes(c.severity), c.id);
      assert.ok(["pass", "fail", "warn", "skip", "error"].includes(c.status), c.id);
      assert.deepEqual(Object.keys(c.evidence), ["observed", "expected", "source"]);
      assert.equal(typeof c.evidence.source, "string");
      assert.equal(typeof c.remediation, "string");
      assert.ok(Array.isArray(c.refs));
    }
    const ids = j.checks.map((c: { id: string }) => c.id);
    assert.equal(new Set(ids).size, ids.length, "ids are unique");
    const live = j.checks.find((c: { id: string }) => c.id === "KERN-ASLR");
    assert.equal(live.status, "skip");
    assert.match(live.reason, /needs the running system/);
    assert.equal(j.summary.fail, 0, JSON.stringify(j.checks.filter((c: { status: string }) => c.status === "fail")));
  });

  it("--fail-on: exit 1 at or above the threshold, 0 below it", async () => {
    const r = await root("cli-failon", weaken);
    const high = await runCli(["audit", "--root", r.dir, "--only", "accounts", "--format", "json", "--fail-on", "high"]);
    assert.equal(high.code, 1, high.stderr);
    const none = await runCli(["audit", "--root", r.dir, "--only", "kernel", "--fail-on", "low"]);
    assert.equal(none.code, 0, none.stderr);
    const noFlag = await runCli(["audit", "--root", r.dir, "--only", "accounts"]);
    assert.equal(noFlag.code, 0);
  });

  it("waivers in the root's policy: waived findings do not trip --fail-on; an expired one does", async () => {
    const r = await root("cli-waive", async (r) => {
      await weaken(r);
      await r.write(
        "/etc/rampart/policy.yaml",
        "waivers:\n  - { check: ACC-UID0-ONLY-ROOT, reason: vendor appliance account, until: 2099-01-01 }\n  - { check: ACC-PASSWORD-HASHING, reason: old, until: 2020-01-01 }\n",
      );
    });
    const out = await runCli(["audit", "--root", r.dir, "--only", "accounts", "--format", "json", "--fail-on", "critical"]);
    assert.equal(out.code, 0, out.stderr);
    const j = JSON.parse(out.stdout);
    const uid0 = j.checks.find((c: { id: string }) => c.id === "ACC-UID0-ONLY-ROOT");
    assert.deepEqual(uid0.waiver, { reason: "vendor appliance account", until: "2099-01-01" });
    const expired = j.checks.find((c: { id: string }) => c.id === "POLICY-WAIVER-EXPIRED");
    assert.equal(expired.status, "fail");
    assert.equal(expired.evidence.source, `${r.dir}/etc/rampart/policy.yaml:3`);
    const medium = await runCli(["audit", "--root", r.dir, "--only", "accounts", "--fail-on", "medium"]);
    assert.equal(medium.code, 1);
  });

  it("exit 2 for an invalid policy and for an unknown area", async () => {
    const r = await root("cli-bad", (r) => r.write("/etc/rampart/policy.yaml", "sssh: {}\n"));
    const bad = await runCli(["audit", "--root", r.dir, "--only", "accounts"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /policy\.yaml:1:1/);
    const area = await runCli(["audit", "--root", r.dir, "--only", "acounts"]);
    assert.equal(area.code, 2);
    assert.match(area.stderr, /unknown area `acounts`/);
    const missing = await runCli(["audit", "--root", r.dir, "--policy", `${r.dir}/nope.yaml`]);
    assert.equal(missing.code, 2);
  });

  it("text: a one-line summary, top fixes first, checks grouped by area", async () => {
    const r = await root("cli-text", weaken);
    const out = await runCli(["audit", "--root", r.dir, "--only", "accounts,kernel"]);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split("\n");
    // ACC-UID0-ONLY-ROOT, ACC-UNIQUE-IDS (toor shares UID 0 with root) and ACC-PASSWORD-HASHING
    assert.match(lines[1] ?? "", /^Summary: \d+ pass, 3 fail, 0 warn, \d+ skip, 0 error · score \d+\/100/);
    assert.equal(lines[3], "Top fixes");
    assert.match(lines[4] ?? "", /^ 1\. CRITICAL ACC-UID0-ONLY-ROOT/);
    assert.match(lines[5] ?? "", /→ Give the other accounts/);
    assert.ok(out.stdout.indexOf("\naccounts (") < out.stdout.indexOf("\nkernel ("));
    assert.match(out.stdout, /source: \/etc\/passwd:3/);
    assert.doesNotMatch(out.stdout, /\u001b\[/, "no colour when not a TTY");
  });

  it("a config tree (sshd_config, no sshd binary) fails the SSH checks it should; --fail-on high exits 1", async () => {
    const r = await root("cli-config-tree", async (x) => {
      await x.write("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nPermitRootLogin yes\n");
    });
    const out = await runCli(["audit", "--root", r.dir, "--only", "ssh", "--format", "json", "--fail-on", "high"]);
    assert.equal(out.code, 1, out.stderr);
    const j = JSON.parse(out.stdout);
    const pw = j.checks.find((c: { id: string }) => c.id === "SSH-PASSWORD-AUTH");
    assert.equal(pw.status, "fail");
    assert.equal(pw.evidence.source, "/etc/ssh/sshd_config:2");
    assert.match(pw.reason, /judged from the files: no sshd binary in the image/);
    assert.equal(j.checks.find((c: { id: string }) => c.id === "SSH-ROOT-LOGIN").status, "fail");
    assert.ok(j.summary.score < 100, `score ${j.summary.score}`);
  });

  it("nothing judged scores 0, not 100: a skip is never a pass", async () => {
    const r = await root("cli-all-skip");
    const out = await runCli(["audit", "--root", r.dir, "--only", "ssh", "--format", "json"]);
    const j = JSON.parse(out.stdout);
    assert.equal(j.summary.pass + j.summary.fail + j.summary.warn, 0, "no sshd_config and no sshd: everything skips");
    assert.equal(j.summary.score, 0);
  });

  it("--output writes the report to a file", async () => {
    const r = await root("cli-out");
    const file = r.p("report.json");
    const out = await runCli(["audit", "--root", r.dir, "--only", "services", "--format", "json", "--output", file]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "");
    assert.equal(JSON.parse(await readFile(file, "utf8")).checks.length, 7 + 0);
  });
});
