// `rampart audit --coverage`: totals agree with the control data, a control a check's refs name shows as
// covered (full and older ref forms), a ref naming no control is flagged — and the real checks have none, so
// a typo in any check's refs fails here — and the why-not texts name real controls and real checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { computeCoverage, resolveRef } from "../../src/audit/coverage/coverage.js";
import { LINUX_BASELINE, LYNIS_RAISED, SSH_BASELINE } from "../../src/audit/coverage/controls.js";
import { WHY_NOT } from "../../src/audit/coverage/why-not.js";
import { allChecks } from "../../src/audit/registry.js";
import type { Check } from "../../src/audit/types.js";
import { runCli } from "../helpers/cli.js";

const fake = (id: string, refs: string[], strict?: string): Check => ({
  id,
  area: "system",
  title: id,
  severity: "low",
  remediation: "-",
  refs,
  ...(strict ? { strict } : {}),
  run: async () => ({ status: "pass" }),
});

describe("audit coverage", () => {
  it("has the baselines' full control lists (71 ssh, 59 linux, 40 Lynis findings)", () => {
    assert.equal(SSH_BASELINE.length, 71);
    assert.equal(SSH_BASELINE.filter((c) => c.id.startsWith("sshd-")).length, 49);
    assert.equal(LINUX_BASELINE.length, 59);
    assert.equal(LYNIS_RAISED.length, 40);
  });

  it("totals match the data and add up", () => {
    const c = computeCoverage(allChecks());
    const sizes = { "ssh-baseline": 71, "linux-baseline": 59, lynis: 40 };
    for (const b of c.baselines) {
      assert.equal(b.total, sizes[b.baseline], b.baseline);
      assert.equal(b.rows.length, b.total);
      assert.equal(b.covered + b.whyNot + b.open, b.total);
      assert.equal(b.covered, b.rows.filter((r) => r.checks.length > 0).length);
      assert.equal(b.percent, Math.round((b.covered / b.total) * 1000) / 10);
    }
  });

  it("a control named by a check's refs is covered by that check (full and older forms)", () => {
    const none = computeCoverage([]);
    const row = (c: typeof none, b: string, id: string) => c.baselines.find((x) => x.baseline === b)?.rows.find((r) => r.id === id);
    assert.equal(row(none, "ssh-baseline", "sshd-07")?.status, "open");
    assert.equal(row(none, "linux-baseline", "os-02")?.status, "open");
    const c = computeCoverage([
      fake("X-PORT", ["dev-sec ssh-baseline sshd-07", "CIS Debian 12 5.2.1", "https://example.org"]),
      fake("X-SHADOW", ["dev-sec os-02"]),
      fake("X-CLIENT", ["dev-sec ssh-05", "dev-sec ssh-hardening: fail2ban recommended"]),
      fake("X-BANNER", ["Lynis BANN-7126 (legal words)"], "a legal warning in /etc/issue"),
      fake("X-BANNER2", ["Lynis BANN-7126"]),
    ]);
    assert.deepEqual(row(c, "ssh-baseline", "sshd-07")?.checks, ["X-PORT"]);
    assert.deepEqual(row(c, "linux-baseline", "os-02")?.checks, ["X-SHADOW"]);
    assert.deepEqual(row(c, "ssh-baseline", "ssh-05")?.checks, ["X-CLIENT"]);
    assert.deepEqual(row(c, "lynis", "BANN-7126")?.checks, ["X-BANNER", "X-BANNER2"]);
    assert.equal(row(c, "lynis", "BANN-7126")?.status, "covered");
    assert.deepEqual(c.badRefs, []);
    assert.deepEqual(c.strict, [{ check: "X-BANNER", strict: "a legal warning in /etc/issue" }]);
    const ssh = c.baselines.find((b) => b.baseline === "ssh-baseline");
    assert.equal(ssh?.covered, 2);
  });

  it("flags a ref that names no control, or is not a known form", () => {
    const c = computeCoverage([
      fake("X-TYPO", ["dev-sec ssh-baseline sshd-99", "dev-sec linux-baseline os-5", "dev-sec os-99", "dev-sec osx-01"]),
      fake("X-LYNIS", ["Lynis BANN-9999", "Lynis DEBIAN-2 / TOOL-5190", "Lynis bann-7126"]),
    ]);
    assert.deepEqual(
      c.badRefs.map((b) => b.ref),
      [
        "dev-sec ssh-baseline sshd-99",
        "dev-sec linux-baseline os-5",
        "dev-sec os-99",
        "dev-sec osx-01",
        "Lynis BANN-9999",
        "Lynis DEBIAN-2 / TOOL-5190",
        "Lynis bann-7126",
      ],
    );
    assert.match(c.badRefs[0]?.why ?? "", /sshd-99 is not a control of dev-sec ssh-baseline/);
    assert.equal(resolveRef("CIS Debian Linux 12 6.1.2"), undefined);
  });

  it("every check's refs resolve (a typo in a control ID fails here)", () => {
    const c = computeCoverage(allChecks());
    assert.deepEqual(c.badRefs, []);
  });

  it("why-not entries name controls in the data and checks that exist", () => {
    const ids = new Set(allChecks().map((c) => c.id));
    const lists: Record<string, { id: string }[]> = { "ssh-baseline": SSH_BASELINE, "linux-baseline": LINUX_BASELINE, lynis: LYNIS_RAISED };
    for (const [key, text] of Object.entries(WHY_NOT)) {
      const [baseline, id] = key.split(" ");
      assert.ok(
        lists[baseline as string]?.some((c) => c.id === id),
        `why-not key ${key} names no control`,
      );
      for (const m of text.matchAll(/\b(?:SSH|ACC|FW|UPD|KERN|SVC|MAC|DEF|INT|FILE|LOG|BOOT|SYS)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b/g)) {
        assert.ok(ids.has(m[0]), `${key}: names ${m[0]}, which is not a check`);
      }
    }
  });

  it("rampart audit --coverage prints the table; --json gives the same as objects", async () => {
    const text = await runCli(["audit", "--coverage"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /dev-sec ssh-baseline: \d+\/71 covered/);
    assert.match(text.stdout, /dev-sec linux-baseline: \d+\/59 covered/);
    assert.match(text.stdout, /Lynis 3\.0\.8 findings on Debian 12: \d+\/40 covered/);
    assert.match(text.stdout, /✓ sshd-01 +Server: Check for secure ssh ciphers +SSH-CIPHERS/);
    const json = await runCli(["audit", "--coverage", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const j = JSON.parse(json.stdout);
    assert.deepEqual(j, JSON.parse(JSON.stringify(computeCoverage(allChecks()))));
    const help = await runCli(["audit", "--help"]);
    assert.match(help.stdout, /--coverage/);
  });
});
