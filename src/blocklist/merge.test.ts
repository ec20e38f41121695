// Property tests: union, subtraction and intersection of parsed lists, checked against a brute-force bitmap
// over a small window of the address space (at 0, in the middle, at the very top), for IPv4 and IPv6; the
// CIDR output must cover exactly the reference set and be minimal.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { formatIp } from "../core/ip.js";
import { eachCidr4, eachCidr6, fromParsed, intersect, type IpSet, normalize4, render, subtract, toText, union } from "./merge.js";
import { parseEntry, parseList } from "./parse.js";

const W = 256; // window size

interface Spec {
  /** first..last offsets inside the window */
  a: number;
  b: number;
  kind: "addr" | "cidr" | "range" | "mask";
}

const specArb = fc.record({
  a: fc.integer({ min: 0, max: W - 1 }),
  b: fc.integer({ min: 0, max: W - 1 }),
  kind: fc.constantFrom("addr" as const, "cidr" as const, "range" as const, "mask" as const),
});

/** Turn a spec into list text and its offsets (as the reference understands the entry). */
function entry4(base: number, sp: Spec): { text: string; lo: number; hi: number } {
  const v4 = (x: number) => formatIp({ family: 4, value: BigInt(base + x) });
  const lo = Math.min(sp.a, sp.b);
  const hi = Math.max(sp.a, sp.b);
  if (sp.kind === "addr") return { text: v4(sp.a), lo: sp.a, hi: sp.a };
  if (sp.kind === "range") return { text: `${v4(lo)}-${v4(hi)}`, lo, hi };
  const prefix = 24 + (sp.b % 9); // /24../32 inside a 256-window
  const size = 2 ** (32 - prefix);
  const net = sp.a - (sp.a % size);
  if (sp.kind === "mask") {
    const mask = formatIp({ family: 4, value: BigInt((0xffffffff << (32 - prefix)) >>> 0) });
    return { text: `${v4(sp.a)}/${prefix === 32 ? "255.255.255.255" : mask}`, lo: net, hi: net + size - 1 };
  }
  return { text: `${v4(sp.a)}/${prefix}`, lo: net, hi: net + size - 1 };
}

function entry6(base: bigint, sp: Spec): { text: string; lo: number; hi: number } {
  const v6 = (x: number) => formatIp({ family: 6, value: base + BigInt(x) });
  const lo = Math.min(sp.a, sp.b);
  const hi = Math.max(sp.a, sp.b);
  if (sp.kind === "addr") return { text: v6(sp.a), lo: sp.a, hi: sp.a };
  if (sp.kind === "range" || sp.kind === "mask") return { text: `${v6(lo)}-${v6(hi)}`, lo, hi };
  const prefix = 120 + (sp.b % 9);
  const size = 2 ** (128 - prefix);
  const net = sp.a - (sp.a % size);
  return { text: `${v6(sp.a)}/${prefix}`, lo: net, hi: net + size - 1 };
}

function bitmap(entries: { lo: number; hi: number }[]): Uint8Array {
  const m = new Uint8Array(W);
  for (const e of entries) m.fill(1, e.lo, e.hi + 1);
  return m;
}

/** The set's CIDRs as offsets in the window; asserts they are sorted, disjoint, aligned and minimal. */
function cidrsOf(set: IpSet, family: 4 | 6, base: bigint): Uint8Array {
  const m = new Uint8Array(W);
  const list: { net: number; prefix: number }[] = [];
  const bits = family === 4 ? 32 : 128;
  const add = (net: bigint, prefix: number) => {
    const off = Number(net - base);
    const size = 2 ** (bits - prefix);
    assert.ok(off >= 0 && off + size <= W, `CIDR outside the window: ${off}/${prefix}`);
    assert.equal(off % size, 0, "CIDR not aligned");
    list.push({ net: off, prefix });
    for (let i = off; i < off + size; i++) {
      assert.equal(m[i], 0, "CIDRs overlap");
      m[i] = 1;
    }
  };
  if (family === 4) {
    for (let i = 0; i < set.v4.length; i++) {
      eachCidr4(set.v4.starts[i] as number, set.v4.ends[i] as number, (n, p) => add(BigInt(n), p));
    }
    assert.equal(set.v6.starts.length, 0);
  } else {
    for (let i = 0; i < set.v6.starts.length; i++) eachCidr6(set.v6.starts[i] as bigint, set.v6.ends[i] as bigint, add);
    assert.equal(set.v4.length, 0);
  }
  // minimal: no two sibling CIDRs of the same prefix both present
  const seen = new Set(list.map((c) => `${c.net}/${c.prefix}`));
  for (const c of list) {
    const size = 2 ** (bits - c.prefix);
    if (c.prefix === 0 || c.net % (size * 2) !== 0) continue;
    assert.ok(!seen.has(`${c.net + size}/${c.prefix}`), `siblings ${c.net}/${c.prefix} not joined`);
  }
  for (let i = 1; i < list.length; i++) assert.ok((list[i] as { net: number }).net > (list[i - 1] as { net: number }).net, "not sorted");
  return m;
}

const bases4 = [0, 0xc0000200, 2 ** 32 - W]; // 0.0.0.0, 192.0.2.0, 255.255.255.0
const bases6 = [0n, 0x20010db8000000000000000000000000n, (1n << 128n) - BigInt(W)];

