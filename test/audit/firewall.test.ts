// The firewall audit checks against recorded real outputs of nft -j / iptables-save (captured in throwaway
// network namespaces, see test/fixtures/audit/firewall/README.md) and fixture roots: for every check one
// case where it passes and one where it fails, asserting status and evidence.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fwActive } from "../../src/audit/checks/firewall/active.js";
import { fwDefaultDenyIn } from "../../src/audit/checks/firewall/default-deny-in.js";
import { fwDockerBypass } from "../../src/audit/checks/firewall/docker-bypass.js";
import { fwExposedServices } from "../../src/audit/checks/firewall/exposed-services.js";
import { fwIpv6Parity } from "../../src/audit/checks/firewall/ipv6-parity.js";
import { fwOutboundDeny } from "../../src/audit/checks/firewall/outbound.js";
import { fwPersisted } from "../../src/audit/checks/firewall/persisted.js";
import { fwRampartTable } from "../../src/audit/checks/firewall/rampart-table.js";
import { reach } from "../../src/firewall/observed/input-path.js";
import { parseNftJson } from "../../src/firewall/observed/nft-json.js";
import { checks } from "../../src/audit/checks/firewall/index.js";
import { type Answer, type FileSpec, fakeRunner, recorded, runCheck } from "./firewall.fixture.js";

interface Tools {
  nft?: string;
  legacy4?: string;
  legacy6?: string;
  xnft4?: string;
  xnft6?: string;
}

/** Runner answers from recorded files (paths under test/fixtures/audit/firewall); absent = empty output. */
async function tools(t: Tools, extra: Record<string, Answer> = {}) {
  const read = async (f: string | undefined, empty: string) => ({ stdout: f ? await recorded(`firewall/${f}`) : empty });
  return fakeRunner({
    "nft -j -t list ruleset": await read(t.nft, await recorded("firewall/nft-empty.json")),
    "iptables-legacy-save": await read(t.legacy4, ""),
    "ip6tables-legacy-save": await read(t.legacy6, ""),
    "iptables-nft-save": await read(t.xnft4, ""),
    "ip6tables-nft-save": await read(t.xnft6, ""),
    ...extra,
  });
}

const V6_ON: Record<string, FileSpec> = { "/proc/sys/net/ipv6/conf/all/disable_ipv6": "0\n" };
const V6_OFF: Record<string, FileSpec> = { "/proc/sys/net/ipv6/conf/all/disable_ipv6": "1\n" };

async function procNet(): Promise<Record<string, FileSpec>> {
  const out: Record<string, FileSpec> = {};
  for (const f of ["tcp", "tcp6", "udp", "udp6"]) out[`/proc/net/${f}`] = await recorded(`firewall/proc-net/${f}`);
  // the process holding the :8080 socket (inode 45259 in the recording)
  out["/proc/4242/cmdline"] = "/usr/bin/python3\0-m\0http.server\x008080\0";
  out["/proc/4242/fd/3"] = { symlink: "socket:[45259]" };
  return out;
}

test("the firewall area has at least 7 checks with stable, unique ids and refs", () => {
  assert.ok(checks.length >= 7);
  assert.equal(new Set(checks.map((c) => c.id)).size, checks.length);
  for (const c of checks) {
    assert.match(c.id, /^FW-[A-Z0-9-]+$/);
    assert.equal(c.area, "firewall");
    assert.ok(c.refs.length > 0 && c.remediation.length > 20, c.id);
  }
});

