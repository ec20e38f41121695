// Blocklist parsers: one address per line, CIDR, ranges `a-b` (v4 and v6), netmask form `a.b.c.d/255.255.0.0`,
// FireHOL .netset/.ipset (with the `#` header's date and entry count), Spamhaus DROP/EDROP (`1.2.3.0/24 ; SBL123`)
// and its JSON lines (`{"cidr":"…","sblid":"…"}`), DShield block.txt columns and ipdeny zone files — IPv6 in all.
// The format is detected from the first lines unless given. Parsing is strict: a line that is not exactly an
// entry (plus a comment) is counted as invalid and sampled with its line number, text and reason. A line with a
// ':' is only ever read as IPv6 (iprange reads `2001:db8::/48` as an IPv4 address; rampart never does).
//
// Hand-written hot path: the common IPv4 forms (`a.b.c.d`, `a.b.c.d/n`, `a.b.c.d-e.f.g.h`) are parsed straight
// from the bytes into Uint32 start/end pairs, with no string per line, because `blocklist merge` must keep up
// with iprange (bench/blocklist.mjs). Everything else (IPv6, netmasks, and every error, for its reason) goes
// through the strict reference grammar `parseEntry`, built on src/core/ip.ts; a property test checks that the
// fast path agrees with it.
//
// A list is text from outside: whatever of it is kept to be shown (an invalid line and its reason, an entry's
// reference) goes through clip() (src/core/printable.ts), so no escape sequence in a list reaches a terminal
// through `blocklist update`, `status`, `check` or `merge`, or the state file they print from.
import { type Family, cidrRange, tryParseCidr, tryParseIp } from "../core/ip.js";
import { clip } from "../core/printable.js";
import type { Ranges4, Ranges6 } from "./merge.js";
import { type PrefixLimits, maxSpan4, tooWide } from "./sanity.js";

export const LIST_FORMATS = ["plain", "netset", "spamhaus", "spamhaus-json", "dshield", "zone"] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

export interface InvalidLine {
  line: number;
  text: string;
  reason: string;
  /** refused by the minimum-prefix rule (sanity.ts), not malformed */
  wide?: true;
}

export interface ListHeader {
  /** the list's own date (FireHOL "Source File Date"/"This File Date", Spamhaus "Last-Modified" or JSON timestamp) */
  date?: Date;
  /** the header's "Entries" text, as written */
  entries?: string;
}

/** One entry kept for `blocklist check` (only with keepRefs). */
export interface EntryRef {
  line: number;
  family: Family;
  start: bigint;
  end: bigint;
  /** the entry as written */
  text: string;
  /** the list's own reference for it (Spamhaus SBL id, DShield name), if any */
  ref?: string;
}

export interface ParsedList {
  name: string;
  format: ListFormat;
  v4: Ranges4;
  v6: Ranges6;
  /** lines read, entries accepted, lines rejected */
  lines: number;
  entries: number;
  invalid: number;
  /** of the invalid lines, those refused as too wide (sanity.ts; only with `limits`) */
  wide: number;
  /** the list holds more than `maxEntries` entries: parsing stopped there (the caller refuses the list) */
  overMax: boolean;
  /** the first invalid lines (at most `maxSamples`) */
  samples: InvalidLine[];
  header: ListHeader;
  refs?: EntryRef[];
}

export interface ParseOptions {
  name?: string;
  /** "auto" (default) detects the format from the first lines */
  format?: ListFormat | "auto";
  /** keep every entry's text and line number (for `blocklist check`) */
  keepRefs?: boolean;
  maxSamples?: number;
  /**
   * stop at the entry after this many and set `overMax` (memory: an IPv6 entry costs two bigints, and a
   * 64 MiB list of them took 1.2 GB before the cap); default: no cap
   */
  maxEntries?: number;
  /** refuse entries wider than these minimum prefixes (counted in `invalid` and `wide`, sampled) */
  limits?: PrefixLimits;
}

export type EntryResult = { ok: true; family: Family; start: bigint; end: bigint } | { ok: false; reason: string };

/**
 * The reference grammar of one entry: an address, a CIDR, `a/netmask` (IPv4), or a range `a-b` of one family.
 * Host bits after a prefix are masked off (as iprange does).
 */
