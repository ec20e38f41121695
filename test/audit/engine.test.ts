// The audit engine: concurrency with a shared memo, errors and timeouts become `error`, live checks skip
// under --root, waivers (active, expired, unknown), --only, stable ordering, and the summary/--fail-on math.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseAreas, runAudit } from "../../src/audit/run.js";
import type { Check, Outcome } from "../../src/audit/types.js";
import { waiverSources } from "../../src/audit/waivers.js";
import { FakeClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { failingAtOrAbove, topFixes } from "../../src/report/model.js";
import { HostFs } from "../../src/system/hostfs.js";
import { emptyRoot, type FixtureRoot, policyFrom } from "./helpers/root.js";

let r: FixtureRoot;
after(async () => r?.cleanup());

function fake(id: string, area: Check["area"], outcome: Outcome | (() => Promise<Outcome>), extra: Partial<Check> = {}): Check {
  return {
    id,
    area,
    title: `title of ${id}`,
    severity: "high",
    remediation: "fix it",
    refs: [],
    run: typeof outcome === "function" ? outcome : async () => outcome,
    ...extra,
  };
}

async function go(checks: Check[], o: { live?: boolean; policy?: string; only?: string[]; timeout?: number; sources?: string[] } = {}) {
  r ??= await emptyRoot("engine");
  return runAudit({
    fs: new HostFs(r.dir),
    run: async () => {
      throw new Error("no processes");
    },
    live: o.live ?? true,
    policy: policyFrom(o.policy ?? ""),
    policyFromFile: o.policy !== undefined,
    clock: new FakeClock(Date.UTC(2026, 0, 1, 12)),
    log: silentLogger,
    only: o.only ? parseAreas(o.only) : undefined,
    checks,
    ...(o.timeout ? { checkTimeoutMs: o.timeout } : {}),
    ...(o.sources ? { waiverSources: o.sources } : {}),
  });
}

describe("engine", () => {
  it("turns a throwing check into an error with its message, and a hung one into a timeout error", async () => {
    const rep = await go(
      [
        fake("KERN-BOOM", "kernel", async () => {
          throw new Error("cannot read /proc/sys/x: permission denied");
        }),
        fake("KERN-HANG", "kernel", () => new Promise<Outcome>(() => {})),
      ],
      { timeout: 50 },
    );
    const boom = rep.checks.find((c) => c.id === "KERN-BOOM");
    assert.equal(boom?.status, "error");
    assert.equal(boom?.reason, "cannot read /proc/sys/x: permission denied");
    assert.equal(rep.checks.find((c) => c.id === "KERN-HANG")?.reason, "did not finish within 50 ms");
    assert.equal(rep.summary.error, 2);
  });

  it("skips live checks under --root with the reason, and runs file checks", async () => {
    const rep = await go([fake("MAC-LIVE", "mac", { status: "fail" }, { live: true }), fake("MAC-FILE", "mac", { status: "pass" })], {
      live: false,
    });
    const live = rep.checks.find((c) => c.id === "MAC-LIVE");
    assert.equal(live?.status, "skip");
    assert.match(live?.reason ?? "", /needs the running system/);
    assert.equal(rep.checks.find((c) => c.id === "MAC-FILE")?.status, "pass");
  });

  it("loads a shared fact once for all checks (memo)", async () => {
    let loads = 0;
    const uses = (id: string) =>
      fake(id, "accounts", async () => {
        const v = await ctxMemo();
        return { status: "pass", observed: v };
      });
    let ctxMemo: () => Promise<number> = async () => 0;
    const first: Check = {
      ...fake("ACC-A", "accounts", { status: "pass" }),
      async run(ctx) {
        ctxMemo = () =>
          ctx.memo("fact", async () => {
            loads++;
            return 42;
          });
        return { status: "pass", observed: await ctxMemo() };
      },
    };
    const rep = await go([first, uses("ACC-B"), uses("ACC-C")]);
    assert.equal(loads, 1);
    assert.ok(rep.checks.filter((c) => c.area === "accounts").every((c) => c.status === "pass"));
  });

  it("orders results by area (ssh, accounts, …, policy) then id", async () => {
    const rep = await go([
      fake("SVC-B", "services", { status: "pass" }),
      fake("SSH-Z", "ssh", { status: "pass" }),
      fake("ACC-A", "accounts", { status: "pass" }),
      fake("SSH-A", "ssh", { status: "pass" }),
    ]);
    assert.deepEqual(
      rep.checks.map((c) => c.id),
      ["SSH-A", "SSH-Z", "ACC-A", "SVC-B", "POLICY-WAIVER-EXPIRED", "POLICY-WAIVER-UNKNOWN"],
    );
  });

  it("--only runs the named areas only; an unknown area is a usage error", async () => {
    const rep = await go([fake("SSH-A", "ssh", { status: "pass" }), fake("ACC-A", "accounts", { status: "fail" })], { only: ["accounts"] });
    assert.deepEqual(
      rep.checks.map((c) => c.id),
      ["ACC-A"],
    );
    assert.throws(() => parseAreas(["acounts"]), /unknown area `acounts`/);
  });

  it("an active waiver marks the finding waived; it does not count for --fail-on", async () => {
    const rep = await go(
      [fake("ACC-X", "accounts", { status: "fail", observed: "bad" }), fake("ACC-Y", "accounts", { status: "fail" }, { severity: "low" })],
      {
        policy: "waivers:\n  - { check: ACC-X, reason: migrating in Q1, until: 2026-03-31 }\n",
      },
    );
    const x = rep.checks.find((c) => c.id === "ACC-X");
    assert.deepEqual(x?.waiver, { reason: "migrating in Q1", until: "2026-03-31" });
    assert.equal(x?.status, "fail");
    assert.equal(rep.summary.waived, 1);
    assert.equal(rep.summary.fail, 1);
    assert.deepEqual(failingAtOrAbove(rep.checks, "high"), []);
    assert.deepEqual(
      failingAtOrAbove(rep.checks, "low").map((c) => c.id),
      ["ACC-Y"],
    );
    assert.deepEqual(
      topFixes(rep.checks).map((c) => c.id),
      ["ACC-Y"],
    );
    assert.equal(rep.checks.find((c) => c.id === "POLICY-WAIVER-EXPIRED")?.status, "pass");
  });

  it("an expired waiver does not apply and is itself a finding, with the waiver's file:line", async () => {
    const text = "admins: []\nwaivers:\n  - check: ACC-X\n    reason: temporary\n    until: 2025-12-31\n";
    const rep = await go([fake("ACC-X", "accounts", { status: "fail" })], {
      policy: text,
      sources: waiverSources(text, "/etc/rampart/policy.yaml"),
    });
    assert.equal(rep.checks.find((c) => c.id === "ACC-X")?.waiver, undefined);
    const exp = rep.checks.find((c) => c.id === "POLICY-WAIVER-EXPIRED");
    assert.equal(exp?.status, "fail");
    assert.deepEqual(exp?.evidence.observed, ["ACC-X (expired 2025-12-31)"]);
    assert.equal(exp?.evidence.source, "/etc/rampart/policy.yaml:3");
    assert.equal(rep.summary.fail, 2);
  });

  it("a waiver for a check that does not exist is POLICY-WAIVER-UNKNOWN", async () => {
    const rep = await go([fake("ACC-X", "accounts", { status: "pass" })], {
      policy: "waivers:\n  - { check: ACC-TYPO-ID, reason: typo here }\n",
    });
    const u = rep.checks.find((c) => c.id === "POLICY-WAIVER-UNKNOWN");
    assert.equal(u?.status, "warn");
    assert.deepEqual(u?.evidence.observed, ["ACC-TYPO-ID"]);
  });

  it("a waiver on a passing check changes nothing; the score weighs severity", async () => {
    const rep = await go(
      [
        fake("ACC-P", "accounts", { status: "pass" }),
        fake("ACC-F", "accounts", { status: "fail" }, { severity: "low" }),
        fake("ACC-W", "accounts", { status: "warn" }),
      ],
      { policy: "waivers:\n  - { check: ACC-P, reason: not needed }\n" },
    );
    assert.equal(rep.checks.find((c) => c.id === "ACC-P")?.waiver, undefined);
    // pass: high 8 + policy(medium 4 + low 2) = 14; warn high 4 of 8; fail low 0 of 2 → 18 / 24
    assert.equal(rep.summary.score, Math.round((100 * 18) / 24));
  });
});