describe("FW-ACTIVE", () => {
  test("pass: a native nftables ruleset is loaded", async () => {
    const o = await runCheck(fwActive, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }) });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["nftables (inet filter)"]);
    assert.match(String(o.source), /nft -j -t list ruleset/);
  });
  test("pass: iptables-nft (Docker host) is named as such", async () => {
    const o = await runCheck(fwActive, V6_ON, {
      run: await tools({ nft: "nft-iptables-docker.json", xnft4: "iptables-nft-save-docker.txt" }),
    });
    assert.equal(o.status, "pass");
    assert.match(JSON.stringify(o.observed), /iptables-nft \(ip filter, ip nat\)/);
  });
  test("iptables-nft-save runs only for a family nft lists a table of (ip here, not ip6)", async () => {
    const docker = await tools({ nft: "nft-iptables-docker.json", xnft4: "iptables-nft-save-docker.txt" });
    await runCheck(fwActive, V6_ON, { run: docker });
    assert.ok(docker.calls.includes("iptables-nft-save"), docker.calls.join("; "));
    assert.ok(!docker.calls.includes("ip6tables-nft-save"), docker.calls.join("; "));
    const native = await tools({ nft: "nft-inet-default-deny.json" });
    await runCheck(fwActive, V6_ON, { run: native });
    assert.ok(!native.calls.some((c) => c.includes("nft-save")), native.calls.join("; "));
  });
  test("fail: empty ruleset", async () => {
    const o = await runCheck(fwActive, V6_ON, { run: await tools({}) });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "no filter rules or drop policies loaded");
  });
  test("warn: rules in both iptables-legacy and nftables", async () => {
    const o = await runCheck(fwActive, V6_ON, {
      run: await tools({ nft: "nft-inet-default-deny.json", legacy4: "iptables-legacy-save-deny.txt" }),
    });
    assert.equal(o.status, "warn");
    assert.match(String(o.reason), /both iptables-legacy and nf_tables/);
  });
  test("error, not a pass, when nft is not permitted", async () => {
    const run = await tools({}, { "nft -j -t list ruleset": { code: 1, stderr: "Error: Operation not permitted" } });
    const o = await runCheck(fwActive, V6_ON, { run });
    assert.equal(o.status, "error");
    assert.match(String(o.reason), /Operation not permitted.*run the audit as root/);
  });
  test("pass: ufw enabled with its chains loaded (legacy)", async () => {
    const ufwSave =
      "*filter\n:INPUT DROP [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const run = await tools({}, { "iptables-legacy-save": { stdout: ufwSave } });
    const o = await runCheck(fwActive, { ...V6_ON, "/etc/ufw/ufw.conf": "# ufw\nENABLED=yes\nLOGLEVEL=low\n" }, { run });
    assert.equal(o.status, "pass");
    assert.match(JSON.stringify(o.observed), /ufw \(\/etc\/ufw\/ufw.conf:2\)/);
  });
});

describe("FW-DEFAULT-DENY-IN", () => {
  test("pass: inet table with policy drop covers IPv4 and IPv6", async () => {
    const o = await runCheck(fwDefaultDenyIn, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }) });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, {
      ipv4: "nft: table inet filter chain input: policy drop",
      ipv6: "nft: table inet filter chain input: policy drop",
    });
  });
  test("fail: empty ruleset", async () => {
    const o = await runCheck(fwDefaultDenyIn, V6_ON, { run: await tools({}) });
    assert.equal(o.status, "fail");
    assert.match(String(o.reason), /IPv4 and IPv6/);
  });
  test("fail: an ip (v4-only) table ending in drop leaves IPv6 open", async () => {
    const o = await runCheck(fwDefaultDenyIn, V6_ON, { run: await tools({ nft: "nft-ip-v4-only.json" }) });
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, { ipv4: 'nft: table ip filter chain input: last rule "drop"', ipv6: "no input chain drops by default" });
  });
  test("fail: iptables-legacy INPUT DROP but ip6tables accepts", async () => {
    const run = await tools({ legacy4: "iptables-legacy-save-deny.txt", legacy6: "ip6tables-legacy-save-open.txt" });
    const o = await runCheck(fwDefaultDenyIn, V6_ON, { run });
    assert.equal(o.status, "fail");
    assert.equal((o.observed as { ipv4: string }).ipv4, "iptables-legacy: table ip filter chain INPUT: policy drop");
    assert.match(String(o.reason), /^IPv6 /);
  });
  test("pass: iptables-nft INPUT DROP with IPv6 disabled", async () => {
    const run = await tools({ nft: "nft-iptables-docker.json", xnft4: "iptables-nft-save-docker.txt" });
    const o = await runCheck(fwDefaultDenyIn, V6_OFF, { run });
    assert.equal(o.status, "pass");
    assert.match((o.observed as { ipv6: string }).ipv6, /IPv6 disabled/);
  });
});