export function parseEntry(text: string): EntryResult {
  if (text.length === 0) return { ok: false, reason: "empty entry" };
  if (text.length > 100) return { ok: false, reason: "too long for an address, CIDR or range" };
  const dash = text.indexOf("-");
  if (dash >= 0) {
    const a = tryParseIp(text.slice(0, dash));
    if (!a.ok) return { ok: false, reason: `range start: ${a.reason}` };
    const b = tryParseIp(text.slice(dash + 1));
    if (!b.ok) return { ok: false, reason: `range end: ${b.reason}` };
    if (a.value.family !== b.value.family) return { ok: false, reason: "range mixes IPv4 and IPv6" };
    if (a.value.value > b.value.value) return { ok: false, reason: "range start is after its end" };
    return { ok: true, family: a.value.family, start: a.value.value, end: b.value.value };
  }
  const slash = text.indexOf("/");
  if (slash >= 0 && text.indexOf(".", slash) >= 0) {
    if (text.includes(":")) return { ok: false, reason: "a netmask (a.b.c.d/255.255.0.0) is IPv4 only" };
    const addr = tryParseIp(text.slice(0, slash));
    if (!addr.ok) return { ok: false, reason: addr.reason };
    const mask = tryParseIp(text.slice(slash + 1));
    if (!mask.ok) return { ok: false, reason: `netmask: ${mask.reason}` };
    const prefix = maskPrefix(Number(mask.value.value));
    if (prefix < 0) return { ok: false, reason: `netmask ${text.slice(slash + 1)} is not contiguous ones then zeros` };
    const c = { family: 4 as const, value: addr.value.value & ((0xffffffffn << BigInt(32 - prefix)) & 0xffffffffn), prefix };
    const [start, end] = cidrRange(c);
    return { ok: true, family: 4, start, end };
  }
  const c = tryParseCidr(text);
  if (!c.ok) return { ok: false, reason: c.reason };
  const [start, end] = cidrRange(c.value);
  return { ok: true, family: c.value.family, start, end };
}

function maskPrefix(m: number): number {
  for (let p = 0; p <= 32; p++) {
    const want = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    if (m === want) return p;
  }
  return -1;
}

// ---- format detection

const HEADER_SCAN_LINES = 200;

/** Guess a list's format from its first lines. */
export function detectFormat(text: string): ListFormat {
  let seen = 0;
  let netsetHeader = false;
  for (const raw of text.split("\n", HEADER_SCAN_LINES)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith(";")) return "spamhaus";
    if (line.startsWith("#")) {
      if (/\b(ipset|Entries\s*:|netset|Source File Date)/i.test(line)) netsetHeader = true;
      continue;
    }
    if (line.startsWith("{")) return "spamhaus-json";
    if (/^Start\s+End\s+Netblock/i.test(line)) return "dshield";
    const cols = line.split(/[ \t]+/, 4);
    if (cols.length >= 3 && tryParseIp(cols[0] ?? "").ok && tryParseIp(cols[1] ?? "").ok && /^\d{1,3}$/.test(cols[2] ?? "")) {
      return "dshield";
    }
    if (/\s;\s*SBL/i.test(line) || /;\s*SBL\d/i.test(line)) return "spamhaus";
    if (++seen > 50) break;
  }
  return netsetHeader ? "netset" : "plain";
}

// ---- the parser

