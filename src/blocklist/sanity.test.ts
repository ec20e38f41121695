// The blocklist sanity rules: too-wide entries refused (with the hostile list of issue #15), reserved space
// left alone (bogon lists), IPv4-mapped IPv6 held to the IPv4 minimum, and the public-space share.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr, cidrRange } from "../core/ip.js";
import { fromParsed } from "./merge.js";
import { parseList } from "./parse.js";
import { DEFAULT_LIMITS, listCap, mergedCap, publicShare, shareRefusal, tooWide } from "./sanity.js";

const wide = (text: string) => {
  const c = parseCidr(text);
  const [s, e] = cidrRange(c);
  return tooWide(c.family, s, e, DEFAULT_LIMITS, c.family === 4 && text.includes(":"));
};

test("sanity: the hostile entries are too wide; public /8 and /19, and reserved space are not", () => {
  for (const t of ["0.0.0.0/0", "1.2.3.4/0", "8.0.0.0/5", "::/0", "::ffff:0:0/96", "::ffff:0:0/103", "2000::/3", "2001::/18"]) {
    assert.ok(wide(t), `${t} must be refused`);
  }
  assert.match(wide("::ffff:0:0/96") ?? "", /IPv4-mapped/);
  for (const t of ["1.0.0.0/8", "::ffff:1.0.0.0/104", "2001::/19", "224.0.0.0/3", "10.0.0.0/8", "4000::/3", "fc00::/7", "203.0.113.0/24"]) {
    assert.equal(wide(t), undefined, `${t} must pass`);
  }
  // a range counts by its size
  assert.ok(tooWide(4, 0x07ffffffn, 0x09000000n, DEFAULT_LIMITS));
});

test("sanity: parseList refuses too-wide entries as invalid lines, sampled and counted", () => {
  const p = parseList("0.0.0.0/0\n1.2.3.4/0\n8.0.0.0/5\n::/0\n::ffff:0:0/96\n198.51.100.0/24\n2001:db8:bad::/48\n", {
    limits: DEFAULT_LIMITS,
  });
  assert.equal(p.wide, 5);
  assert.equal(p.invalid, 5);
  assert.equal(p.entries, 2);
  assert.deepEqual(
    p.samples.map((s) => [s.line, s.wide]),
    [1, 2, 3, 4, 5].map((l) => [l, true]),
  );
  // without limits (offline `blocklist merge`) nothing changes
  assert.equal(parseList("0.0.0.0/0\n").entries, 1);
});

test("sanity: public share per family, caps per list and merged", () => {
  const big = fromParsed(parseList("16.0.0.0/4\n"));
  const s = publicShare(big);
  assert.ok(s.v4 > 7 && s.v4 < 7.5, String(s.v4)); // a /4 of ≈ 3.7 G public addresses
  assert.equal(s.v6, 0);
  assert.match(shareRefusal(s, 2) ?? "", /covers 7\.\d\d% of the public IPv4 space, over the 2% cap/);
  assert.equal(shareRefusal(publicShare(fromParsed(parseList("192.0.2.0/24\n"))), 2), undefined, "reserved space counts 0");
  const limits = { ...DEFAULT_LIMITS, raise: { cn: { maxShare: 12, reason: "country" } } };
  assert.equal(listCap("cn", limits), 12);
  assert.equal(listCap("other", limits), 2);
  assert.equal(mergedCap(["cn", "other"], limits), 17);
});
