// The set algebra of blocklists: per family, ranges sorted and coalesced (overlapping and adjacent ranges
// joined), union, subtraction (`--except`, never-block), intersection, then the minimal CIDR set and the
// output formats (cidr, range, nft transaction, ipset restore).
//
// Hand-written for speed, no library: IPv4 ranges live in Uint32Array start/end pairs sorted by an LSD radix
// sort (two 16-bit passes, O(n)), and output is written as bytes into one buffer, never a string per line.
// `rampart blocklist merge` of 1,000,000 random IPv4 CIDRs must stay within 1.5x of iprange's whole-process
// time (bench/blocklist.mjs measures it). IPv6 uses bigint pairs: lists are small, correctness comes first.
// The results are checked against a brute-force reference in merge.test.ts (fast-check).
import { createHash } from "node:crypto";
import { formatIp } from "../core/ip.js";
import { BLOCK_SET, NFT_TABLE } from "../firewall/sets.js";

/** Growable Uint32 start/end pairs (inclusive ends), as read (parse.ts), unsorted. */
export interface Ranges4 {
  starts: Uint32Array;
  ends: Uint32Array;
  length: number;
}

/** IPv6 ranges as bigint pairs (inclusive ends), as read (parse.ts), unsorted. */
export interface Ranges6 {
  starts: bigint[];
  ends: bigint[];
}

/** Normalised IPv4 ranges: sorted by start, disjoint, never adjacent; ends inclusive. */
export interface Set4 {
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly length: number;
}

/** Normalised IPv6 ranges, same invariants. */
export interface Set6 {
  readonly starts: readonly bigint[];
  readonly ends: readonly bigint[];
}

export interface IpSet {
  readonly v4: Set4;
  readonly v6: Set6;
}

export const EMPTY: IpSet = { v4: { starts: new Uint32Array(0), ends: new Uint32Array(0), length: 0 }, v6: { starts: [], ends: [] } };

// ---- IPv4

/** Sort raw ranges by start (radix) and coalesce overlapping and adjacent ones. */
export function normalize4(r: Ranges4): Set4 {
  const n = r.length;
  let starts = r.starts.subarray(0, n);
  let ends = r.ends.subarray(0, n);
  if (n === 0) return { starts: new Uint32Array(0), ends: new Uint32Array(0), length: 0 };
  if (!isSorted(starts)) [starts, ends] = radixSortPairs(starts, ends);
  const os = new Uint32Array(n);
  const oe = new Uint32Array(n);
  let k = 0;
  let cs = starts[0] as number;
  let ce = ends[0] as number;
  for (let i = 1; i < n; i++) {
    const s = starts[i] as number;
    const e = ends[i] as number;
    if (s <= ce + 1) {
      if (e > ce) ce = e;
    } else {
      os[k] = cs;
      oe[k] = ce;
      k++;
      cs = s;
      ce = e;
    }
  }
  os[k] = cs;
  oe[k] = ce;
  k++;
  return { starts: os.subarray(0, k), ends: oe.subarray(0, k), length: k };
}

function isSorted(a: Uint32Array): boolean {
  for (let i = 1; i < a.length; i++) if ((a[i] as number) < (a[i - 1] as number)) return false;
  return true;
}

/** LSD radix sort of (key, payload) pairs by key, two 16-bit passes. Returns new arrays. */
function radixSortPairs(keys: Uint32Array, vals: Uint32Array): [Uint32Array, Uint32Array] {
  const n = keys.length;
  const k1 = new Uint32Array(n);
  const v1 = new Uint32Array(n);
  const k2 = new Uint32Array(n);
  const v2 = new Uint32Array(n);
  const count = new Uint32Array(65536);
  digitPass(keys, vals, k1, v1, count, 0);
  digitPass(k1, v1, k2, v2, count, 16);
  return [k2, v2];
}

/** One stable counting-sort pass by the 16-bit digit of each key at `shift` (0: low half, 16: high half). */
function digitPass(keys: Uint32Array, vals: Uint32Array, outK: Uint32Array, outV: Uint32Array, count: Uint32Array, shift: 0 | 16): void {
  const n = keys.length;
  count.fill(0);
  for (let i = 0; i < n; i++) {
    const b = ((keys[i] as number) >>> shift) & 0xffff;
    count[b] = (count[b] as number) + 1;
  }
  for (let i = 0, sum = 0; i < 65536; i++) {
    const c = count[i] as number;
    count[i] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const key = keys[i] as number;
    const b = (key >>> shift) & 0xffff;
    const d = count[b] as number;
    count[b] = d + 1;
    outK[d] = key;
    outV[d] = vals[i] as number;
  }
}

