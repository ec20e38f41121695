// The sshd filter's address fast paths against core/ip.ts, the definition they stand for: addressAt (and
// v6Text, its IPv6 reader) must give exactly formatIp(tryParseIp(token)), or nothing where that refuses the
// token — on well-formed addresses in every spelling and on random near-misses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { formatIp, tryParseIp } from "../../../core/ip.js";
import { addressAt, canonicalAddress, v6Text } from "./addresses.js";

const plain = (token: string): string | undefined => {
  const r = tryParseIp(token);
  return r.ok ? formatIp(r.value) : undefined;
};

/** a group as sshd or an attacker might write it: any case, leading zeros, sometimes too long or not hex */
const group = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((v) => v.toString(16)),
  fc.integer({ min: 0, max: 0xffff }).map((v) => v.toString(16).toUpperCase().padStart(4, "0")),
  fc.constantFrom("0", "00", "0000", "ffff", "FFFF", "fFfF", "00000", "12345", "g", "", "-1", "1 ", "%1"),
);
const quad = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join(".")),
  fc.constantFrom("01.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "0.0.0.0", "255.255.255.255", "1.2.3.04"),
);
/** 1-9 groups, a `::` somewhere (or none, or two), an embedded dotted quad at the end or elsewhere */
const v6ish = fc
  .tuple(
    fc.array(group, { minLength: 0, maxLength: 9 }),
    fc.integer({ min: -1, max: 9 }),
    fc.integer({ min: -1, max: 9 }),
    fc.option(quad),
    fc.boolean(),
  )
  .map(([gs, gap, gap2, q, qLast]) => {
    const parts: string[] = [...gs];
    if (q !== null) {
      if (qLast) parts.push(q);
      else parts.splice(Math.floor(parts.length / 2), 0, q);
    }
    let s = "";
    for (let i = 0; i <= parts.length; i++) {
      if (i === gap || i === gap2) s += "::";
      else if (i > 0 && i < parts.length) s += ":";
      if (i < parts.length) s += parts[i];
    }
    return s;
  });
/** mapped, compatible and zero-run forms written out in full and compressed */
const structured = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.nat(7), fc.nat(8), fc.boolean())
  .map(([g, zeroAt, zeroLen, mapped]) => {
    const w = [...g];
    for (let i = zeroAt; i < Math.min(8, zeroAt + zeroLen); i++) w[i] = 0;
    if (mapped) w.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    return w.map((x) => x.toString(16)).join(":");
  })
  .chain((full) =>
    fc.constantFrom(full, plain(full) ?? full, full.replace(/(^|:)0(:0)+(:|$)/, "::"), `${full.split(":").slice(0, 6).join(":")}:1.2.3.4`),
  );

describe("the sshd filter's addresses = core/ip.ts", () => {
  test("v6Text = formatIp(tryParseIp) on IPv6-looking tokens", () => {
    fc.assert(
      fc.property(fc.oneof(v6ish, structured), (token) => {
        if (!token.includes(":")) return;
        assert.equal(v6Text(token) ?? undefined, plain(token), token);
        assert.equal(canonicalAddress(token), plain(token), token);
      }),
      { numRuns: 30_000 },
    );
  });

  test("addressAt reads the token in place, within a line", () => {
    fc.assert(
      fc.property(fc.oneof(v6ish, structured, quad), fc.string({ maxLength: 8 }), (token, around) => {
        const line = `${around} ${token} ${around}`;
        const start = around.length + 1;
        assert.equal(addressAt(line, start, start + token.length), token.length > 45 ? undefined : plain(token), token);
      }),
      { numRuns: 10_000 },
    );
  });

  test("corner cases", () => {
    for (const t of ["::", "::1", "1::", "::ffff:1.2.3.4", "::ffff:0102:0304", "::1.2.3.4", "0:0:0:0:0:ffff:1.2.3.4", "1:0:0:1:0:0:0:1"]) {
      assert.equal(v6Text(t), plain(t) ?? null, t);
    }
    for (const t of [
      ":",
      ":::",
      ":1",
      "1:",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "::1%eth0",
      "1.2.3.4::",
      "::12345",
      "::1:2:3:4:5:6:7:8",
    ]) {
      assert.equal(v6Text(t), null, t);
      assert.equal(plain(t), undefined, t);
    }
    assert.equal(v6Text("2001:DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert.equal(v6Text("::ffff:c000:0207"), "192.0.2.7");
  });
});