describe("FW-IPV6-PARITY", () => {
  test("pass: inet table", async () => {
    const o = await runCheck(fwIpv6Parity, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }) });
    assert.equal(o.status, "pass");
  });
  test("fail: v4-only table while IPv6 is on", async () => {
    const o = await runCheck(fwIpv6Parity, V6_ON, { run: await tools({ nft: "nft-ip-v4-only.json" }) });
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, { ipv4: 'nft: table ip filter chain input: last rule "drop"', ipv6: "accepted by default" });
  });
  test("pass: v4-only table with IPv6 disabled", async () => {
    const o = await runCheck(fwIpv6Parity, V6_OFF, { run: await tools({ nft: "nft-ip-v4-only.json" }) });
    assert.equal(o.status, "pass");
    assert.match(String(o.source), /disable_ipv6 = 1/);
  });
  test("skip when IPv4 is not filtered either", async () => {
    const o = await runCheck(fwIpv6Parity, V6_ON, { run: await tools({}) });
    assert.equal(o.status, "skip");
  });
});

describe("FW-EXPOSED-SERVICES", () => {
  const policy = "firewall:\n  inbound:\n    - { service: ssh }\n    - { ports: [443] }\n    - { ports: [5001], proto: udp }\n";
  test("pass: ssh, https and udp 5001 are in the policy, :8080 is rejected", async () => {
    const o = await runCheck(
      fwExposedServices,
      { ...V6_ON, ...(await procNet()) },
      { run: await tools({ nft: "nft-inet-default-deny.json" }), policyYaml: policy },
    );
    assert.equal(o.status, "pass", JSON.stringify(o));
    const ok = (o.observed as { ok: string[] }).ok;
    assert.ok(ok.includes("tcp/22 on 0.0.0.0 (uid 0): allowed by policy"));
    assert.ok(
      ok.some((l) => l.startsWith('tcp/8080 on 0.0.0.0 (python3[4242]): blocked (nft: table inet filter chain input: "reject")')),
      ok.join("\n"),
    );
    assert.ok(!JSON.stringify(o.observed).includes("5432"), "loopback sockets are not judged");
  });
  test("warn: without a firewall every public socket not in the policy is listed with its process", async () => {
    const o = await runCheck(fwExposedServices, { ...V6_ON, ...(await procNet()) }, { run: await tools({}), policyYaml: policy });
    assert.equal(o.status, "warn");
    const exposed = (o.observed as { exposed: string[] }).exposed;
    assert.deepEqual(
      exposed.map((e) => e.split(":")[0]),
      ["tcp/8080 on 0.0.0.0 (python3[4242])"],
    );
    assert.match(String(o.reason), /: tcp\/8080 \(python3\[4242\]\)$/);
  });
  test("an accepted port not in the policy is exposed; a source-restricted one is not", async () => {
    const rs = parseNftJson(await recorded("firewall/nft-inet-default-deny.json"));
    assert.equal(reach(rs, { v: 6, proto: "tcp", port: 80 }).state, "open");
    assert.equal(reach(rs, { v: 4, proto: "tcp", port: 22 }).state, "restricted");
    assert.equal(reach(rs, { v: 4, proto: "udp", port: 5005 }).state, "open");
    assert.equal(reach(rs, { v: 4, proto: "udp", port: 5011 }).state, "blocked");
  });
});

describe("FW-DOCKER-BYPASS", () => {
  test("fail: a published port and an empty DOCKER-USER", async () => {
    const run = await tools({ nft: "nft-iptables-docker.json", xnft4: "iptables-nft-save-docker.txt" });
    const o = await runCheck(fwDockerBypass, V6_ON, { run });
    assert.equal(o.status, "fail");
    const obs = o.observed as { published: string[]; forwardFilters: string[] };
    assert.equal(obs.published.length, 1);
    assert.match(obs.published[0] ?? "", /--dport 8080 -j DNAT --to-destination 172.17.0.2:80/);
    assert.deepEqual(obs.forwardFilters, []);
  });
  test("pass: DOCKER-USER drops new connections", async () => {
    const run = await tools({ nft: "nft-iptables-docker-user.json", xnft4: "iptables-nft-save-docker-user.txt" });
    const o = await runCheck(fwDockerBypass, V6_ON, { run });
    assert.equal(o.status, "pass");
    assert.deepEqual((o.observed as { forwardFilters: string[] }).forwardFilters, ["iptables-nft ip DOCKER-USER: 2 rule(s)"]);
  });
  test("skip without Docker", async () => {
    const o = await runCheck(fwDockerBypass, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }) });
    assert.equal(o.status, "skip");
  });
});