class Builder4 {
  starts: Uint32Array;
  ends: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.starts = new Uint32Array(Math.max(4, capacity));
    this.ends = new Uint32Array(Math.max(4, capacity));
  }
  push(s: number, e: number): void {
    if (this.length === this.starts.length) {
      const ns = new Uint32Array(this.length * 2);
      const ne = new Uint32Array(this.length * 2);
      ns.set(this.starts);
      ne.set(this.ends);
      this.starts = ns;
      this.ends = ne;
    }
    this.starts[this.length] = s;
    this.ends[this.length] = e;
    this.length++;
  }
  done(): Set4 {
    return { starts: this.starts.subarray(0, this.length), ends: this.ends.subarray(0, this.length), length: this.length };
  }
}

export function union4(sets: readonly Set4[]): Set4 {
  const total = sets.reduce((n, s) => n + s.length, 0);
  const r: Ranges4 = { starts: new Uint32Array(total), ends: new Uint32Array(total), length: total };
  let at = 0;
  for (const s of sets) {
    r.starts.set(s.starts.subarray(0, s.length), at);
    r.ends.set(s.ends.subarray(0, s.length), at);
    at += s.length;
  }
  return normalize4(r);
}

export function subtract4(a: Set4, b: Set4): Set4 {
  const out = new Builder4(a.length + 1);
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const s = a.starts[i] as number;
    const e = a.ends[i] as number;
    let cur = s;
    while (j < b.length && (b.ends[j] as number) < cur) j++;
    for (let k = j; k < b.length && (b.starts[k] as number) <= e; k++) {
      const bs = b.starts[k] as number;
      const be = b.ends[k] as number;
      if (bs > cur) out.push(cur, bs - 1);
      if (be + 1 > cur) cur = be + 1;
      if (be >= e) break;
    }
    if (cur <= e) out.push(cur, e);
  }
  return out.done();
}

export function intersect4(a: Set4, b: Set4): Set4 {
  const out = new Builder4(Math.min(a.length, b.length) + 1);
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ae = a.ends[i] as number;
    const be = b.ends[j] as number;
    const lo = Math.max(a.starts[i] as number, b.starts[j] as number);
    const hi = Math.min(ae, be);
    if (lo <= hi) out.push(lo, hi);
    if (ae < be) i++;
    else j++;
  }
  return out.done();
}

/** Call fn for each CIDR of the minimal cover of [s, e] (IPv4). */
export function eachCidr4(s: number, e: number, fn: (net: number, prefix: number) => void): void {
  while (s <= e) {
    let size = s === 0 ? 4294967296 : (s & -s) >>> 0;
    const room = e - s + 1;
    while (size > room) size /= 2;
    fn(s, size === 4294967296 ? 0 : Math.clz32(size) + 1);
    s += size;
  }
}

// ---- IPv6 (bigint)

