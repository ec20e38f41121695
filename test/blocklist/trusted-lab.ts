// The lab proof that a blocklist cannot cut off the sources the policy itself trusts (never.ts policyExempt),
// shared by the nftables and the ipset versions (trusted.test.ts). The server's policy opens SSH only to the
// admin network 203.0.113.0/24, opens port 8080 only to 198.51.100.0/24, and has 198.51.100.11 in guard.ignore;
// nobody is logged in (no SSH_CONNECTION, no `who` entry), so no session exemption helps. Then a list holding
// both /24s is loaded:
//   - the admin network still reaches SSH (the block sets come before the inbound accepts), and the refresh
//     reports the exemption like every never-block removal;
//   - the guard.ignore address still reaches 8080;
//   - another address of the 8080 network is blocked: only the admin path's `from:` is exempt (see never.ts).
import assert from "node:assert/strict";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import type { Lab } from "../lab/index.js";
import { type FirewallBackend, loadFirewall } from "./kernel-lab.js";

const WEB = 8080;
const LIST = "/etc/rampart/lab.list";
const POLICY = "/etc/rampart/policy.yaml";

interface UpdateJson {
  action: string;
  removed: { list: string; never: string; reason: string; removed: string[] }[];
}

export async function trustedSourcesSuite(lab: Lab, backend: FirewallBackend): Promise<void> {
  const srv = await lab.host("srv", { role: "server" }); // 192.0.2.10
  const adm = await lab.host("adm", { role: "admin" }); // 203.0.113.10: the SSH rule's network, not logged in
  const cli = await lab.host("cli", { role: "attacker" }); // 198.51.100.10: a web client, listed
  const ign = await lab.host("ign", { role: "attacker" }); // 198.51.100.11: listed, in guard.ignore

  await srv.writeFile(
    POLICY,
    [
      "firewall:",
      `  backend: ${backend}`,
      "  inbound:",
      "    - { service: ssh, from: [203.0.113.0/24] }",
      `    - { ports: [${WEB}], from: [198.51.100.0/24] }`,
      "guard:",
      `  ignore: [127.0.0.0/8, "::1", ${ign.v4}/32]`,
      "blocklists:",
      "  sources:",
      `    - { name: lab, file: ${LIST} }`,
      "",
    ].join("\n"),
  );
  await loadFirewall(srv, backend, POLICY);
  const listener = srv.spawn([process.execPath, path.join(REPO, "test/firewall/listen.mjs"), `22,${WEB}`]);
  await listener.waitFor("ready");
  assert.equal(await adm.tcpProbe(srv.v4, 22), "open", "the admin before any blocklist");
  assert.equal(await cli.tcpProbe(srv.v4, WEB), "open", "the web client before any blocklist");

  await srv.writeFile(LIST, "203.0.113.0/24\n198.51.100.0/24\n");
  const r = await srv.rampart(
    ["blocklist", "update", "--backend", backend === "iptables" ? "ipset" : "nftables", "--policy", POLICY, "--json"],
    { env: {}, timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(0, 2000)}`);
  const json = JSON.parse(r.stdout) as UpdateJson;
  assert.equal(json.action, "loaded");
  assert.equal(await adm.tcpProbe(srv.v4, 22), "open", "a list holding the SSH rule's network locked the admin out");
  assert.equal(await ign.tcpProbe(srv.v4, WEB), "open", "a guard.ignore address was blocked");
  assert.equal(await cli.tcpProbe(srv.v4, WEB), "timeout", "a listed client of a non-SSH rule must stay blocked");

  const removed = json.removed.map((m) => `${m.list}: ${m.never} (${m.reason}) ${m.removed.join(",")}`);
  assert.ok(
    removed.includes(
      "lab: 203.0.113.0/24 (policy firewall.inbound[0].from: the SSH rule's allowed network (the admin path)) 203.0.113.0/24",
    ),
    removed.join("\n"),
  );
  assert.ok(removed.includes(`lab: ${ign.v4}/32 (policy guard.ignore) ${ign.v4}`), removed.join("\n"));
  assert.ok(!removed.some((m) => m.startsWith("lab: 198.51.100.0/24 ")), `the 8080 rule's from: must not be exempt: ${removed.join("\n")}`);

  // the text output lists the exemption like the other never-block removals
  const text = await srv.rampart(
    ["blocklist", "update", "--backend", backend === "iptables" ? "ipset" : "nftables", "--policy", POLICY, "--dry-run"],
    {
      env: {},
    },
  );
  assert.match(
    text.stdout,
    /never-block: 203\.0\.113\.0\/24 \(policy firewall\.inbound\[0\]\.from: .*\) removed from lab: 203\.0\.113\.0\/24/,
  );
}
