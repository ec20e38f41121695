// The never-block entries the policy and the Internet's plumbing add: the sources the policy trusts
// (policyExempt: guard.ignore and the SSH rules' from:, not the other rules' from:), and the NAT64 prefixes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseIp } from "../core/ip.js";
import { parsePolicy } from "../policy/load.js";
import { fromParsed, toText, render, union } from "./merge.js";
import { ALWAYS_NEVER, applyNever, policyExempt } from "./never.js";
import { parseList } from "./parse.js";
import { DEFAULT_LIMITS } from "./sanity.js";

const policy = (yaml: string) => {
  const r = parsePolicy(yaml, "test.yaml");
  assert.ok(r.policy, JSON.stringify(r.errors));
  return r.policy;
};

test("policyExempt: guard.ignore and the from: of every rule that opens SSH (service or tcp port), nothing else", () => {
  const p = policy(
    [
      "ssh: { port: 2222 }",
      "firewall:",
      "  inbound:",
      "    - { service: ssh, from: [203.0.113.0/24, 2001:db8:ad::/48] }",
      '    - { ports: ["2000-3000"], from: [192.0.2.0/28] }', // holds ssh.port 2222
      "    - { ports: [22], from: [192.0.2.64/28] }", // not the SSH port here
      "    - { ports: [2222], proto: udp, from: [192.0.2.128/28] }", // udp: not SSH
      "    - { ports: [8080], from: [198.51.100.0/24] }",
      "    - { service: https }",
      "guard:",
      "  ignore: [127.0.0.0/8, 198.51.100.7]",
    ].join("\n"),
  );
  assert.deepEqual(
    policyExempt(p).map((e) => `${e.cidr} ${e.reason}`),
    [
      "127.0.0.0/8 policy guard.ignore",
      "198.51.100.7 policy guard.ignore",
      "203.0.113.0/24 policy firewall.inbound[0].from: the SSH rule's allowed network (the admin path)",
      "2001:db8:ad::/48 policy firewall.inbound[0].from: the SSH rule's allowed network (the admin path)",
      "192.0.2.0/28 policy firewall.inbound[1].from: the SSH rule's allowed network (the admin path)",
    ],
  );
  // the default policy: ssh open to all (no from:), guard.ignore loopback only
  assert.deepEqual(
    policyExempt(policy("{}")).map((e) => e.cidr),
    ["127.0.0.0/8", "::1"],
  );
});

test("NAT64: 64:ff9b::/96 and 64:ff9b:1::/48 pass the sanity rules (not public space) but are never blocked", () => {
  const list = parseList("::/8\n64:ff9b::/96\n64:ff9b::c633:6407\n64:ff9b:1::/48\n2001:db8:bad::/48\n", { limits: DEFAULT_LIMITS });
  assert.equal(list.invalid, 0, "outside 2000::/3: neither too wide nor counted (bogon lists carry ::/8)");
  const set = fromParsed(list);
  const { result, removals } = applyNever(union([set]), [{ name: "bogons", set }], ALWAYS_NEVER);
  const out = toText(render(result, "range"));
  for (const gone of ["64:ff9b::c633:6407", "64:ff9b:1::1"]) assert.ok(!rangesHold(out, gone), `${gone} still blocked:\n${out}`);
  assert.ok(rangesHold(out, "::2"), `the rest of ::/8 stays blocked:\n${out}`);
  assert.deepEqual(
    removals.filter((r) => /NAT64/.test(r.reason)).map((r) => [r.never, r.removed.join(",")]),
    [
      ["64:ff9b::/96", "64:ff9b::/96"],
      ["64:ff9b:1::/48", "64:ff9b:1::/48"],
    ],
  );
});

/** Does a `--format range` output (one a-b range a line) hold this IPv6 address? */
function rangesHold(text: string, ip: string): boolean {
  const x = parseIp(ip).value;
  return text
    .trim()
    .split("\n")
    .filter((l) => l.includes(":"))
    .some((l) => {
      const [a = "", b = a] = l.split("-");
      return parseIp(a).value <= x && x <= parseIp(b).value;
    });
}
