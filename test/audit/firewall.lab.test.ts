// The firewall checks against the REAL nft/iptables of a private network namespace this test creates
// (`ip netns add rfw<pid36>`, removed in `finally`): an inet default-deny table must make FW-DEFAULT-DENY-IN
// pass and an empty ruleset must make it fail. The machine's own ruleset is never touched: every command
// runs through `ip netns exec`. Skips (one line) when not root; fails under CI=true.
// TODO(lab): move onto test/lab's labTest()/host.exec once test/lab/index.ts exists.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fwActive } from "../../src/audit/checks/firewall/active.js";
import { fwDefaultDenyIn } from "../../src/audit/checks/firewall/default-deny-in.js";
import { fwExposedServices } from "../../src/audit/checks/firewall/exposed-services.js";
import { fwIpv6Parity } from "../../src/audit/checks/firewall/ipv6-parity.js";
import { type Runner, run } from "../../src/system/exec.js";
import { FIXTURES, buildRoot, ctxFor } from "./firewall.fixture.js";

const ns = `rfw${process.pid.toString(36)}`;
const canRun = process.getuid?.() === 0;
const skip = canRun ? false : "needs root to create a network namespace";
if (skip && process.env.CI === "true") throw new Error(`firewall lab test cannot run under CI: ${skip}`);

/** Every program the checks start runs inside the namespace. */
const inNs: Runner = (argv, options) => run(["ip", "netns", "exec", ns, ...argv], options);

test("lab: real nft in a private netns — default-deny inet table passes, empty ruleset fails", { skip }, async () => {
  await run(["ip", "netns", "del", ns], { okCodes: "any" });
  await run(["ip", "netns", "add", ns]);
  const { root, cleanup } = await buildRoot({
    "/proc/sys/net/ipv6/conf/all/disable_ipv6": "0\n",
    "/proc/net/tcp": "  sl  local_address rem_address   st\n",
  });
  try {
    await inNs(["ip", "link", "set", "lo", "up"]);
    // empty ruleset
    let ctx = ctxFor({ root, run: inNs });
    const empty = await fwDefaultDenyIn.run(ctx);
    assert.equal(empty.status, "fail", JSON.stringify(empty));
    assert.equal((await fwActive.run(ctx)).status, "fail");

    // the recorded default-deny ruleset, loaded for real
    await inNs(["nft", "-f", `${FIXTURES}/firewall/rulesets/inet-default-deny.nft`]);
    ctx = ctxFor({ root, run: inNs });
    const deny = await fwDefaultDenyIn.run(ctx);
    assert.equal(deny.status, "pass", JSON.stringify(deny));
    assert.deepEqual(deny.observed, {
      ipv4: "nft: table inet filter chain input: policy drop",
      ipv6: "nft: table inet filter chain input: policy drop",
    });
    assert.equal((await fwIpv6Parity.run(ctx)).status, "pass");
    assert.deepEqual((await fwActive.run(ctx)).observed, ["nftables (inet filter)"]);

    // a v4-only iptables-legacy ruleset in place of it: IPv6 left open
    await inNs(["nft", "flush", "ruleset"]);
    await inNs(["iptables-legacy-restore", `${FIXTURES}/firewall/rulesets/legacy-deny.rules`]);
    ctx = ctxFor({ root, run: inNs });
    const legacy = await fwDefaultDenyIn.run(ctx);
    assert.equal(legacy.status, "fail");
    assert.equal((legacy.observed as { ipv4: string }).ipv4, "iptables-legacy: table ip filter chain INPUT: policy drop");
    assert.equal((await fwIpv6Parity.run(ctx)).status, "fail");
    assert.equal((await fwExposedServices.run(ctx)).status, "pass");
  } finally {
    await cleanup();
    await run(["ip", "netns", "del", ns], { okCodes: "any" });
  }
});
