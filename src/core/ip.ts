// IPv4/IPv6 addresses and CIDR prefixes: parse strictly, normalise, format (RFC 5952), compare.
// Written by hand because rampart must reject garbage with a precise reason (an attacker writes some of the
// text we parse), treat IPv4-mapped IPv6 as the IPv4 address it is, and never read an IPv6 string as IPv4.
// Values are bigints so that both families share one code path; hot paths (blocklist merge, guard) use
// their own typed-array representations and only call in here at the edges.
import { RampartError } from "./errors.js";

export type Family = 4 | 6;

export interface IpAddress {
  readonly family: Family;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: Family;
  /** network address (host bits zero) */
  readonly value: bigint;
  readonly prefix: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n } as const;
export const familyBits = (f: Family): number => (f === 4 ? 32 : 128);

export interface ParseIpOptions {
  /** turn ::ffff:a.b.c.d into the IPv4 address a.b.c.d (default true) */
  unmapV4?: boolean;
}

export function tryParseIp(text: string, options: ParseIpOptions = {}): Parsed<IpAddress> {
  if (text.length === 0) return fail("empty address");
  if (text.length > 45) return fail("too long for an IP address");
  if (text.includes(":")) {
    const r = parseV6(text);
    if (!r.ok) return r;
    if ((options.unmapV4 ?? true) && r.value >> 32n === 0xffffn) {
      return { ok: true, value: { family: 4, value: r.value & MAX[4] } };
    }
    return { ok: true, value: { family: 6, value: r.value } };
  }
  const r = parseV4(text);
  return r.ok ? { ok: true, value: { family: 4, value: r.value } } : r;
}

/**
 * text[start..end) as a 32-bit number when it is an IPv4 address in canonical form (four decimal numbers
 * 0-255 without leading zeros — exactly how formatIp writes IPv4), else -1: then formatIp of it is the text
 * itself. For hot paths (the guard reads one per failure): no string, no bigint. A property test checks it
 * against tryParseIp/formatIp.
 */
export function canonicalV4Value(text: string, start = 0, end: number = text.length): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let dots = 0;
  let digits = 0;
  let octet = 0;
  let lead = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      digits = 0;
      octet = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      else if (lead === 48) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : -1;
}

/**
 * The 8 groups of text into `out` when it is an IPv6 address exactly as formatIp writes it (RFC 5952: lower
 * case, no leading zeros, the longest run of two or more zero groups written "::", the leftmost on a tie; not
 * v4-mapped, which formatIp writes as IPv4); false for anything else — then tryParseIp decides. For hot paths
 * (the guard's jails see an IPv6 address per failure, often a new one): no string, no bigint. A property test
 * checks it against tryParseIp/formatIp.
 */
export function canonicalV6Groups(text: string, out: Int32Array): boolean {
  const n = text.length;
  if (n < 2 || n > 39) return false;
  let count = 0; // groups read
  let gap = -1; // where "::" stands (a group index), -1: none
  let digits = 0;
  let value = 0;
  let lead = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 58 /* : */) {
      if (digits > 0) {
        if (count === 8) return false;
        out[count++] = value;
      } else if (i !== 0) return false; // ":" right after ":" (only as "::", read below) or a lone leading ":"
      digits = value = 0;
      if (i + 1 < n && text.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return false;
        gap = count;
        i++;
      } else if (i === 0 || i === n - 1) return false; // a single ":" at either end
      continue;
    }
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else return false;
    if (digits === 0) lead = c;
    else if (lead === 48) return false; // a leading zero
    if (++digits > 4) return false;
    value = value * 16 + d;
  }
  if (digits > 0) {
    if (count === 8) return false;
    out[count++] = value;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 6) return false; // "::" stands for at least two groups
    const right = count - gap;
    for (let k = right - 1; k >= 0; k--) out[8 - right + k] = out[gap + k] as number;
    for (let k = gap; k < 8 - right; k++) out[k] = 0;
  }
  if (out[0] === 0 && out[1] === 0 && out[2] === 0 && out[3] === 0 && out[4] === 0 && out[5] === 0xffff) return false;
  const [best, bestLen] = longestZeroRun(out);
  return gap < 0 ? best < 0 : best === gap && bestLen === 8 - count;
}

export function parseIp(text: string, options: ParseIpOptions = {}): IpAddress {
  const r = tryParseIp(text, options);
  if (!r.ok) throw new RampartError("INPUT", `invalid IP address "${clip(text)}": ${r.reason}`);
  return r.value;
}

export function isIp(text: string): boolean {
  return tryParseIp(text).ok;
}

export interface ParseCidrOptions extends ParseIpOptions {
  /** reject host bits set after the prefix (default false: mask them off) */
  strict?: boolean;
}