for (const family of [4, 6] as const) {
  test(`IPv${family}: union, except and intersect equal the brute-force reference`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(family === 4 ? bases4.map(BigInt) : bases6)),
        fc.array(specArb, { maxLength: 12 }),
        fc.array(specArb, { maxLength: 12 }),
        fc.array(specArb, { maxLength: 8 }),
        (base, xs, ys, zs) => {
          const mk = (specs: Spec[]) => specs.map((sp) => (family === 4 ? entry4(Number(base), sp) : entry6(base, sp)));
          const [ex, ey, ez] = [mk(xs), mk(ys), mk(zs)];
          const parse = (es: { text: string }[]) => {
            const l = parseList(es.map((e) => e.text).join("\n"));
            assert.equal(l.invalid, 0, JSON.stringify(l.samples));
            return fromParsed(l);
          };
          const [sx, sy, sz] = [parse(ex), parse(ey), parse(ez)];
          const [mx, my, mz] = [bitmap(ex), bitmap(ey), bitmap(ez)];
          const u = union([sx, sy]);
          const expectU = mx.map((v, i) => v | (my[i] as number));
          assert.deepEqual(cidrsOf(u, family, base), expectU);
          const d = subtract(u, sz);
          assert.deepEqual(
            cidrsOf(d, family, base),
            expectU.map((v, i) => v & ((mz[i] as number) ^ 1)),
          );
          const x = intersect(sx, sy);
          assert.deepEqual(
            cidrsOf(x, family, base),
            mx.map((v, i) => v & (my[i] as number)),
          );
          // the text output parses back to the same set
          const again = fromParsed(parseList(toText(render(u, "cidr"))));
          assert.deepEqual(cidrsOf(again, family, base), expectU);
          const ranges = fromParsed(parseList(toText(render(u, "range"))));
          assert.deepEqual(cidrsOf(ranges, family, base), expectU);
        },
      ),
      { numRuns: 300 },
    );
  });
}

test("IPv4 ranges in any order over the whole space come out sorted and coalesced (both radix digits)", () => {
  const range = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x3ffff }));
  fc.assert(
    fc.property(fc.array(range, { minLength: 2, maxLength: 200 }), (rs) => {
      const pairs = rs.map(([s, len]) => [s, Math.min(0xffffffff, s + len)] as const);
      const got = normalize4({
        starts: Uint32Array.from(pairs, (p) => p[0]),
        ends: Uint32Array.from(pairs, (p) => p[1]),
        length: pairs.length,
      });
      // reference: sort by start, merge overlapping and adjacent ranges
      const want: [number, number][] = [];
      for (const [s, e] of [...pairs].sort((a, b) => a[0] - b[0])) {
        const last = want.at(-1);
        if (last && s <= last[1] + 1) last[1] = Math.max(last[1], e);
        else want.push([s, e]);
      }
      assert.deepEqual(
        Array.from(got.starts.subarray(0, got.length), (s, i) => [s, got.ends[i]]),
        want,
      );
    }),
    { numRuns: 300 },
  );
});

test("the IPv4 fast path agrees with the reference grammar", () => {
  const alphabet = fc.constantFrom(..."0123456789./-:".split(""), "25", "255", "256", "1.2.3.4", "/32", "/0");
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 12 }), (parts) => {
      const text = parts.join("");
      const list = parseList(text);
      const ref = parseEntry(text);
      if (!ref.ok) {
        assert.equal(list.entries, 0, `fast path accepted "${text}" that the reference rejects: ${ref.reason}`);
        return;
      }
      assert.equal(list.entries, 1, `"${text}" rejected`);
      const set = fromParsed(list);
      if (ref.family === 4) {
        assert.equal(set.v4.starts[0], Number(ref.start), text);
        assert.equal(set.v4.ends[0], Number(ref.end), text);
      } else assert.equal(set.v6.starts[0], ref.start, text);
    }),
    { numRuns: 3000 },
  );
});

test("whole space and edges: 0.0.0.0/0, ::/0, 255.255.255.255", () => {
  const s = fromParsed(parseList("0.0.0.0/0\n::/0\n255.255.255.255\n"));
  assert.equal(toText(render(s, "cidr")), "0.0.0.0/0\n::/0\n");
  assert.equal(toText(render(s, "range")), "0.0.0.0-255.255.255.255\n::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n");
  const ipset = toText(render(s, "ipset"));
  assert.match(ipset, /add rampart_block_v4 0\.0\.0\.0\/1\nadd rampart_block_v4 128\.0\.0\.0\/1\n/);
  assert.match(ipset, /add rampart_block_v6 ::\/1\nadd rampart_block_v6 8000::\/1\n/);
});

test("nft output is one flush-and-fill transaction, ranges as intervals", () => {
  const s = fromParsed(parseList("192.0.2.0/25\n192.0.2.128/26\n198.51.100.7\n2001:db8::/48\n2001:db8:1::1-2001:db8:1::5\n"));
  assert.equal(
    toText(render(s, "nft")),
    [
      "flush set inet rampart rampart_block_v4",
      "add element inet rampart rampart_block_v4 { 192.0.2.0-192.0.2.191, 198.51.100.7 }",
      "flush set inet rampart rampart_block_v6",
      "add element inet rampart rampart_block_v6 { 2001:db8::/48, 2001:db8:1::1-2001:db8:1::5 }",
      "",
    ].join("\n"),
  );
});