export function normalize6(r: Ranges6): Set6 {
  const idx = r.starts.map((_, i) => i);
  idx.sort((x, y) => {
    const a = r.starts[x] as bigint;
    const b = r.starts[y] as bigint;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  for (const i of idx) {
    const s = r.starts[i] as bigint;
    const e = r.ends[i] as bigint;
    const last = ends.length - 1;
    if (last >= 0 && s <= (ends[last] as bigint) + 1n) {
      if (e > (ends[last] as bigint)) ends[last] = e;
    } else {
      starts.push(s);
      ends.push(e);
    }
  }
  return { starts, ends };
}

export function union6(sets: readonly Set6[]): Set6 {
  return normalize6({ starts: sets.flatMap((s) => s.starts), ends: sets.flatMap((s) => s.ends) });
}

export function subtract6(a: Set6, b: Set6): Set6 {
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  let j = 0;
  for (let i = 0; i < a.starts.length; i++) {
    const e = a.ends[i] as bigint;
    let cur = a.starts[i] as bigint;
    while (j < b.starts.length && (b.ends[j] as bigint) < cur) j++;
    for (let k = j; k < b.starts.length && (b.starts[k] as bigint) <= e; k++) {
      const bs = b.starts[k] as bigint;
      const be = b.ends[k] as bigint;
      if (bs > cur) {
        starts.push(cur);
        ends.push(bs - 1n);
      }
      if (be + 1n > cur) cur = be + 1n;
      if (be >= e) break;
    }
    if (cur <= e) {
      starts.push(cur);
      ends.push(e);
    }
  }
  return { starts, ends };
}

export function intersect6(a: Set6, b: Set6): Set6 {
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  let i = 0;
  let j = 0;
  while (i < a.starts.length && j < b.starts.length) {
    const ae = a.ends[i] as bigint;
    const be = b.ends[j] as bigint;
    const as = a.starts[i] as bigint;
    const bs = b.starts[j] as bigint;
    const lo = as > bs ? as : bs; // bigint: Math.max takes numbers only
    const hi = ae < be ? ae : be;
    if (lo <= hi) {
      starts.push(lo);
      ends.push(hi);
    }
    if (ae < be) i++;
    else j++;
  }
  return { starts, ends };
}

const V6_ALL = 1n << 128n;

export function eachCidr6(s: bigint, e: bigint, fn: (net: bigint, prefix: number) => void): void {
  while (s <= e) {
    let size = s === 0n ? V6_ALL : s & -s;
    const room = e - s + 1n;
    while (size > room) size >>= 1n;
    fn(s, 128 - (size.toString(2).length - 1));
    s += size;
  }
}

// ---- whole sets

/** The set of a parsed list (parse.ts ParsedList). */
export function fromParsed(list: { v4: Ranges4; v6: Ranges6 }): IpSet {
  return { v4: normalize4(list.v4), v6: normalize6(list.v6) };
}

export function union(sets: readonly IpSet[]): IpSet {
  return { v4: union4(sets.map((s) => s.v4)), v6: union6(sets.map((s) => s.v6)) };
}

export function subtract(a: IpSet, b: IpSet): IpSet {
  return { v4: subtract4(a.v4, b.v4), v6: subtract6(a.v6, b.v6) };
}

export function intersect(a: IpSet, b: IpSet): IpSet {
  return { v4: intersect4(a.v4, b.v4), v6: intersect6(a.v6, b.v6) };
}

export function isEmpty(s: IpSet): boolean {
  return s.v4.length === 0 && s.v6.starts.length === 0;
}

/** Does the set hold this address? (binary search) */
export function has4(s: Set4, ip: number): boolean {
  let lo = 0;
  let hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((s.ends[mid] as number) < ip) lo = mid + 1;
    else if ((s.starts[mid] as number) > ip) hi = mid - 1;
    else return true;
  }
  return false;
}

export interface SetStats {
  v4: { ranges: number; cidrs: number; addresses: number };
  v6: { ranges: number; cidrs: number; addresses: string };
}

export function stats(s: IpSet): SetStats {
  let c4 = 0;
  let a4 = 0;
  for (let i = 0; i < s.v4.length; i++) {
    const st = s.v4.starts[i] as number;
    const en = s.v4.ends[i] as number;
    a4 += en - st + 1;
    eachCidr4(st, en, () => c4++);
  }
  let c6 = 0;
  let a6 = 0n;
  for (let i = 0; i < s.v6.starts.length; i++) {
    const st = s.v6.starts[i] as bigint;
    const en = s.v6.ends[i] as bigint;
    a6 += en - st + 1n;
    eachCidr6(st, en, () => c6++);
  }
  return { v4: { ranges: s.v4.length, cidrs: c4, addresses: a4 }, v6: { ranges: s.v6.starts.length, cidrs: c6, addresses: a6.toString() } };
}

// ---- output

export const OUTPUT_FORMATS = ["cidr", "range", "nft", "ipset"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface SetNames {
  /** nft table (family inet) */
  table: string;
  v4: string;
  v6: string;
}

/** The blocklist sets of rampart's firewall (their names have one owner: firewall/sets.ts). */
export const DEFAULT_SET_NAMES: SetNames = { table: NFT_TABLE, v4: BLOCK_SET[4], v6: BLOCK_SET[6] };

/** ipset sizes from the data: maxelem with room to grow, hashsize a power of two near n/4. */
export function ipsetSizing(cidrs: number): { maxelem: number; hashsize: number } {
  const maxelem = Math.max(65536, 2 ** Math.ceil(Math.log2(Math.max(1, cidrs) * 1.25)));
  const hashsize = Math.max(1024, 2 ** Math.ceil(Math.log2(Math.max(1, cidrs) / 4)));
  return { maxelem, hashsize };
}

/** Byte writer: ASCII into 1 MiB chunks. */
export class ByteOut {
  readonly chunks: Uint8Array[] = [];
  private buf = new Uint8Array(1 << 20);
  private pos = 0;

  private room(k: number): void {
    if (this.pos + k > this.buf.length) {
      this.chunks.push(this.buf.subarray(0, this.pos));
      this.buf = new Uint8Array(Math.max(1 << 20, k));
      this.pos = 0;
    }
  }
  str(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i) & 0x7f;
  }
  byte(c: number): void {
    this.room(1);
    this.buf[this.pos++] = c;
  }
  num(x: number): void {
    this.room(10);
    if (x >= 100) {
      this.buf[this.pos++] = 48 + Math.floor(x / 100);
      this.buf[this.pos++] = 48 + (Math.floor(x / 10) % 10);
    } else if (x >= 10) {
      this.buf[this.pos++] = 48 + Math.floor(x / 10);
    }
    this.buf[this.pos++] = 48 + (x % 10);
  }
  v4(a: number): void {
    this.num(a >>> 24);
    this.byte(46);
    this.num((a >>> 16) & 255);
    this.byte(46);
    this.num((a >>> 8) & 255);
    this.byte(46);
    this.num(a & 255);
  }
  done(): Uint8Array[] {
    if (this.pos > 0) this.chunks.push(this.buf.subarray(0, this.pos));
    this.pos = 0;
    this.buf = new Uint8Array(0);
    return this.chunks;
  }
}

const v6Text = (x: bigint) => formatIp({ family: 6, value: x });

function cidrText6(net: bigint, prefix: number): string {
  return prefix === 128 ? v6Text(net) : `${v6Text(net)}/${prefix}`;
}

/** Write one IPv4 CIDR, a /32 as a bare address (as iprange prints it). */
function writeCidr4(o: ByteOut, net: number, prefix: number): void {
  o.v4(net);
  if (prefix !== 32) {
    o.byte(47);
    o.num(prefix);
  }
}

/** cidr: one minimal CIDR per line; range: one `a-b` per merged range. IPv4 first, then IPv6. */
export function writeList(o: ByteOut, s: IpSet, format: "cidr" | "range"): void {
  for (let i = 0; i < s.v4.length; i++) {
    const st = s.v4.starts[i] as number;
    const en = s.v4.ends[i] as number;
    if (format === "range") {
      o.v4(st);
      o.byte(45);
      o.v4(en);
      o.byte(10);
    } else {
      // eachCidr4, inlined: this loop writes every line of `blocklist merge`
      let s = st;
      while (s <= en) {
        let size = s === 0 ? 4294967296 : (s & -s) >>> 0;
        const room = en - s + 1;
        while (size > room) size /= 2;
        writeCidr4(o, s, size === 4294967296 ? 0 : Math.clz32(size) + 1);
        o.byte(10);
        s += size;
      }
    }
  }
  for (let i = 0; i < s.v6.starts.length; i++) {
    const st = s.v6.starts[i] as bigint;
    const en = s.v6.ends[i] as bigint;
    if (format === "range") o.str(`${v6Text(st)}-${v6Text(en)}\n`);
    else eachCidr6(st, en, (net, p) => o.str(`${cidrText6(net, p)}\n`));
  }
}

// one `add element` per set: nft takes 230k elements in one statement in ~1.6 s, but 2.3x longer in 8k chunks
const NFT_CHUNK = 2 ** 31;

/**
 * One nft transaction that replaces both sets' contents: `flush set` then `add element` in the same file, so
 * `nft -f` applies all of it or none of it and the live set is never empty or partial. Elements are written as
 * ranges (a CIDR when the range is exactly one), which interval sets store as one interval each.
 */
export function writeNftScript(o: ByteOut, s: IpSet, names: SetNames = DEFAULT_SET_NAMES): void {
  o.str(`flush set inet ${names.table} ${names.v4}\n`);
  for (let i = 0; i < s.v4.length; i += NFT_CHUNK) {
    o.str(`add element inet ${names.table} ${names.v4} {`);
    const end = Math.min(s.v4.length, i + NFT_CHUNK);
    for (let k = i; k < end; k++) {
      const st = s.v4.starts[k] as number;
      const en = s.v4.ends[k] as number;
      o.str(k === i ? " " : ", ");
      const p = exactPrefix4(st, en);
      if (p >= 0) writeCidr4(o, st, p);
      else {
        o.v4(st);
        o.byte(45);
        o.v4(en);
      }
    }
    o.str(" }\n");
  }
  o.str(`flush set inet ${names.table} ${names.v6}\n`);
  for (let i = 0; i < s.v6.starts.length; i += NFT_CHUNK) {
    const end = Math.min(s.v6.starts.length, i + NFT_CHUNK);
    const parts: string[] = [];
    for (let k = i; k < end; k++) {
      const st = s.v6.starts[k] as bigint;
      const en = s.v6.ends[k] as bigint;
      const p = exactPrefix6(st, en);
      parts.push(p >= 0 ? cidrText6(st, p) : `${v6Text(st)}-${v6Text(en)}`);
    }
    o.str(`add element inet ${names.table} ${names.v6} { ${parts.join(", ")} }\n`);
  }
}

/** The prefix when [s, e] is exactly one CIDR, else -1. */
function exactPrefix4(s: number, e: number): number {
  const size = e - s + 1;
  if ((size & (size - 1)) !== 0 && size !== 4294967296) return -1;
  if (size === 4294967296) return 0;
  if (s % size !== 0) return -1;
  return Math.clz32(size) + 1;
}

function exactPrefix6(s: bigint, e: bigint): number {
  const size = e - s + 1n;
  if ((size & (size - 1n)) !== 0n || s % size !== 0n) return -1;
  return 128 - (size.toString(2).length - 1);
}

/**
 * ipset restore input for hash:net sets named `v4`/`v6` (create + add). A /0 is written as two /1 because
 * hash:net does not take prefix 0.
 */
export function writeIpsetRestore(o: ByteOut, s: IpSet, names: { v4: string; v6: string }, counts?: SetStats): void {
  const st = counts ?? stats(s);
  for (const fam of [4, 6] as const) {
    const n = fam === 4 ? st.v4.cidrs : st.v6.cidrs;
    const { maxelem, hashsize } = ipsetSizing(n);
    const name = fam === 4 ? names.v4 : names.v6;
    o.str(`create ${name} hash:net family ${fam === 4 ? "inet" : "inet6"} hashsize ${hashsize} maxelem ${maxelem}\n`);
    if (fam === 4) {
      for (let i = 0; i < s.v4.length; i++) {
        eachCidr4(s.v4.starts[i] as number, s.v4.ends[i] as number, (net, p) => {
          if (p === 0) {
            o.str(`add ${name} 0.0.0.0/1\nadd ${name} 128.0.0.0/1\n`);
            return;
          }
          o.str(`add ${name} `);
          writeCidr4(o, net, p);
          o.byte(10);
        });
      }
    } else {
      for (let i = 0; i < s.v6.starts.length; i++) {
        eachCidr6(s.v6.starts[i] as bigint, s.v6.ends[i] as bigint, (net, p) => {
          if (p === 0) o.str(`add ${name} ::/1\nadd ${name} 8000::/1\n`);
          else o.str(`add ${name} ${cidrText6(net, p)}\n`);
        });
      }
    }
  }
}

export function render(s: IpSet, format: OutputFormat, names: SetNames = DEFAULT_SET_NAMES): Uint8Array[] {
  const o = new ByteOut();
  if (format === "nft") writeNftScript(o, s, names);
  else if (format === "ipset") writeIpsetRestore(o, s, names);
  else writeList(o, s, format);
  return o.done();
}

/** A content hash of the set (its canonical CIDR text): equal sets, equal hashes. */
export function setHash(s: IpSet): string {
  const h = createHash("sha256");
  for (const c of render(s, "cidr")) h.update(c);
  return h.digest("hex");
}

export function toText(chunks: readonly Uint8Array[]): string {
  return Buffer.concat(chunks).toString("ascii");
}