const NL = 10;
const CR = 13;
const SP = 32;
const TAB = 9;
const HASH = 35;
const SEMI = 59;
const DOT = 46;
const SLASH = 47;
const DASH = 45;
const COLON = 58;
const D0 = 48;
const D9 = 57;

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Parse a list from its bytes (or text). */
export function parseList(input: Uint8Array | string, options: ParseOptions = {}): ParsedList {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const maxSamples = options.maxSamples ?? 10;
  const keepRefs = options.keepRefs === true;
  const format =
    options.format === undefined || options.format === "auto"
      ? detectFormat(decoder.decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024))))
      : options.format;
  const json = format === "spamhaus-json";
  const dshield = format === "dshield";

  // a shortest IPv4 line is 8 bytes ("1.2.3.4\n"): sized for that, grown by doubling if a list is denser
  const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const cap = Math.max(64, Math.min(Math.ceil(bytes.length / 8), maxEntries + 1));
  const v4: Ranges4 = { starts: new Uint32Array(cap), ends: new Uint32Array(cap), length: 0 };
  const grow = () => {
    const ns = new Uint32Array(v4.starts.length * 2);
    const ne = new Uint32Array(v4.starts.length * 2);
    ns.set(v4.starts);
    ne.set(v4.ends);
    v4.starts = ns;
    v4.ends = ne;
  };
  const v6: Ranges6 = { starts: [], ends: [] };
  const out: ParsedList = {
    name: options.name ?? "-",
    format,
    v4,
    v6,
    lines: 0,
    entries: 0,
    invalid: 0,
    wide: 0,
    overMax: false,
    samples: [],
    header: {},
  };
  const limits = options.limits;
  // the fast path only asks sanity.ts about entries wider than this (one comparison per line)
  const span4 = limits ? maxSpan4(limits.minPrefixV4) : Number.POSITIVE_INFINITY;
  const refs: EntryRef[] | undefined = keepRefs ? [] : undefined;
  if (refs) out.refs = refs;

  const reject = (lineNo: number, s: number, e: number, reason: string, wide = false) => {
    out.invalid++;
    if (wide) out.wide++;
    // a too-wide entry is always sampled: it is what refuses the whole list, and the admin must see it
    if (out.samples.length < maxSamples || (wide && out.samples.filter((x) => x.wide).length < maxSamples)) {
      const text = clip(decoder.decode(bytes.subarray(s, Math.min(e, s + 200))), 200);
      const why = clip(reason, 300);
      out.samples.push(wide ? { line: lineNo, text, reason: why, wide } : { line: lineNo, text, reason: why });
    }
  };
  const accept = (
    lineNo: number,
    family: Family,
    start: bigint,
    end: bigint,
    text: string,
    ref: string | undefined,
    s: number,
    e: number,
  ) => {
    const wide = limits ? tooWide(family, start, end, limits, family === 4 && text.includes(":")) : undefined;
    if (wide) {
      reject(lineNo, s, e, wide, true);
      return;
    }
    if (out.entries >= maxEntries) {
      out.overMax = true;
      return;
    }
    out.entries++;
    if (family === 4) {
      if (v4.length === v4.starts.length) grow();
      v4.starts[v4.length] = Number(start);
      v4.ends[v4.length] = Number(end);
      v4.length++;
    } else {
      v6.starts.push(start);
      v6.ends.push(end);
    }
    if (refs) {
      refs.push(
        ref === undefined ? { line: lineNo, family, start, end, text } : { line: lineNo, family, start, end, text, ref: clip(ref, 100) },
      );
    }
  };

  const n = bytes.length;
  let lineNo = 0;
  let pos = 0;
  let inHeader = true;
  while (pos < n && !out.overMax) {
    let eol = pos;
    while (eol < n && bytes[eol] !== NL) eol++;
    lineNo++;
    let s = pos;
    let e = eol;
    pos = eol + 1;
    while (s < e && (bytes[s] === SP || bytes[s] === TAB || bytes[s] === CR)) s++;
    while (e > s && (bytes[e - 1] === SP || bytes[e - 1] === TAB || bytes[e - 1] === CR)) e--;
    if (s === e) continue;
    const first = bytes[s] as number;
    if (first === HASH || first === SEMI) {
      if (inHeader) readHeaderLine(decoder.decode(bytes.subarray(s, Math.min(e, s + 300))), out.header);
      continue;
    }
    inHeader = false;
    out.lines++;

    if (!json && !dshield) {
      // fast path: a.b.c.d, a.b.c.d/n, a.b.c.d-e.f.g.h, alone on the line
      if (fastV4(bytes, s, e)) {
        const wide = fastEnd - fastStart > span4 ? tooWide(4, BigInt(fastStart), BigInt(fastEnd), limits as PrefixLimits) : undefined;
        if (wide) {
          reject(lineNo, s, e, wide, true);
          continue;
        }
        if (out.entries >= maxEntries) {
          out.overMax = true;
          continue;
        }
        if (v4.length === v4.starts.length) grow();
        v4.starts[v4.length] = fastStart;
        v4.ends[v4.length] = fastEnd;
        v4.length++;
        out.entries++;
        if (refs) {
          refs.push({
            line: lineNo,
            family: 4,
            start: BigInt(fastStart),
            end: BigInt(fastEnd),
            text: decoder.decode(bytes.subarray(s, e)),
          });
        }
        continue;
      }
    }
    const line = decoder.decode(bytes.subarray(s, e));
    if (json) {
      const r = jsonLine(line, out.header);
      if (r === "meta") continue;
      if (typeof r === "string") reject(lineNo, s, e, r);
      else if (r.ok) accept(lineNo, r.family, r.start, r.end, r.text, r.ref, s, e);
      else reject(lineNo, s, e, r.reason);
      continue;
    }
    if (dshield) {
      if (/^Start\s/i.test(line)) continue; // the column header
      const cols = line.split(/[ \t]+/);
      if (cols.length < 3) {
        reject(lineNo, s, e, "a DShield line has columns: start end netblock [attacks name country email]");
        continue;
      }
      const r = parseEntry(`${cols[0]}-${cols[1]}`);
      if (!r.ok) reject(lineNo, s, e, r.reason);
      else if (!/^\d{1,3}$/.test(cols[2] ?? "")) reject(lineNo, s, e, `netblock "${cols[2]}" is not a prefix length`);
      else accept(lineNo, r.family, r.start, r.end, `${cols[0]}/${cols[2]}`, cols.slice(4, 5).join("") || undefined, s, e);
      continue;
    }
    // slow path: the entry token, then nothing, a `; ref` or a `# comment`
    let cut = line.length;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === SP || c === TAB || c === SEMI || c === HASH) {
        cut = i;
        break;
      }
    }
    const token = line.slice(0, cut);
    const rest = line.slice(cut).trim();
    let ref: string | undefined;
    if (rest.startsWith(";")) ref = rest.slice(1).trim() || undefined;
    else if (rest && !rest.startsWith("#")) {
      reject(lineNo, s, e, `unexpected text after the entry: "${clip(rest, 40)}"`);
      continue;
    }
    const r = parseEntry(token);
    if (r.ok) accept(lineNo, r.family, r.start, r.end, token, ref, s, e);
    else reject(lineNo, s, e, r.reason);
  }
  return out;
}