/** "a.b.c.d/n", "x::/n", or a bare address (a /32 or /128). */
export function tryParseCidr(text: string, options: ParseCidrOptions = {}): Parsed<Cidr> {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = tryParseIp(addrText, { unmapV4: false });
  if (!addr.ok) return addr;
  let { family, value } = addr.value;
  const bits = familyBits(family);
  let prefix = bits;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return fail(`prefix length "${clip(p)}" is not a number`);
    prefix = Number(p);
    if (prefix > bits) return fail(`prefix length /${prefix} is longer than ${bits} bits (IPv${family})`);
  }
  // ::ffff:0:0/96 and longer are IPv4 prefixes written as IPv6
  if ((options.unmapV4 ?? true) && family === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    family = 4;
    value &= MAX[4];
    prefix -= 96;
  }
  const masked = value & prefixMask(family, prefix);
  if (masked !== value && options.strict) {
    return fail(`host bits are set after /${prefix} (did you mean ${formatCidr({ family, value: masked, prefix })}?)`);
  }
  return { ok: true, value: { family, value: masked, prefix } };
}

export function parseCidr(text: string, options: ParseCidrOptions = {}): Cidr {
  const r = tryParseCidr(text, options);
  if (!r.ok) throw new RampartError("INPUT", `invalid address or CIDR "${clip(text)}": ${r.reason}`);
  return r.value;
}

export function prefixMask(family: Family, prefix: number): bigint {
  const bits = BigInt(familyBits(family));
  if (prefix === 0) return 0n;
  return (MAX[family] >> (bits - BigInt(prefix))) << (bits - BigInt(prefix));
}

/** first and last address of a prefix */
export function cidrRange(c: Cidr): [bigint, bigint] {
  const hostMask = MAX[c.family] ^ prefixMask(c.family, c.prefix);
  return [c.value, c.value | hostMask];
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  return c.family === ip.family && (ip.value & prefixMask(c.family, c.prefix)) === c.value;
}

/** The prefix of `prefix` bits that holds ip (e.g. its /64 for IPv6 ban aggregation). */
/** Do two prefixes share an address (either holds the other)? */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const [a0, a1] = cidrRange(a);
  const [b0, b1] = cidrRange(b);
  return a0 <= b1 && b0 <= a1;
}

export function cidrOf(ip: IpAddress, prefix: number): Cidr {
  return { family: ip.family, value: ip.value & prefixMask(ip.family, prefix), prefix };
}

export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

/** CIDR text; full-length prefixes are written as bare addresses unless `always` */
export function formatCidr(c: Cidr, always = false): string {
  const base = formatIp(c);
  return !always && c.prefix === familyBits(c.family) ? base : `${base}/${c.prefix}`;
}

/** Canonical text for any address string (lower case, zero-compressed, v4-mapped unmapped). */
export function normalizeIp(text: string): string {
  return formatIp(parseIp(text));
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

// ---- internals

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseV4(text: string): Parsed<bigint> {
  const parts = text.split(".");
  if (parts.length !== 4) return fail(`an IPv4 address has 4 dot-separated numbers, found ${parts.length}`);
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return fail(`"${clip(p)}" is not a number from 0 to 255`);
    if (p.length > 1 && p.startsWith("0")) return fail(`"${p}" has a leading zero (ambiguous: octal or decimal?)`);
    const n = Number(p);
    if (n > 255) return fail(`${n} is larger than 255`);
    v = (v << 8n) | BigInt(n);
  }
  return { ok: true, value: v };
}

function parseV6(text: string): Parsed<bigint> {
  if (text.includes("%")) return fail("zone index (%...) is not allowed here");
  const dbl = text.indexOf("::");
  if (dbl >= 0 && text.indexOf("::", dbl + 1) >= 0) return fail('"::" may appear only once');
  const sides = dbl >= 0 ? [text.slice(0, dbl), text.slice(dbl + 2)] : [text];
  const lastSide = sides.length - 1;
  const words: number[][] = [];
  for (let s = 0; s < sides.length; s++) {
    const list = sides[s] === "" ? [] : (sides[s] as string).split(":");
    const out: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const g = list[i] as string;
      if (g.includes(".")) {
        // an embedded IPv4 address is only allowed as the very last part (::ffff:1.2.3.4)
        if (s !== lastSide || i !== list.length - 1) return fail("an embedded IPv4 address must come last");
        const v4 = parseV4(g);
        if (!v4.ok) return fail(`embedded IPv4: ${v4.reason}`);
        out.push(Number(v4.value >> 16n), Number(v4.value & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(Number.parseInt(g, 16));
      } else {
        return fail(g === "" ? "empty group (a single ':' at the start or end?)" : `"${clip(g)}" is not a 1-4 digit hex group`);
      }
    }
    words.push(out);
  }
  const count = words.reduce((n, w) => n + w.length, 0);
  if (dbl < 0 && count !== 8) return fail(`an IPv6 address has 8 groups, found ${count}`);
  if (dbl >= 0 && count > 7) return fail(`too many groups for "::" to stand for any (${count})`);
  const groups = [...(words[0] ?? []), ...new Array<number>(8 - count).fill(0), ...(words[1] ?? [])];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return { ok: true, value: v };
}

function formatV4(v: bigint): string {
  const n = Number(v);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * Where `::` stands in the RFC 5952 text of 8 groups: the longest run of two or more zero groups, the first on a
 * tie (4.2), as [start, length]; start -1 when there is none.
 */
export function longestZeroRun(g: ArrayLike<number>): [start: number, length: number] {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  return [best, bestLen];
}

function formatV6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  if (v >> 32n === 0xffffn) return `::ffff:${formatV4(v & MAX[4])}`;
  const [best, bestLen] = longestZeroRun(g);
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
