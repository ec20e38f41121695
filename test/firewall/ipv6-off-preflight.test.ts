// The firewall part's preflight refuses firewall.ipv6: false while an admin comes over IPv6 — the applying
// session (its SSH_CONNECTION address, as for sysctl.disableIpv6) or an IPv6 source of the policy's SSH rules.
// `rampart apply` turning the refusal into its REFUSED error, nothing changed, is proven in apply-lab.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { ipv6OffRefusals, firewallPart } from "../../src/apply/parts/firewall.js";
import type { KernelChange, PartContext } from "../../src/apply/plan.js";
import { FakeClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { type PolicyInput, policySchema } from "../../src/policy/schema.js";
import type { Runner } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-fw-v6off-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const noRun: Runner = () => Promise.reject(new Error("the preflight must not run programs"));

/** --root context (nothing live is read) with the applying session coming from `from` */
function ctx(policy: PolicyInput, from?: string): PartContext {
  return {
    fs: new HostFs(dir),
    run: noRun,
    policy: policySchema.parse(policy),
    log: silentLogger,
    clock: new FakeClock(Date.parse("2026-01-01T12:00:00Z")),
    live: false,
    session: from ? { clientAddr: from, sshConnection: `${from} 50000 ${from.includes(":") ? "2001:db8::1" : "192.0.2.1"} 22` } : {},
  };
}
/** what plan() produces on a live host when the ruleset changes; the preflight only looks at part and kind */
const loadRuleset = { kind: "kernel", part: "firewall" } as KernelChange;

test("ipv6: false with the session over IPv6 is refused, whatever keepAdminSession says; over IPv4 (or mapped) it is not", async () => {
  for (const keepAdminSession of [true, false]) {
    const r = await firewallPart.preflight(ctx({ firewall: { ipv6: false, keepAdminSession } }, "2001:db8:ad::5"), [loadRuleset]);
    assert.equal(r.length, 1, JSON.stringify(r));
    assert.match(r[0]?.reason ?? "", /connected over IPv6 \(2001:db8:ad::5\).*firewall\.ipv6: false/);
    assert.match(r[0]?.fix ?? "", /Connect over IPv4.*keep firewall\.ipv6: true/);
  }
  assert.deepEqual(await firewallPart.preflight(ctx({ firewall: { ipv6: false } }, "198.51.100.5"), [loadRuleset]), []);
  assert.deepEqual(await firewallPart.preflight(ctx({ firewall: { ipv6: false } }, "::ffff:198.51.100.5"), [loadRuleset]), []);
  assert.deepEqual(await firewallPart.preflight(ctx({ firewall: { ipv6: true } }, "2001:db8:ad::5"), [loadRuleset]), []);
  // nothing loaded into the kernel (--root, or the ruleset is already loaded): nothing to refuse
  assert.deepEqual(await firewallPart.preflight(ctx({ firewall: { ipv6: false } }, "2001:db8:ad::5"), []), []);
});

test("ipv6: false with an IPv6 source in an SSH rule is refused, naming the entry; other rules' IPv6 sources are not", () => {
  const policy = (inbound: unknown[], port?: number) =>
    policySchema.parse({ firewall: { ipv6: false, inbound }, ...(port ? { ssh: { port } } : {}) });
  const r = ipv6OffRefusals(
    policy([{ service: "https" }, { service: "ssh", from: ["198.51.100.0/24", "2001:db8:ad::/48"] }]),
    undefined,
    undefined,
  );
  assert.equal(r.length, 1);
  assert.match(
    r[0]?.reason ?? "",
    /^firewall\.inbound\[1\]\.from\[1\] admits SSH from 2001:db8:ad::\/48 \(IPv6\) while the policy says firewall\.ipv6: false/,
  );
  assert.match(r[0]?.fix ?? "", /remove 2001:db8:ad::\/48 from firewall\.inbound\[1\]\.from/);
  // SSH by port: the policy's port, and the port the session came in on
  assert.equal(ipv6OffRefusals(policy([{ ports: ["2000-2300"], from: ["2001:db8:ad::/48"] }], 2222), undefined, undefined).length, 1);
  assert.equal(ipv6OffRefusals(policy([{ ports: [2022], from: ["2001:db8:ad::/48"] }]), "198.51.100.5", 2022).length, 1);
  assert.equal(ipv6OffRefusals(policy([{ ports: [22], proto: "udp", from: ["2001:db8:ad::/48"] }]), undefined, undefined).length, 0);
  assert.equal(ipv6OffRefusals(policy([{ ports: [5432], from: ["2001:db8:ad::/48"] }]), undefined, undefined).length, 0);
  assert.equal(ipv6OffRefusals(policy([{ service: "ssh", from: ["198.51.100.0/24"] }]), "198.51.100.5", 22).length, 0);
});
