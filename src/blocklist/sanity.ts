// Blocklist sanity: the rules an entry and a whole list must pass before anything reaches the kernel, so that
// no list (hostile, broken or mistyped) can black out the host. The block sets are matched before established
// traffic: one `0.0.0.0/0` would cut DNS, apt, the fleet database and the list server itself, and the next
// refresh would then fail and keep the bad copy.
//   - minimum prefix length per family: an entry wider than /minPrefixV4 (IPv4) or /minPrefixV6 (IPv6) that
//     touches public address space is refused. Entries entirely inside reserved space (bogon lists carry
//     224.0.0.0/3 and 4000::/3) are left alone: they cannot cut the host off from the Internet.
//   - IPv4-mapped IPv6 (`::ffff:0:0/96` and longer) is read as the IPv4 prefix it is, so the IPv4 minimum
//     applies: `::ffff:0:0/96` is IPv4 0.0.0.0/0 and is refused, never loaded.
//   - a cap on the share of the public address space (per family) one list and the merged result may cover.
//   - a cap on the entries one list may hold (default 1,000,000; blocklists.limits.maxEntries): parsing stops
//     past it and the list is refused as a whole, so one list cannot take the host's memory (an IPv6 entry
//     costs two bigints: a 64 MiB list of 3.4M of them took 1.2 GB and 47 s of CPU before the cap).
// Pure functions over the policy's limits, so the guard's ban gate can share the minimum-prefix rule.
import type { Family } from "../core/ip.js";
import { type IpSet, type Set4, type Set6, intersect4, intersect6, normalize4, normalize6 } from "./merge.js";

export interface PrefixLimits {
  /** an IPv4 entry touching public space must be at least this long (default 8: no /0../7) */
  minPrefixV4: number;
  /** an IPv6 entry touching global unicast space (2000::/3) must be at least this long (default 19) */
  minPrefixV6: number;
}

export interface ShareLimits {
  /** percent of the public address space (per family) one list may cover */
  maxShare: number;
  /** percent the merged result may cover (plus the raised lists' own caps) */
  maxMergedShare: number;
  /** per list, by name: a higher cap and why (country lists are big) */
  raise: Readonly<Record<string, { maxShare: number; reason: string }>>;
}

export interface SizeLimits {
  /** entries one list may hold; a list with more is refused as a whole (default DEFAULT_MAX_ENTRIES) */
  maxEntries: number;
}

export type Limits = PrefixLimits & ShareLimits & SizeLimits;

/** The largest real lists hold a few hundred thousand entries (FireHOL's biggest, all of a country's ranges). */
export const DEFAULT_MAX_ENTRIES = 1_000_000;

export const DEFAULT_LIMITS: Limits = {
  minPrefixV4: 8,
  minPrefixV6: 19,
  maxShare: 2,
  maxMergedShare: 5,
  raise: {},
  maxEntries: DEFAULT_MAX_ENTRIES,
};

// Special-purpose IPv4 space (RFC 6890 and friends): not "public", so neither counted in the share nor held
// to the minimum prefix.
const RESERVED_V4: readonly [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 3], // multicast and 240/4
];

const v4num = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** The public IPv4 space: everything but RESERVED_V4, as a normalised set. */
const PUBLIC_V4: Set4 = (() => {
  const res = normalize4({
    starts: Uint32Array.from(RESERVED_V4.map(([a]) => v4num(a))),
    ends: Uint32Array.from(RESERVED_V4.map(([a, p]) => v4num(a) + 2 ** (32 - p) - 1)),
    length: RESERVED_V4.length,
  });
  const starts: number[] = [];
  const ends: number[] = [];
  let next = 0;
  for (let i = 0; i < res.length; i++) {
    const s = res.starts[i] as number;
    if (s > next) {
      starts.push(next);
      ends.push(s - 1);
    }
    next = (res.ends[i] as number) + 1;
  }
  if (next <= 0xffffffff) {
    starts.push(next);
    ends.push(0xffffffff);
  }
  return { starts: Uint32Array.from(starts), ends: Uint32Array.from(ends), length: starts.length };
})();

// Global unicast 2000::/3 minus the documentation prefix 2001:db8::/32.
const G6_START = 0x2n << 124n;
const G6_END = (0x4n << 124n) - 1n;
const DOC6_START = 0x20010db8n << 96n;
const DOC6_END = ((0x20010db8n + 1n) << 96n) - 1n;
const PUBLIC_V6: Set6 = normalize6({ starts: [G6_START, DOC6_END + 1n], ends: [DOC6_START - 1n, G6_END] });

