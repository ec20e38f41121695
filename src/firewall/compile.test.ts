import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr } from "../core/ip.js";
import { parsePolicy } from "../policy/load.js";
import { DryRunBackend } from "./backends/dryrun.js";
import { renderIptables, ruleLines, withJumpDeletes } from "./backends/iptables.js";
import { ruleText } from "./backends/nftables.js";
import { compile } from "./compile.js";
import type { Rule } from "./model.js";
import { banTargetOf, nftBanElement } from "./sets.js";

function policy(yaml: string) {
  const r = parsePolicy(yaml, "<test>");
  if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.policy;
}
const idx = (rules: Rule[], pred: (r: Rule) => boolean) => rules.findIndex(pred);

test("baseline: drop in and forward, accept out; loopback first; sets before established", () => {
  const m = compile(policy("{}"));
  assert.equal(m.chains.input.policy, "drop");
  assert.equal(m.chains.forward.policy, "drop");
  assert.equal(m.chains.output.policy, "accept");
  const input = m.chains.input.rules;
  assert.deepEqual(input[0]?.match, { iif: "lo" });
  const ban = idx(input, (r) => r.match.saddrSet === "rampart_ban_v4");
  const est = idx(input, (r) => r.match.ct?.includes("established") === true);
  assert.ok(ban > 0 && ban < est);
  assert.ok(input.some((r) => r.match.dports?.[0]?.from === 22 && r.verdict === "accept"));
  assert.deepEqual(
    m.sets.map((s) => s.name),
    [
      "rampart_ban_v4",
      "rampart_ban_v6",
      "rampart_ban_p64_v6",
      "rampart_ban_net_v4",
      "rampart_ban_net_v6",
      "rampart_block_v4",
      "rampart_block_v6",
    ],
  );
  // every ban set drops, before established
  const banNet = idx(input, (r) => r.match.saddrSet === "rampart_ban_net_v4");
  assert.ok(banNet > 0 && banNet < est);
  // the /64 set holds network addresses: its rule matches the source's first 64 bits
  const p64 = input.find((r) => r.match.saddrSet === "rampart_ban_p64_v6");
  assert.deepEqual(p64?.match, { family: 6, saddrSet: "rampart_ban_p64_v6", saddrSetPrefix: 64 });
  assert.ok(idx(input, (r) => r === p64) < est);
  assert.equal(p64?.verdict, "drop");
  // no IPv6: no /64 rule (the sets are declared all the same, so a ban never finds its set missing)
  const v4 = compile(policy("firewall: { ipv6: false }"));
  assert.equal(v4.chains.input.rules.filter((r) => r.match.saddrSet === "rampart_ban_p64_v6").length, 0);
  assert.ok(v4.sets.some((s) => s.name === "rampart_ban_p64_v6"));
});

test("ban targets: addresses, IPv6 /64s and other prefixes each in their set; a /64 in nft is its network address", () => {
  const at = (t: string) => nftBanElement(parseCidr(t));
  assert.deepEqual(at("198.51.100.7"), { set: "rampart_ban_v4", element: "198.51.100.7" });
  assert.deepEqual(at("2001:db8::7"), { set: "rampart_ban_v6", element: "2001:db8::7" });
  assert.deepEqual(at("2001:db8:1:2::/64"), { set: "rampart_ban_p64_v6", element: "2001:db8:1:2::" });
  assert.deepEqual(at("2001:db8:1::/48"), { set: "rampart_ban_net_v6", element: "2001:db8:1::/48" });
  assert.deepEqual(at("2001:db8:1:2::/65"), { set: "rampart_ban_net_v6", element: "2001:db8:1:2::/65" });
  assert.deepEqual(at("203.0.113.0/24"), { set: "rampart_ban_net_v4", element: "203.0.113.0/24" });
  // the inverse, for what nft lists back
  assert.equal(banTargetOf("rampart_ban_p64_v6", "2001:db8:1:2::"), "2001:db8:1:2::/64");
  assert.equal(banTargetOf("rampart_ban_net_v6", "2001:db8:1::/48"), "2001:db8:1::/48");
  // rendered: nft masks the source; the ipset (hash:net, holding the /64s) needs no mask
  const rule: Rule = { match: { family: 6, saddrSet: "rampart_ban_p64_v6", saddrSetPrefix: 64 }, verdict: "drop", comment: "c" };
  assert.equal(ruleText(rule), 'ip6 saddr & ffff:ffff:ffff:ffff:: @rampart_ban_p64_v6 counter drop comment "c"');
  assert.deepEqual(ruleLines(rule, 6), ['-m set --match-set rampart_ban_p64_v6 src -m comment --comment "c" -j DROP']);
});