describe("FW-PERSISTED", () => {
  const rules =
    "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n    tcp dport 22 accept\n  }\n}\n";
  const stock =
    "#!/usr/sbin/nft -f\n\nflush ruleset\n\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n\tchain forward {\n\t\ttype filter hook forward priority filter;\n\t}\n\tchain output {\n\t\ttype filter hook output priority filter;\n\t}\n}\n";
  test("pass: /etc/nftables.conf with rules and nftables.service enabled", async () => {
    const o = await runCheck(
      fwPersisted,
      {
        "/etc/nftables.conf": rules,
        "/etc/systemd/system/sysinit.target.wants/nftables.service": { symlink: "/lib/systemd/system/nftables.service" },
      },
      { live: false },
    );
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["/etc/nftables.conf (rules) + /etc/systemd/system/sysinit.target.wants/nftables.service"]);
  });
  test("fail: Debian's stock accept-all nftables.conf, even with the unit enabled", async () => {
    const o = await runCheck(
      fwPersisted,
      {
        "/etc/nftables.conf": stock,
        "/etc/systemd/system/sysinit.target.wants/nftables.service": { symlink: "/lib/systemd/system/nftables.service" },
      },
      { live: false },
    );
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, ["nftables.service is enabled but /etc/nftables.conf has no rules (accept-all skeleton)"]);
  });
  test("fail: rules.v4 without netfilter-persistent enabled; masked unit does not count", async () => {
    const o = await runCheck(
      fwPersisted,
      {
        "/etc/iptables/rules.v4": await recorded("firewall/iptables-legacy-save-deny.txt"),
        "/etc/systemd/system/multi-user.target.wants/nftables.service": { symlink: "/lib/systemd/system/nftables.service" },
        "/etc/systemd/system/nftables.service": { symlink: "/dev/null" },
      },
      { live: false },
    );
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, ["/etc/iptables/rules.v4 has rules but netfilter-persistent.service is not enabled"]);
  });
});

describe("FW-OUTBOUND-DENY", () => {
  const allowlist = "firewall:\n  outbound: { allow: [dns, https] }\n";
  test("pass: output policy drop when the policy asks for an allowlist", async () => {
    const o = await runCheck(fwOutboundDeny, V6_ON, { run: await tools({ nft: "nft-rampart.json" }), policyYaml: allowlist });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, {
      ipv4: "nft: table inet rampart chain output: policy drop",
      ipv6: "nft: table inet rampart chain output: policy drop",
    });
  });
  test("fail: output accepts while the policy asks for an allowlist", async () => {
    const o = await runCheck(fwOutboundDeny, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }), policyYaml: allowlist });
    assert.equal(o.status, "fail");
    assert.equal(o.expected, "output policy drop, allowing only: dns, https");
  });
  test("pass (information) when the policy allows outbound", async () => {
    const o = await runCheck(fwOutboundDeny, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }) });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, { ipv4: "accept by default", ipv6: "accept by default" });
  });
});

describe("FW-RAMPART-TABLE", () => {
  const policy = "firewall: { backend: nftables }\n";
  test("pass: table inet rampart with its seven sets", async () => {
    const o = await runCheck(fwRampartTable, V6_ON, { run: await tools({ nft: "nft-rampart.json" }), policyYaml: policy });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, {
      table: "inet rampart",
      sets: [
        "rampart_ban_v4",
        "rampart_ban_v6",
        "rampart_ban_p64_v6",
        "rampart_ban_net_v4",
        "rampart_ban_net_v6",
        "rampart_block_v4",
        "rampart_block_v6",
      ],
    });
  });
  test("fail: a table loaded by an older rampart has no prefix ban sets", async () => {
    const o = await runCheck(fwRampartTable, V6_ON, { run: await tools({ nft: "nft-rampart-old-sets.json" }), policyYaml: policy });
    assert.equal(o.status, "fail");
    assert.equal(o.reason, "missing set(s): rampart_ban_p64_v6, rampart_ban_net_v4, rampart_ban_net_v6");
  });
  test("fail: policy enables the firewall but the table is not loaded", async () => {
    const o = await runCheck(fwRampartTable, V6_ON, { run: await tools({ nft: "nft-inet-default-deny.json" }), policyYaml: policy });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "no table inet rampart");
  });
  test("skip without a policy file", async () => {
    const o = await runCheck(fwRampartTable, V6_ON, { run: await tools({ nft: "nft-rampart.json" }) });
    assert.equal(o.status, "skip");
  });
});
