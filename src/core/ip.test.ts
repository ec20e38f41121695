import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  canonicalV4Value,
  canonicalV6Groups,
  cidrContains,
  cidrOf,
  formatCidr,
  formatIp,
  normalizeIp,
  parseCidr,
  parseIp,
  tryParseCidr,
  tryParseIp,
} from "./ip.js";

test("IPv4 parses and formats", () => {
  assert.equal(formatIp(parseIp("192.0.2.1")), "192.0.2.1");
  assert.equal(parseIp("255.255.255.255").value, 0xffffffffn);
  assert.equal(parseIp("0.0.0.0").family, 4);
});

test("IPv6 is zero-compressed and lower-cased (RFC 5952)", () => {
  assert.equal(normalizeIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(normalizeIp("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  assert.equal(normalizeIp("2001:0db8:0000:0001:0000:0000:0000:0000"), "2001:db8:0:1::");
  assert.equal(normalizeIp("::"), "::");
  assert.equal(normalizeIp("::1"), "::1");
  assert.equal(normalizeIp("fe80::"), "fe80::");
  assert.equal(normalizeIp("2001:db8:1:1:1:1:1:0"), "2001:db8:1:1:1:1:1:0");
  assert.equal(normalizeIp("2001:db8::0:1"), "2001:db8::1");
});

test("IPv4-mapped IPv6 is the IPv4 address", () => {
  const a = parseIp("::ffff:198.51.100.7");
  assert.equal(a.family, 4);
  assert.equal(formatIp(a), "198.51.100.7");
  assert.equal(parseIp("::ffff:c633:6407").family, 4);
  assert.equal(parseIp("::ffff:198.51.100.7", { unmapV4: false }).family, 6);
  assert.equal(formatIp(parseIp("::ffff:198.51.100.7", { unmapV4: false })), "::ffff:198.51.100.7");
});

test("garbage is rejected with a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /empty/],
    ["1.2.3", /4 dot-separated/],
    ["1.2.3.256", /larger than 255/],
    ["01.2.3.4", /leading zero/],
    ["1.2.3.4 ", /not a number/],
    ["a.b.c.d", /not a number/],
    ["2001:db8::1::2", /only once/],
    ["2001:db8:1:2:3:4:5:6:7", /8 groups/],
    ["2001:db8:12345::", /hex group/],
    ["fe80::1%eth0", /zone index/],
    ["1.2.3.4::", /must come last|hex group/],
    [":1:2:3:4:5:6:7", /empty group|8 groups/],
    ["x".repeat(100), /too long/],
  ];
  for (const [text, reason] of cases) {
    const r = tryParseIp(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.reason, reason, text);
  }
  assert.throws(() => parseIp("nope"), /invalid IP address "nope"/);
});

test("CIDR parsing masks host bits, or rejects them when strict", () => {
  assert.equal(formatCidr(parseCidr("192.0.2.77/24")), "192.0.2.0/24");
  const strict = tryParseCidr("192.0.2.77/24", { strict: true });
  assert.equal(strict.ok, false);
  if (!strict.ok) assert.match(strict.reason, /did you mean 192\.0\.2\.0\/24/);
  assert.equal(formatCidr(parseCidr("2001:db8::1/32")), "2001:db8::/32");
  assert.equal(formatCidr(parseCidr("198.51.100.7")), "198.51.100.7");
  assert.equal(formatCidr(parseCidr("198.51.100.7"), true), "198.51.100.7/32");
  assert.equal(formatCidr(parseCidr("::ffff:192.0.2.0/120")), "192.0.2.0/24");
  assert.equal(tryParseCidr("10.0.0.0/33").ok, false);
  assert.equal(tryParseCidr("10.0.0.0/x").ok, false);
  assert.equal(formatCidr(parseCidr("0.0.0.0/0")), "0.0.0.0/0");
});

test("contains and /64 aggregation", () => {
  assert.ok(cidrContains(parseCidr("2001:db8:bad::/48"), parseIp("2001:db8:bad::7")));
  assert.ok(!cidrContains(parseCidr("2001:db8:bad::/48"), parseIp("2001:db8:bae::7")));
  assert.ok(!cidrContains(parseCidr("0.0.0.0/0"), parseIp("::1")), "families never mix");
  assert.equal(formatCidr(cidrOf(parseIp("2001:db8:bad:1:aaaa:bbbb:cccc:dddd"), 64)), "2001:db8:bad:1::/64");
});

test("property: format(parse(x)) round-trips for every IPv4 and IPv6 value", () => {
  fc.assert(
    fc.property(fc.ipV4(), (s) => formatIp(parseIp(s)) === s),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.ipV6(), (s) => {
      const a = parseIp(s, { unmapV4: false });
      const b = parseIp(formatIp(a), { unmapV4: false });
      return a.value === b.value && a.family === b.family;
    }),
    { numRuns: 500 },
  );
});