test("anti-lockout accept comes before the ban drops, and only when keepAdminSession", () => {
  const on = compile(policy("{}"), { adminSource: "203.0.113.5", sshPort: 2222 }).chains.input.rules;
  const admin = idx(on, (r) => r.match.saddr?.[0] === "203.0.113.5");
  assert.ok(admin > 0 && admin < idx(on, (r) => r.match.saddrSet !== undefined));
  assert.equal(on[admin]?.match.dports?.[0]?.from, 2222);
  const off = compile(policy("firewall: { keepAdminSession: false }"), { adminSource: "203.0.113.5" }).chains.input.rules;
  assert.equal(
    idx(off, (r) => r.match.saddr?.[0] === "203.0.113.5"),
    -1,
  );
  // a malformed fact is ignored rather than rendered
  const bad = compile(policy("{}"), { adminSource: "1.2.3.4; drop" }).chains.input.rules;
  assert.equal(
    idx(bad, (r) => r.comment.startsWith("anti-lockout")),
    -1,
  );
});

test("sources split per family; v6 sources dropped with ipv6: false", () => {
  const yaml = (v6: boolean) => `firewall:
  ipv6: ${v6}
  inbound:
    - { ports: [5432], from: [10.0.0.0/8, "2001:db8::/32", 10.1.2.3/8] }
`;
  const rules = compile(policy(yaml(true))).chains.input.rules.filter((r) => r.comment.startsWith("firewall.inbound[0]"));
  assert.deepEqual(
    rules.map((r) => [r.match.family, r.match.saddr]),
    [
      [4, ["10.0.0.0/8"]],
      [6, ["2001:db8::/32"]],
    ],
  );
  const v4only = compile(policy(yaml(false))).chains.input.rules.filter((r) => r.comment.startsWith("firewall.inbound[0]"));
  assert.deepEqual(
    v4only.map((r) => r.match.family),
    [4],
  );
});

test("ipv6: false keeps the link's IPv6 plumbing (ND, MLD, packet-too-big) before the IPv6 drop, and nothing else", () => {
  const m = compile(policy("firewall:\n  ipv6: false\n  outbound: { allow: [dns] }\n"), { adminSource: "2001:db8::5", sshPort: 22 });
  /** the IPv6 rules of a chain up to (and with) the IPv6 drop: verdict, ICMPv6 types, hop limit, addresses, protocol */
  const v6Head = (rules: Rule[]) => {
    const end = idx(rules, (r) => r.match.family === 6 && Object.keys(r.match).length === 1 && r.verdict === "drop");
    assert.ok(end > 0, "an IPv6 drop");
    return rules
      .slice(0, end + 1)
      .filter((r) => r.match.family === 6)
      .map((r) =>
        [r.verdict, r.match.icmp6?.join(","), r.match.hopLimit, r.match.saddr?.join(","), r.match.daddr?.join(","), r.match.proto]
          .filter((x) => x !== undefined)
          .join(" "),
      );
  };
  assert.deepEqual(v6Head(m.chains.input.rules), [
    "accept 2001:db8::5 tcp",
    "accept packet-too-big",
    "accept nd-router-advert,nd-neighbor-solicit,nd-neighbor-advert 255",
    "accept mld-listener-query fe80::/10",
    "drop",
  ]);
  assert.deepEqual(v6Head(m.chains.output.rules), [
    "accept 2001:db8::5 tcp",
    "accept nd-router-solicit,nd-neighbor-solicit,nd-neighbor-advert,mld-listener-report,mld2-listener-report",
    "drop",
  ]);
  // and both backends spell them (ip6tables: one rule per type)
  const v6 = renderIptables(m, 6);
  for (const t of ["packet-too-big", "router-advertisement", "neighbour-solicitation", "neighbour-advertisement", "router-solicitation"]) {
    assert.match(v6, new RegExp(`--icmpv6-type ${t} `));
  }
  assert.match(v6, /-p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 .* -j ACCEPT\n/);
});

