// Address tokens → canonical address text, for the sshd scanner. Canonical dotted quads (the common case)
// are read as numbers without slicing the line; anything else (IPv6, a host name) goes through the strict
// parser of src/core/ip.ts (v4-mapped → v4; leading zeros, names and anything else are refused — host names
// are never resolved). Hand-written for the hot path; a property test checks it against core/ip.ts.
// The caches below are process-wide memos of pure functions (token → canonical text), not per-line state:
// any filter state may share them.
import { canonicalV4Value, formatIp, longestZeroRun, tryParseIp } from "../../../core/ip.js";
import { charIn } from "../../envelope.js";

// Caches hold FRESH strings (never slices of a line): a slice would keep its whole input chunk alive.
// IPv4: direct-mapped by a hash of the address (two array reads per hit, cheaper than a Map lookup on
// the hot path); a colliding address just replaces the slot's entry.
const V4_SLOTS = 1 << 16;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Text: (string | undefined)[] = new Array<string | undefined>(V4_SLOTS).fill(undefined);
let lastV4Key = 0;
let lastV4Text: string | undefined;
// Other tokens: direct-mapped by a hash of their characters and compared in place (no string per line).
const OTHER_SLOTS = 1 << 16;
const otherToken: (string | undefined)[] = new Array<string | undefined>(OTHER_SLOTS).fill(undefined);
const otherValue: (string | null)[] = new Array<string | null>(OTHER_SLOTS).fill(null);

/** text[start..end) is exactly `lit` */
function sameText(text: string, start: number, end: number, lit: string): boolean {
  if (end - start !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (text.charCodeAt(start + i) !== lit.charCodeAt(i)) return false;
  return true;
}

/** Canonical text of an address token, or undefined when it is not an IP (host names are refused). */
export function canonicalAddress(token: string): string | undefined {
  return addressAt(token, 0, token.length);
}

/** canonicalAddress of text[start..end), without slicing in the common (IPv4) case. */
export function addressAt(text: string, start: number, end: number): string | undefined {
  const v4 = canonicalV4Value(text, start, end);
  if (v4 >= 0) {
    const key = v4 | 0;
    // a connection's lines name its address again and again: the last one first (no table read)
    if (key === lastV4Key && lastV4Text !== undefined) return lastV4Text;
    const slot = Math.imul(key, 0x9e3779b1) >>> 16;
    let hit = v4Text[slot];
    if (hit === undefined || v4Keys[slot] !== key) {
      hit = `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
      v4Keys[slot] = key;
      v4Text[slot] = hit;
    }
    lastV4Key = key;
    lastV4Text = hit;
    return hit;
  }
  // any other token (IPv6, a non-canonical IPv4, a host name): an address is at most 45 ASCII characters
  if (end - start > 45) return undefined;
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c > 127) return undefined;
    h = Math.imul(h ^ c, 0x01000193);
  }
  const slot = h >>> 16;
  const cached = otherToken[slot];
  if (cached !== undefined && sameText(text, start, end, cached)) return otherValue[slot] ?? undefined;
  // a fresh copy (ASCII, so latin1 is exact): a slice could keep the whole decoded chunk alive
  const token = Buffer.from(text.slice(start, end), "latin1").toString("latin1");
  let v: string | null;
  if (charIn(token, 58 /* : */, 0, token.length) >= 0) v = v6Text(token);
  else {
    const r = tryParseIp(token);
    v = r.ok ? formatIp(r.value) : null;
  }
  otherToken[slot] = token;
  otherValue[slot] = v;
  return v ?? undefined;
}

/** the 8 groups of the IPv6 address v6Text reads (scratch: v6Text is not re-entered) */
const groups = new Int32Array(8);

/**
 * formatIp(tryParseIp(token)) for a token holding a colon, or null where tryParseIp refuses it — without
 * core/ip.ts's bigints, splits and regexes (each new IPv6 address of a flood cost microseconds there, tens
 * of them before the JIT had compiled it). The same rules: at most one `::`, which stands for at least one
 * group; 1-4 hex digits a group; an embedded dotted quad only as the last group (canonical: no leading
 * zero, each ≤ 255); no zone (`%`); 8 groups in all without `::`. v4-mapped (::ffff:0:0/96) → the IPv4
 * address; else RFC 5952 text (lower case, no leading zeros, the longest run of two or more zero groups —
 * the first on a tie — as `::`). addresses.test.ts compares it with core/ip.ts on random tokens.
 */
export function v6Text(token: string): string | null {
  const n = token.length;
  if (n === 0 || n > 45) return null;
  let count = 0; // groups read
  let gap = -1; // the group index where `::` stands
  let i = 0;
  if (token.charCodeAt(0) === 58) {
    if (token.charCodeAt(1) !== 58) return null;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    // one group: hex digits up to ':' or the end, or a dotted quad that ends the token
    const g0 = i;
    let v = 0;
    while (i < n && i - g0 < 5) {
      const c = token.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      i++;
    }
    const c = i < n ? token.charCodeAt(i) : -1;
    if (c === 46 /* . */) {
      const v4 = canonicalV4Value(token, g0, n);
      if (v4 < 0 || count > 6) return null;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (i === g0 || i - g0 > 4 || count === 8) return null;
    groups[count++] = v;
    if (i === n) break;
    if (c !== 58) return null;
    i++;
    if (token.charCodeAt(i) === 58) {
      if (gap >= 0) return null;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) return null;
  }
  if (gap < 0 ? count !== 8 : count > 7) return null;
  if (gap >= 0) {
    // move the groups after `::` to the end, zeros between
    const after = count - gap;
    for (let k = 0; k < after; k++) groups[7 - k] = groups[count - 1 - k] as number;
    for (let k = gap; k < 8 - after; k++) groups[k] = 0;
  }
  return v6Format();
}

/** RFC 5952 text of groups[0..8) (v4-mapped: the IPv4 address) */
function v6Format(): string {
  const g = groups;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const a = g[6] as number;
    const b = g[7] as number;
    return `${a >>> 8}.${a & 255}.${b >>> 8}.${b & 255}`;
  }
  const [best, bestLen] = longestZeroRun(g);
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k === best) {
      out += "::";
      k += bestLen - 1;
      continue;
    }
    if (out !== "" && !out.endsWith(":")) out += ":";
    out += (g[k] as number).toString(16);
  }
  return out;
}