test("canonicalV4Value: a number exactly when formatIp writes the text as it is (property)", () => {
  const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "007", "", "a", "-1", "1e2", " 1"));
  fc.assert(
    fc.property(fc.array(octet, { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 3 }), (parts, around) => {
      const token = parts.join(".");
      const r = tryParseIp(token);
      const canonical = r.ok && r.value.family === 4 && formatIp(r.value) === token;
      assert.equal(canonicalV4Value(token), canonical && r.ok ? Number(r.value.value) : -1, token);
      // inside a longer text: only text[start..end) counts
      const text = `${around}${token}${around}`;
      assert.equal(canonicalV4Value(text, around.length, around.length + token.length), canonicalV4Value(token), text);
    }),
    { numRuns: 3000 },
  );
  assert.equal(canonicalV4Value("255.255.255.255"), 0xffffffff);
  assert.equal(canonicalV4Value("::ffff:1.2.3.4"), -1);
});

test("canonicalV6Groups: the groups exactly when formatIp writes the text as it is (property)", () => {
  // texts near the canonical form: groups of zeros (runs to compress), leading zeros, upper case, "::" in
  // the wrong place, too few or too many groups, v4-mapped and embedded IPv4, stray characters
  const group = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom("0", "0", "0", "1", "db8", "2001", "ffff", "abcd") },
    { weight: 1, arbitrary: fc.constantFrom("00", "0db8", "DB8", "", "12345", "g", "1.2.3.4", " ") },
  );
  const out = new Int32Array(8);
  fc.assert(
    fc.property(fc.array(group, { minLength: 1, maxLength: 9 }), fc.integer({ min: -1, max: 9 }), (groups, at) => {
      const parts = [...groups];
      if (at >= 0 && at <= parts.length) parts.splice(at, 0, "");
      let token = parts.join(":");
      if (at === 0) token = `:${token}`;
      if (at === parts.length - 1 && at > 0) token = `${token}:`;
      const r = tryParseIp(token, { unmapV4: false });
      // formatIp writes a v4-mapped address with a dotted quad: left to tryParseIp
      const canonical = r.ok && r.value.family === 6 && formatIp(r.value) === token && !token.includes(".");
      assert.equal(canonicalV6Groups(token, out), canonical, token);
      if (canonical && r.ok) {
        const want = Array.from({ length: 8 }, (_, i) => Number((r.value.value >> BigInt((7 - i) * 16)) & 0xffffn));
        assert.deepEqual([...out], want, token);
      }
    }),
    { numRuns: 5000 },
  );
  // and every canonical text formatIp writes
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0, 0, 0, 1, 0xdb8, 0xffff), { minLength: 8, maxLength: 8 }), (g) => {
      const text = formatIp({ family: 6, value: g.reduce((v, x) => (v << 16n) | BigInt(x), 0n) });
      assert.equal(canonicalV6Groups(text, out), !text.includes("."), text);
      if (!text.includes(".")) assert.deepEqual([...out], g, text);
    }),
    { numRuns: 3000 },
  );
  for (const t of ["::", "::1", "1::", "2001:db8::1", "2001:db8:0:1::", "1:0:0:2::", "2001:db8:0:0:1::"])
    assert.equal(canonicalV6Groups(t, out), true, t);
  for (const t of [
    "::ffff:1.2.3.4",
    "::ffff:0:1",
    "2001:db8::0:1",
    "2001:DB8::1",
    "1::2::3",
    "1:2:3:4:5:6:7::",
    ":1",
    "1:",
    "2001:db8::1:0:0:0",
  ])
    assert.equal(canonicalV6Groups(t, out), false, t);
});