let fastStart = 0;
let fastEnd = 0;
let fastPos = 0;
let fastAddr = 0;

/** One strict dotted quad at fastPos (no leading zeros, each <= 255); sets fastAddr and advances fastPos. */
function quad(b: Uint8Array, e: number): boolean {
  let v = 0;
  let p = fastPos;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (p >= e || b[p] !== DOT) return false;
      p++;
    }
    const s = p;
    let x = 0;
    while (p < e) {
      const c = b[p] as number;
      if (c < D0 || c > D9) break;
      x = x * 10 + (c - D0);
      p++;
      if (p - s > 3) return false;
    }
    if (p === s || x > 255 || (p - s > 1 && b[s] === D0)) return false;
    v = v * 256 + x;
  }
  fastAddr = v;
  fastPos = p;
  return true;
}

function fastV4(b: Uint8Array, s: number, e: number): boolean {
  fastPos = s;
  if (!quad(b, e)) return false;
  const a = fastAddr;
  if (fastPos === e) {
    fastStart = a;
    fastEnd = a;
    return true;
  }
  const c = b[fastPos];
  if (c === SLASH) {
    let p = fastPos + 1;
    const ps = p;
    let prefix = 0;
    while (p < e) {
      const d = b[p] as number;
      if (d < D0 || d > D9) return false;
      prefix = prefix * 10 + (d - D0);
      p++;
      if (p - ps > 2) return false;
    }
    if (p === ps || prefix > 32) return false;
    const size = 2 ** (32 - prefix);
    fastStart = a - (a % size);
    fastEnd = fastStart + size - 1;
    return true;
  }
  if (c === DASH) {
    fastPos++;
    if (!quad(b, e) || fastPos !== e || fastAddr < a) return false;
    fastStart = a;
    fastEnd = fastAddr;
    return true;
  }
  return false;
}

/** The fast path on its own (for the property test that it agrees with parseEntry). */
export function fastParseV4(text: string): { start: number; end: number } | undefined {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === COLON || text.charCodeAt(i) > 127) return undefined;
  const b = new TextEncoder().encode(text);
  return fastV4(b, 0, b.length) ? { start: fastStart, end: fastEnd } : undefined;
}

type JsonEntry = { ok: true; family: Family; start: bigint; end: bigint; text: string; ref?: string } | { ok: false; reason: string };

function jsonLine(line: string, header: ListHeader): JsonEntry | "meta" | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return "not a JSON object";
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a JSON object";
  const o = v as Record<string, unknown>;
  if (o.type === "metadata") {
    if (typeof o.timestamp === "number") header.date = new Date(o.timestamp * 1000);
    if (typeof o.records === "number") header.entries = String(o.records);
    return "meta";
  }
  if (typeof o.cidr !== "string") return 'a Spamhaus JSON line has a "cidr" string';
  const r = parseEntry(o.cidr);
  if (!r.ok) return r;
  return typeof o.sblid === "string" ? { ...r, text: o.cidr, ref: o.sblid } : { ...r, text: o.cidr };
}

const HEADER_DATE = /^[#;]\s*(Source File Date|This File Date|Last-Modified|Date)\s*:\s*(.{6,60})$/i;
const HEADER_ENTRIES = /^#\s*Entries\s*:\s*(.{1,80})$/i;

function readHeaderLine(line: string, header: ListHeader): void {
  const d = HEADER_DATE.exec(line);
  if (d) {
    const t = Date.parse((d[2] ?? "").trim());
    // the source's date wins over the file's own date
    if (!Number.isNaN(t) && (header.date === undefined || /^Source/i.test(d[1] ?? ""))) header.date = new Date(t);
    return;
  }
  const en = HEADER_ENTRIES.exec(line);
  if (en) header.entries = clip((en[1] ?? "").trim(), 80);
}
