import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCidr } from "../core/ip.js";
import { checkElement, type GateRules, LOOPBACK, protect } from "./gate.js";

// checkElement reads a canonical IPv4 text as a number (no bigints); a Cidr argument always takes the
// general path. Both must give the same verdict for every address and protected list.
function rules(protectedTexts: string[], minV4 = 8): GateRules {
  return { minPrefix: { 4: minV4, 6: 32 }, protect: [...protect(LOOPBACK, "loopback"), ...protect(protectedTexts, "test")] };
}

let seed = 0x2545f491;
const rand = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const v4 = () => `${rand(256)}.${rand(256)}.${rand(256)}.${rand(256)}`;
// mostly documentation ranges, so that hits and misses both happen
const nearby = () => `${[192, 198, 203][rand(3)]}.${[0, 51, 113][rand(3)]}.${rand(4)}.${rand(256)}`;

test("the IPv4 fast path gives the general path's verdict, protected or not", () => {
  for (let round = 0; round < 200; round++) {
    const list = Array.from({ length: rand(6) }, () => `${nearby()}/${[24, 28, 30, 32][rand(4)]}`);
    const r = rules(list);
    for (let i = 0; i < 200; i++) {
      const text = rand(2) ? nearby() : v4();
      const fast = checkElement(text, r);
      const general = checkElement(parseCidr(text), r);
      assert.deepEqual(fast, general, `${text} against ${list.join(", ")}`);
    }
  }
});

test("a protected address is refused with the reason; the edges of a range count", () => {
  const r = rules(["198.51.100.0/24"]);
  for (const t of ["198.51.100.0", "198.51.100.255", "127.0.0.1"]) {
    const v = checkElement(t, r);
    assert.equal(v.ok, false, t);
    if (!v.ok) assert.equal(v.rule, "protected");
  }
  for (const t of ["198.51.99.255", "198.51.101.0", "203.0.113.9"]) assert.equal(checkElement(t, r).ok, true, t);
  // a rules object is read once: a new list is a new object
  const r2 = rules(["203.0.113.0/24"]);
  assert.equal(checkElement("203.0.113.9", r2).ok, false);
  assert.equal(checkElement("198.51.100.7", r2).ok, true);
});

test("non-canonical IPv4 text takes the general path (refused or canonicalised there)", () => {
  const r = rules([]);
  assert.equal(checkElement("203.0.113.07", r).ok, false);
  const v = checkElement(" 203.0.113.7", r);
  assert.ok(v.ok && v.target === "203.0.113.7");
});
