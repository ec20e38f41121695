// Address tokens → canonical address text, for the sshd scanner. Canonical dotted quads (the common case)
// are read as numbers without slicing the line; anything else (IPv6, a host name) goes through the strict
// parser of src/core/ip.ts (v4-mapped → v4; leading zeros, names and anything else are refused — host names
// are never resolved). Hand-written for the hot path; a property test checks it against core/ip.ts.
// The caches below are process-wide memos of pure functions (token → canonical text), not per-line state:
// any filter state may share them.
import { canonicalV4Value, formatIp, tryParseIp } from "../../../core/ip.js";

// Caches hold FRESH strings (never slices of a line): a slice would keep its whole input chunk alive.
// IPv4: direct-mapped by a hash of the address (two array reads per hit, cheaper than a Map lookup on
// the hot path); a colliding address just replaces the slot's entry.
const V4_SLOTS = 1 << 16;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Text: (string | undefined)[] = new Array<string | undefined>(V4_SLOTS).fill(undefined);
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
    const slot = Math.imul(key, 0x9e3779b1) >>> 16;
    let hit = v4Text[slot];
    if (hit === undefined || v4Keys[slot] !== key) {
      hit = `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
      v4Keys[slot] = key;
      v4Text[slot] = hit;
    }
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
  const r = tryParseIp(token);
  const v = r.ok ? formatIp(r.value) : null;
  otherToken[slot] = token;
  otherValue[slot] = v;
  return v ?? undefined;
}