test("services: dns is tcp and udp; proto narrows; ssh follows ssh.port", () => {
  const m = compile(
    policy(
      "ssh: { port: 2200 }\nfirewall:\n  inbound:\n    - { service: dns }\n    - { service: ssh }\n    - { service: dns, proto: udp }\n",
    ),
  );
  const r = m.chains.input.rules.filter((x) => x.comment.startsWith("firewall.inbound"));
  assert.deepEqual(
    r.map((x) => `${x.match.proto}/${x.match.dports?.map((p) => p.from).join(",")}`),
    ["tcp/53", "udp/53", "tcp/2200", "udp/53"],
  );
});

test("a rate limit adds a per-source, per-family drop on new connections before the accept", () => {
  const r = compile(policy("firewall:\n  inbound:\n    - { service: ssh, rateLimit: 10/minute }\n")).chains.input.rules.filter((x) =>
    x.comment.startsWith("firewall.inbound[0]"),
  );
  assert.deepEqual(
    r.map((x) => [x.verdict, x.match.family, x.overSourceRate?.name]),
    [
      ["drop", 4, "rl_in0_v4"],
      ["drop", 6, "rl_in0_v6"],
      ["accept", undefined, undefined],
    ],
  );
  assert.deepEqual(r[0]?.match.ct, ["new"]);
  assert.match(ruleText(r[0] as Rule), /update @rl_in0_v4 \{ ip saddr limit rate over 10\/minute burst 10 packets \} drop/);
});

test("an outbound allowlist makes output drop by default and lists the services", () => {
  const m = compile(policy("firewall:\n  outbound: { allow: [dns, https], ports: [8443] }\n"));
  assert.equal(m.chains.output.policy, "drop");
  const rules = m.chains.output.rules.map(ruleText).join("\n");
  assert.match(rules, /udp dport 53 accept/);
  assert.match(rules, /tcp dport 443 accept/);
  assert.match(rules, /tcp dport 8443 accept/);
  assert.doesNotMatch(rules, /dport 80 /);
});

test("a comment from the policy cannot break out of the ruleset syntax", () => {
  const m = compile(policy('firewall:\n  inbound:\n    - { ports: [80], comment: "x\\" accept\\n-A INPUT -j ACCEPT #" }\n'));
  const rule = m.chains.input.rules.find((r) => r.comment.startsWith("firewall.inbound[0]")) as Rule;
  const nft = ruleText(rule);
  assert.equal(nft.split('"').length, 3, nft);
  const ipt = ruleLines(rule, 4).join("\n");
  assert.equal(ipt.split("\n").length, 1);
  assert.equal(ipt.split('"').length, 3, ipt);
});

test("iptables: more than 15 ports split into several multiport rules", () => {
  const ports = Array.from({ length: 20 }, (_, i) => 1000 + i).join(", ");
  const text = renderIptables(compile(policy(`firewall:\n  inbound:\n    - { ports: [${ports}] }\n`)), 4);
  const lines = text.split("\n").filter((l) => l.includes("--dports 10"));
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? "", /--dports 1000,.*,1014 /);
});

test("iptables: jumps already present are deleted before they are inserted again", () => {
  const file = '*filter\n:RAMPART-INPUT - [0:0]\n-I INPUT 1 -m comment --comment "rampart" -j RAMPART-INPUT\nCOMMIT\n';
  const saved = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment rampart -j RAMPART-INPUT\n-A INPUT -j DOCKER\nCOMMIT\n";
  assert.equal(
    withJumpDeletes(file, saved),
    '*filter\n:RAMPART-INPUT - [0:0]\n-D INPUT -m comment --comment rampart -j RAMPART-INPUT\n-I INPUT 1 -m comment --comment "rampart" -j RAMPART-INPUT\nCOMMIT\n',
  );
});

test("the dry-run backend records calls and restores what it had", async () => {
  const b = new DryRunBackend("nftables");
  const before = await b.snapshot();
  await b.load(b.render(compile(policy("{}"))));
  assert.ok(b.loaded?.["rampart.nft"]?.includes("table inet rampart"));
  await b.restore(before);
  assert.equal(b.loaded, undefined);
  assert.deepEqual(
    b.calls.map((c) => c.op),
    ["snapshot", "load", "restore"],
  );
});