export const PUBLIC_V4_ADDRESSES = (() => {
  let n = 0;
  for (let i = 0; i < PUBLIC_V4.length; i++) n += (PUBLIC_V4.ends[i] as number) - (PUBLIC_V4.starts[i] as number) + 1;
  return n;
})();
const PUBLIC_V6_ADDRESSES = PUBLIC_V6.starts.reduce((n, s, i) => n + ((PUBLIC_V6.ends[i] as bigint) - s + 1n), 0n);

function touchesPublic4(start: number, end: number): boolean {
  // PUBLIC_V4 has a handful of ranges: a linear scan is cheaper than anything clever
  for (let i = 0; i < PUBLIC_V4.length; i++) {
    if ((PUBLIC_V4.starts[i] as number) <= end && start <= (PUBLIC_V4.ends[i] as number)) return true;
  }
  return false;
}

function touchesPublic6(start: bigint, end: bigint): boolean {
  for (let i = 0; i < PUBLIC_V6.starts.length; i++) {
    if ((PUBLIC_V6.starts[i] as bigint) <= end && start <= (PUBLIC_V6.ends[i] as bigint)) return true;
  }
  return false;
}

/** Inclusive span above which an entry is "wider than /prefix" (IPv4, as a number). */
export const maxSpan4 = (minPrefix: number): number => 2 ** (32 - minPrefix) - 1;

/**
 * Why this entry is too wide to load, or undefined when it is fine. `mapped` says the entry was written as
 * IPv4-mapped IPv6 (it then names the IPv6 text's meaning). Ranges count by their size: a range covering more
 * than a /N's worth of addresses is as wide as one.
 */
export function tooWide(family: Family, start: bigint, end: bigint, limits: PrefixLimits, mapped = false): string | undefined {
  if (family === 4) {
    if (end - start <= BigInt(maxSpan4(limits.minPrefixV4))) return undefined;
    if (!touchesPublic4(Number(start), Number(end))) return undefined;
    const width = prefixOfSpan(end - start + 1n, 32);
    return mapped
      ? `IPv4-mapped IPv6 covering IPv4 ${width}: wider than the IPv4 minimum /${limits.minPrefixV4} (::ffff:0:0/${96 + limits.minPrefixV4} and longer only; blocklists.limits.minPrefixV4)`
      : `covers IPv4 ${width}: wider than the minimum /${limits.minPrefixV4} (blocklists.limits.minPrefixV4)`;
  }
  if (end - start < 1n << BigInt(128 - limits.minPrefixV6)) return undefined;
  if (!touchesPublic6(start, end)) return undefined;
  return `covers IPv6 ${prefixOfSpan(end - start + 1n, 128)} of global space: wider than the minimum /${limits.minPrefixV6} (blocklists.limits.minPrefixV6)`;
}

/** "a /N" for a span of addresses (rounded to the prefix that holds at least that many). */
function prefixOfSpan(span: bigint, bits: number): string {
  let p = bits;
  while (p > 0 && 1n << BigInt(bits - p) < span) p--;
  return `a /${p}`;
}

export interface Share {
  /** percent of the public IPv4 space covered */
  v4: number;
  /** percent of the public IPv6 space (global unicast) covered */
  v6: number;
}

/** What share of the public address space a set covers, per family, in percent. */
export function publicShare(set: IpSet): Share {
  const p4 = intersect4(set.v4, PUBLIC_V4);
  let n4 = 0;
  for (let i = 0; i < p4.length; i++) n4 += (p4.ends[i] as number) - (p4.starts[i] as number) + 1;
  const p6 = intersect6(set.v6, PUBLIC_V6);
  let n6 = 0n;
  for (let i = 0; i < p6.starts.length; i++) n6 += (p6.ends[i] as bigint) - (p6.starts[i] as bigint) + 1n;
  // bigint → percent with enough precision for a cap (parts per billion)
  const v6 = Number((n6 * 100_000_000_000n) / PUBLIC_V6_ADDRESSES) / 1e9;
  return { v4: (n4 / PUBLIC_V4_ADDRESSES) * 100, v6 };
}

/** The cap (percent) for one list: the policy's raise for it, else maxShare. */
export function listCap(name: string, limits: ShareLimits): number {
  return limits.raise[name]?.maxShare ?? limits.maxShare;
}

/** The cap for the merged result: maxMergedShare plus each raised list's own cap (its size is the admin's choice). */
export function mergedCap(names: readonly string[], limits: ShareLimits): number {
  return names.reduce((cap, n) => cap + (limits.raise[n]?.maxShare ?? 0), limits.maxMergedShare);
}

/** Why a set covering `share` breaks `cap`, or undefined. */
export function shareRefusal(share: Share, cap: number): string | undefined {
  const over = (["v4", "v6"] as const).find((f) => share[f] > cap);
  if (!over) return undefined;
  return `covers ${share[over].toFixed(2)}% of the public ${over === "v4" ? "IPv4" : "IPv6"} space, over the ${cap}% cap`;
}
