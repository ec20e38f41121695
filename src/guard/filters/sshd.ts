// The built-in OpenSSH filter: which sshd / sshd-session lines are authentication failures, successes, or
// only tell us a connection's address, in fail2ban's four modes (normal, ddos, extra, aggressive — the
// rules each mode counts were learned from fail2ban's filter.d/sshd.conf, not copied).
//
// Why a hand-written scanner and not regexes: (1) speed — the guard must read a million lines a second,
// and this reads each line with a few bounded character loops, working on positions inside the decoded
// chunk (no string per line); (2) linear time by construction — no backtracking, every search is bounded
// by the line's end, and messages over 2048 characters (longer than sshd's own 1024-byte log buffer) are
// not scanned at all: a 64 KiB crafted line costs what any 64 KiB line costs (bench/guard-linear.mjs;
// fail2ban's history has a filter stalled for a minute by one line); (3) ANCHORED
// extraction — the address is read only from the fixed place sshd writes it:
//   - right-anchored: most messages END with `from ADDR[ port N][ ssh2][ [preauth]]` (or
//     `… ADDR port N [preauth]`), so the attacker's text (user name, client version) is always to the
//     left of the address and can never choose it;
//   - left-anchored: messages where the attacker's text follows the address (`Received disconnect from
//     ADDR port N:11: <client text>`, `Unable to negotiate with ADDR port N: … Their offer: <client text>`)
//     read the address right after sshd's fixed prefix;
//   - `Failed/Accepted publickey|hostbased … ssh2: <extra>` have attacker text on BOTH sides (user name;
//     certificate ids, client user/host): every ` from ADDR port N ssh2` position within reach of the
//     user name (OpenSSH logs it as %.100s, vis-encoded) is checked and the line is used only when exactly
//     one exists — otherwise it is "ambiguous" and nothing is extracted.
//   - lines without an address (`kex_exchange_identification: …`, `Disconnecting: Too many
//     authentication failures`) take it from the same sshd process's other lines (by pid).
// Addresses go through src/core/ip.ts (strict v4/v6, v4-mapped → v4) behind a small cache, except
// canonical dotted quads, which are their own canonical form (checked against ip.ts by a property test);
// host names are never resolved. Measured: bench/guard.mjs.
import { formatIp, tryParseIp } from "../../core/ip.js";
import { charIn, type Envelope, envelopeTime, findIn, lastCharIn, lastFindIn, newEnvelope, parseEnvelopeAt } from "../envelope.js";
import { SyslogTime } from "../time.js";
import type { Filter, FilterFactory, FilterParams, FilterRule, FilterState, FilterStateOptions, MatchResult } from "./types.js";
import { RampartError } from "../../core/errors.js";

export const SSHD_MODES = ["normal", "ddos", "extra", "aggressive"] as const;
export type SshdMode = (typeof SSHD_MODES)[number];

const ALL = SSHD_MODES;
const DDOS = ["ddos", "aggressive"] as const;
const EXTRA = ["extra", "aggressive"] as const;
const NONE: readonly string[] = [];

/** Every rule. `modes`: where a match is a failure (for `accepted`: a success); elsewhere it is a helper. */
export const SSHD_RULES: readonly FilterRule[] = [
  { id: "failed-auth", modes: ALL, description: "Failed <password|keyboard-interactive|hostbased|…> for [invalid user] U from A" },
  {
    id: "failed-publickey",
    modes: ALL,
    description: "Failed publickey for invalid user U from A (valid users: not a failure, fail2ban's publickey=nofail)",
  },
  { id: "invalid-user", modes: ALL, description: "Invalid user U from A" },
  { id: "user-not-allowed", modes: ALL, description: "User U from A not allowed because … (AllowUsers, DenyUsers, groups)" },
  { id: "pam-auth-failure", modes: ALL, description: "error: PAM: Authentication failure for U from A" },
  { id: "max-auth-attempts", modes: ALL, description: "maximum authentication attempts exceeded for U from A" },
  {
    id: "too-many-auth-failures",
    modes: ALL,
    description: "Disconnecting: Too many authentication failures (address from the connection)",
  },
  { id: "account-locked", modes: ALL, description: "User U not allowed because account is locked (address from the connection)" },
  { id: "disconnect-auth-fail", modes: ALL, description: "Received disconnect from A: 3: …: Auth fail" },
  { id: "accepted", modes: ALL, description: "Accepted <method> for U from A (a success: forgets failures when the jail says so)" },
  {
    id: "preauth-close",
    modes: DDOS,
    description: "Connection closed|reset by [invalid|authenticating user U] A [preauth]; Disconnected from A [preauth]",
  },
  {
    id: "preauth-disconnect-user",
    modes: ["extra", "ddos", "aggressive"],
    description: "Disconnected from invalid|authenticating user U A [preauth]",
  },
  { id: "received-disconnect-preauth", modes: DDOS, description: "Received disconnect from A: 11: … [preauth]" },
  { id: "did-not-receive-ident", modes: DDOS, description: "Did not receive identification string from A" },
  { id: "bad-protocol-version", modes: DDOS, description: "Bad protocol version identification '…' from A" },
  {
    id: "kex-identification",
    modes: DDOS,
    description: "kex_exchange_identification: invalid identifier / closed / reset (address from the connection)",
  },
  { id: "banner-exchange", modes: DDOS, description: "banner exchange: Connection from A: invalid format" },
  { id: "read-socket-reset", modes: DDOS, description: "Read from socket failed: Connection reset by peer (address from the connection)" },
  { id: "no-auth-methods", modes: EXTRA, description: "Received disconnect from A: 14: No supported authentication methods available" },
  { id: "unable-to-negotiate", modes: EXTRA, description: "Unable to negotiate with A: no matching <cipher|kex|mac|host key type> found" },
  { id: "negotiation-failed", modes: EXTRA, description: "Unable to negotiate a …; no matching … found: (address from the connection)" },
  { id: "connection-from", modes: NONE, description: "Connection from A port P (helper: the connection's address; LogLevel VERBOSE)" },
  {
    id: "connection-closed",
    modes: NONE,
    description: "Connection closed by A / Disconnected from user U A, after authentication (helper)",
  },
  { id: "pam-unix", modes: NONE, description: "pam_unix(sshd:auth): authentication failure; … rhost=A (helper; the Failed line counts)" },
];

/** Rules whose line carries no address: the connection's (by pid) is used. */
const CONNECTION_RULES = new Set([
  "too-many-auth-failures",
  "account-locked",
  "kex-identification",
  "read-socket-reset",
  "negotiation-failed",
]);
const SUCCESS_RULES = new Set(["accepted"]);

/** OpenSSH program names: sshd; sshd-session (OpenSSH >= 9.8, per connection); sshd-auth (10.0). */
export const SSHD_PROGRAMS = ["sshd", "sshd-session", "sshd-auth"];
const DEFAULT_MAX_LINE = 8192;
/** sshd's do_log() formats into a 1024-byte buffer (after vis-encoding): longer messages are not sshd's */
const DEFAULT_MAX_MESSAGE = 2048;
/**
 * OpenSSH logs the user name as %.100s, then vis-encodes control characters (up to 4 bytes each): the real
 * ` from ADDR` of a Failed/Accepted line starts at most this far after the user name begins.
 */
const MAX_USER_FIELD = 420;
const MAX_CONNECTIONS = 10_000;

// ---------------------------------------------------------------- addresses

// Caches hold FRESH strings (never slices of a line): a slice would keep its whole input chunk alive.
const v4Cache = new Map<number, string>(); // keyed by the address as an int32
const v6Cache = new Map<string, string | null>();
const CACHE_MAX = 65_536;

/**
 * The IPv4 address token as a 32-bit number when it is in canonical form (four decimal numbers 0-255
 * without leading zeros — exactly how core/ip.ts formats IPv4), else -1. The common case on the hot path;
 * a property test checks it against core/ip.ts.
 */
export function canonicalV4Value(token: string, start = 0, end: number = token.length): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let dots = 0;
  let digits = 0;
  let octet = 0;
  let lead = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = token.charCodeAt(i);
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

/** Canonical text of an address token, or undefined when it is not an IP (host names are refused). */
export function canonicalAddress(token: string): string | undefined {
  return addressAt(token, 0, token.length);
}

/** canonicalAddress of text[start..end), without slicing in the common (IPv4) case. */
function addressAt(text: string, start: number, end: number): string | undefined {
  const v4 = canonicalV4Value(text, start, end);
  if (v4 >= 0) {
    const key = v4 | 0; // int32: a small integer key hashes much faster than a heap number
    let hit = v4Cache.get(key);
    if (hit === undefined) {
      hit = `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
      if (v4Cache.size >= CACHE_MAX) v4Cache.clear();
      v4Cache.set(key, hit);
    }
    return hit;
  }
  const token = text.slice(start, end);
  const hit = v6Cache.get(token);
  if (hit !== undefined) return hit ?? undefined;
  if (token.length > 45) return undefined;
  const r = tryParseIp(token);
  const v = r.ok ? formatIp(r.value) : null;
  if (v6Cache.size >= CACHE_MAX) v6Cache.clear();
  v6Cache.set(Buffer.from(token, "latin1").toString("latin1"), v);
  return v ?? undefined;
}

// ---------------------------------------------------------------- classification

/** What the scanner found in one message: positions into the text, reused between lines. */
interface Found {
  rule: string;
  /** address token [addrStart, addrEnd); addrStart < 0 when the line has none */
  addrStart: number;
  addrEnd: number;
  userStart: number;
  userEnd: number;
  /** recognised, but never a failure (publickey of a valid user) */
  nofail: boolean;
  /** the connection ends with this line */
  closes: boolean;
  /** more than one place could be the address: extract nothing */
  ambiguous: boolean;
}

function reset(f: Found, rule: string): Found {
  f.rule = rule;
  f.addrStart = -1;
  f.addrEnd = -1;
  f.userStart = -1;
  f.userEnd = -1;
  f.nofail = false;
  f.closes = false;
  f.ambiguous = false;
  return f;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * Where the line being matched ends in its text. The text may be a whole decoded chunk (no slice per
 * line), so every literal check is bounded by it; set by matchAt, which is synchronous.
 */
let lineEnd = 0;

/**
 * s has lit at position at. A char loop rather than String.prototype.startsWith: the JIT inlines it,
 * and on this hot path (several checks per line) it is markedly faster than the builtin call.
 */
function has(s: string, at: number, lit: string): boolean {
  const n = lit.length;
  if (at < 0 || at + n > lineEnd) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(at + i) !== lit.charCodeAt(i)) return false;
  return true;
}

function endsAt(s: string, end: number, lit: string): boolean {
  return has(s, end - lit.length, lit);
}

/** end of s[m..end) without a trailing ` port N` (or end itself when there is none) */
function stripPort(s: string, m: number, end: number): number {
  let p = end;
  while (p > m && isDigit(s.charCodeAt(p - 1))) p--;
  if (p === end || end - p > 5) return end;
  return endsAt(s, p, " port ") ? p - 6 : end;
}

/** Strip the suffixes sshd appends after the address: ` [preauth]`, ` ssh2`/` ssh1`, ` port N`. */
function stripTail(s: string, m: number, end: number, f: { preauth: boolean }): number {
  let e = end;
  f.preauth = false;
  if (endsAt(s, e, " [preauth]")) {
    e -= 10;
    f.preauth = true;
  }
  if (endsAt(s, e, " ssh2") || endsAt(s, e, " ssh1")) e -= 5;
  return stripPort(s, m, e);
}

const tail = { preauth: false };

/**
 * Right-anchored: the last token of s[m..e) is the address; it must be preceded by `keyword`
 * (e.g. " from "). Sets f.addr*, returns the index where the keyword starts (the end of what precedes it) or -1.
 */
function lastToken(s: string, m: number, e: number, keyword: string, f: Found): number {
  const a = lastCharIn(s, 32, e - 1, m) + 1;
  if (a <= m || a >= e) return -1;
  const k = a - keyword.length;
  if (k < m || !has(s, k, keyword)) return -1;
  f.addrStart = a;
  f.addrEnd = e;
  return k;
}

/** Left-anchored: the address token starts at p and ends at the first space (or `stop` char). */
function tokenAt(s: string, p: number, end: number, f: Found): number {
  let q = p;
  const lim = Math.min(end, p + 46);
  while (q < lim) {
    const c = s.charCodeAt(q);
    if (c === 32) break;
    q++;
  }
  if (q === p) return -1;
  f.addrStart = p;
  f.addrEnd = q;
  return q;
}

/**
 * `Failed|Accepted METHOD for [invalid user ]U from A port P ssh2[: EXTRA]`, from m = just after
 * "Failed "/"Accepted ".
 */
function authResult(s: string, m: number, end: number, f: Found, failed: boolean): Found | undefined {
  const sp = charIn(s, 32, m, Math.min(end, m + 65));
  if (sp < 0 || sp - m > 64 || !has(s, sp, " for ")) return undefined;
  const method = s.slice(m, sp);
  let us = sp + 5;
  let invalid = false;
  if (has(s, us, "invalid user ")) {
    invalid = true;
    us += 13;
  } else if (has(s, us, "illegal user ")) {
    invalid = true;
    us += 13;
  }
  const publickey = method === "publickey";
  reset(f, failed ? (publickey ? "failed-publickey" : "failed-auth") : "accepted");
  f.userStart = us;
  if (failed && publickey && !invalid) f.nofail = true;
  if (publickey || method === "hostbased") {
    // attacker text on both sides: use the line only when exactly one `from A port N ssh2` position exists
    let found = 0;
    // sshd writes the real address right after the (bounded) user name: look only there
    const window = Math.min(end, us + MAX_USER_FIELD + 6);
    let at = findIn(s, " from ", us - 1, window);
    while (at >= 0 && found < 2) {
      const p = at + 6;
      const q = charIn(s, 32, p, Math.min(end, p + 46));
      if (q > p && q - p <= 45 && has(s, q, " port ")) {
        let r = q + 6;
        const r0 = r;
        while (r < end && isDigit(s.charCodeAt(r))) r++;
        if (r > r0 && r - r0 <= 5 && (has(s, r, " ssh2") || has(s, r, " ssh1"))) {
          r += 5;
          if ((r === end || has(s, r, ": ") || has(s, r, " [preauth]")) && addressAt(s, p, q)) {
            found++;
            if (found === 1) {
              f.addrStart = p;
              f.addrEnd = q;
              f.userEnd = at;
            }
          }
        }
      }
      at = findIn(s, " from ", at + 1, window);
    }
    if (found > 1) {
      f.ambiguous = true;
      f.addrStart = -1;
    }
    if (found > 0) return f;
    // older formats without port/ssh2: fall through to the right-anchored reading, inside the window
  }
  const e = stripTail(s, m, end, tail);
  const k = lastToken(s, us - 1, e, " from ", f);
  if (k < 0) return undefined;
  if ((publickey || method === "hostbased") && k > us + MAX_USER_FIELD) return undefined;
  f.userEnd = Math.max(us, k);
  return f;
}

const USER_NOT_ALLOWED = [
  "not listed in AllowUsers",
  "listed in DenyUsers",
  "not in any group",
  "a group is listed in DenyGroups",
  "none of user's groups are listed in AllowGroups",
];

/**
 * Classify the message s[m..end). Returns undefined when no rule knows the line.
 * Every branch reads a fixed prefix, then finds the address at its anchored place.
 */
function classify(s: string, m: number, end: number, f: Found): Found | undefined {
  switch (s.charCodeAt(m)) {
    case 70: // F
      if (has(s, m, "Failed ")) return authResult(s, m + 7, end, f, true);
      return undefined;
    case 65: // A
      if (has(s, m, "Accepted ")) return authResult(s, m + 8 + 1, end, f, false);
      if (has(s, m, "Authentication failure for ") || has(s, m, "Authentication error for ") || has(s, m, "Authentication failed for ")) {
        return pamFailure(s, m, end, f);
      }
      return undefined;
    case 97: // a
      if (has(s, m, "authentication failure for ") || has(s, m, "authentication error for ")) return pamFailure(s, m, end, f);
      return undefined;
    case 73: // I
    case 105: // i
      if (has(s, m, "Invalid user ") || has(s, m, "Illegal user ") || has(s, m, "illegal user ")) {
        reset(f, "invalid-user");
        const e = stripTail(s, m, end, tail);
        const k = lastToken(s, m + 12, e, " from ", f);
        if (k < 0) return undefined;
        f.userStart = m + 13;
        f.userEnd = Math.max(k, m + 13);
        return f;
      }
      return undefined;
    case 85: // U
      if (has(s, m, "User not known to the underlying authentication module for ")) return pamFailure(s, m, end, f);
      if (has(s, m, "User ")) return userLine(s, m, end, f);
      if (has(s, m, "Unable to negotiate with ")) {
        reset(f, "unable-to-negotiate");
        const q = tokenAt(s, m + 25, end, f);
        if (q < 0) return undefined;
        const colon = findIn(s, ": no matching ", q - 1, Math.min(end, q + 30));
        if (colon < 0 || colon - q > 12) return undefined;
        if (s.charCodeAt(q - 1) === 58) f.addrEnd = q - 1; // "with A: no matching" (no port)
        return f;
      }
      if (has(s, m, "Unable to negotiate a ")) return reset(f, "negotiation-failed");
      return undefined;
    case 110: // n
      if (has(s, m, "no matching ") && findIn(s, " found:", m + 12, end) >= 0) return reset(f, "negotiation-failed");
      return undefined;
    case 109: // m
      if (has(s, m, "maximum authentication attempts exceeded for ")) {
        reset(f, "max-auth-attempts");
        const e = stripTail(s, m, end, tail);
        const k = lastToken(s, m + 44, e, " from ", f);
        if (k < 0) return undefined;
        f.userStart = m + 45;
        f.userEnd = Math.max(k, m + 45);
        return f;
      }
      return undefined;
    case 68: // D
      if (has(s, m, "Disconnecting: Too many authentication failures")) return reset(f, "too-many-auth-failures");
      if (has(s, m, "Disconnected from ")) return closeLine(s, m, m + 18, end, f, true);
      if (has(s, m, "Did not receive identification string from ")) {
        reset(f, "did-not-receive-ident");
        return tokenAt(s, m + 43, end, f) < 0 ? undefined : f;
      }
      return undefined;
    case 67: // C
      if (has(s, m, "Connection closed by ")) return closeLine(s, m, m + 21, end, f, false);
      if (has(s, m, "Connection reset by ")) return closeLine(s, m, m + 20, end, f, false);
      if (has(s, m, "Connection from ")) {
        reset(f, "connection-from");
        const q = tokenAt(s, m + 16, end, f);
        return q < 0 ? undefined : f;
      }
      return undefined;
    case 82: // R
      if (has(s, m, "Received disconnect from ")) return receivedDisconnect(s, m + 25, end, f);
      if (has(s, m, "Read from socket failed: Connection reset by peer")) return reset(f, "read-socket-reset");
      return undefined;
    case 66: // B
      if (has(s, m, "Bad protocol version identification ")) {
        reset(f, "bad-protocol-version");
        const e = stripTail(s, m, end, tail);
        return lastToken(s, m + 36, e, " from ", f) < 0 ? undefined : f;
      }
      return undefined;
    case 107: // k
      if (has(s, m, "kex_exchange_identification: ")) {
        let p = m + 29;
        if (has(s, p, "read: ")) p += 6;
        const rest = s.slice(p, Math.min(end, p + 40)).toLowerCase();
        if (
          rest.startsWith("client sent invalid protocol identifier") ||
          rest.startsWith("connection closed by remote host") ||
          rest.startsWith("connection reset by peer")
        ) {
          return reset(f, "kex-identification");
        }
      }
      return undefined;
    case 98: // b
      if (has(s, m, "banner exchange: Connection from ")) {
        reset(f, "banner-exchange");
        const q = tokenAt(s, m + 33, end, f);
        if (q < 0) return undefined;
        if (s.charCodeAt(q - 1) === 58) f.addrEnd = q - 1;
        return findIn(s, ": invalid format", q - 1, end) >= 0 ? f : undefined;
      }
      return undefined;
    case 112: // p
      if (has(s, m, "pam_unix(sshd:auth): authentication failure;")) {
        reset(f, "pam-unix");
        // rhost= is written by PAM before user=U (attacker text): use it only when it occurs once
        const at = findIn(s, " rhost=", m, end);
        if (at < 0) return f;
        if (findIn(s, " rhost=", at + 7, end) >= 0) {
          f.ambiguous = true;
          return f;
        }
        tokenAt(s, at + 7, end, f);
        return f;
      }
      return undefined;
    default:
      return undefined;
  }
}

function pamFailure(s: string, m: number, end: number, f: Found): Found | undefined {
  reset(f, "pam-auth-failure");
  const e = stripTail(s, m, end, tail);
  let k = lastToken(s, m, e, " from ", f);
  if (k < 0) {
    // `… from A via B` (the local address after via)
    const via = lastToken(s, m, e, " via ", f);
    if (via < 0) return undefined;
    k = lastToken(s, m, via, " from ", f);
    if (k < 0) return undefined;
  }
  f.userStart = findIn(s, " for ", m, end) + 5;
  f.userEnd = Math.max(k, f.userStart);
  return f;
}

function userLine(s: string, m: number, end: number, f: Found): Found | undefined {
  let e = end;
  if (endsAt(s, e, " [preauth]")) e -= 10;
  if (endsAt(s, e, " not allowed because account is locked")) {
    reset(f, "account-locked");
    f.userStart = m + 5;
    f.userEnd = e - 38;
    return f;
  }
  const because = lastFindIn(s, " not allowed because ", e - 21, m);
  if (because < 0) return undefined;
  const reason = s.slice(because + 21, e);
  if (!USER_NOT_ALLOWED.includes(reason)) return undefined;
  reset(f, "user-not-allowed");
  const k = lastToken(s, m + 4, because, " from ", f);
  if (k < 0) return undefined;
  f.userStart = m + 5;
  f.userEnd = Math.max(k, m + 5);
  return f;
}

/**
 * `Connection closed by|reset by|Disconnected from [invalid user U |authenticating user U |user U ]A[ port P][ [preauth]]`
 * p = just after the fixed prefix.
 */
function closeLine(s: string, m: number, p: number, end: number, f: Found, disconnected: boolean): Found | undefined {
  reset(f, "connection-closed");
  const e = stripTail(s, m, end, tail);
  const a = lastCharIn(s, 32, e - 1, p - 1) + 1;
  if (a < p || a >= e) return undefined;
  f.addrStart = a;
  f.addrEnd = e;
  f.closes = true;
  let withUser = false;
  if (a > p) {
    let us = -1;
    if (has(s, p, "invalid user ")) us = p + 13;
    else if (has(s, p, "authenticating user ")) us = p + 20;
    else if (has(s, p, "user ") && !tail.preauth) us = p + 5;
    if (us < 0 || us > a - 1) return undefined;
    f.userStart = us;
    f.userEnd = a - 1;
    withUser = us !== p + 5;
  }
  if (tail.preauth) f.rule = disconnected && withUser ? "preauth-disconnect-user" : "preauth-close";
  return f;
}

/** `Received disconnect from A[ port P]:[ ]CODE: TEXT[ [preauth]]`, p = start of A. */
function receivedDisconnect(s: string, p: number, end: number, f: Found): Found | undefined {
  reset(f, "connection-closed");
  f.closes = true;
  let q = tokenAt(s, p, end, f);
  if (q < 0) return undefined;
  if (has(s, q, " port ")) {
    q += 6;
    while (q < end && isDigit(s.charCodeAt(q))) q++;
    if (s.charCodeAt(q) !== 58) return undefined;
  } else if (s.charCodeAt(q - 1) === 58) {
    f.addrEnd = q - 1; // "from A: 11: …"
    q = q - 1;
  } else {
    return undefined;
  }
  q++; // ':'
  if (s.charCodeAt(q) === 32) q++;
  let code = 0;
  const c0 = q;
  while (q < end && q - c0 < 3 && isDigit(s.charCodeAt(q))) code = code * 10 + s.charCodeAt(q++) - 48;
  if (q === c0 || s.charCodeAt(q) !== 58) return undefined;
  let e = end;
  const preauth = endsAt(s, e, " [preauth]");
  if (preauth) e -= 10;
  if (code === 3 && endsAt(s, e, ": Auth fail")) f.rule = "disconnect-auth-fail";
  else if (
    code === 14 &&
    (has(s, q + 1, " No supported authentication methods available") || has(s, q + 1, " No authentication methods available"))
  ) {
    f.rule = "no-auth-methods";
  } else if (
    code === 14 &&
    (has(s, q + 1, "No supported authentication methods available") || has(s, q + 1, "No authentication methods available"))
  ) {
    f.rule = "no-auth-methods";
  } else if (code === 11 && preauth) f.rule = "received-disconnect-preauth";
  return f;
}

/** Words that make an unrecognised sshd line worth showing as "missed" in `guard test`. */
function looksLikeFailure(s: string, m: number, end: number): boolean {
  const msg = s.slice(m, Math.min(end, m + 200));
  return /fail|invalid|illegal|refused|not allowed|denied|error|bad |too many|disconnecting|unable|did not/i.test(msg);
}

// ---------------------------------------------------------------- the filter

interface Conn {
  /** the exact (host hash, pid): map keys are 32-bit mixes of the two and may collide */
  host: number;
  pid: number;
  /** the address as text, or (cheaper, for helper lines) an IPv4 address as a number */
  address: string | undefined;
  /** -1: none */
  v4: number;
  pending: string | undefined;
}

function connAddress(c: Conn): string | undefined {
  if (c.address !== undefined) return c.address;
  if (c.v4 < 0) return undefined;
  const v = c.v4;
  c.address = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  return c.address;
}

class SshdState implements FilterState {
  readonly options: FilterState["options"];
  readonly env: Envelope = newEnvelope();
  readonly syslog: SyslogTime;
  /**
   * connections by host hash and pid (numbers: no string building per line), in two generations: when
   * the young one is full it becomes the old one and the previous old one is dropped — bounded memory,
   * O(1) per line, and a connection seen recently is never forgotten first.
   */
  private young = new Map<number, Conn>();
  private old = new Map<number, Conn>();
  readonly found: Found = reset({} as Found, "");
  readonly maxMessage: number;
  constructor(o: FilterStateOptions) {
    this.options = { clock: o.clock, maxLineLength: o.maxLineLength ?? DEFAULT_MAX_LINE };
    this.maxMessage = o.maxMessageLength ?? DEFAULT_MAX_MESSAGE;
    if (o.utcOffsetMinutes !== undefined) this.options.utcOffsetMinutes = o.utcOffsetMinutes;
    this.syslog = new SyslogTime(o.clock, o.utcOffsetMinutes);
  }
  /** the connection's record, created when missing (or when another connection held the key) */
  conn(host: number, pid: number): Conn {
    const key = mixKey(host, pid);
    let c = this.young.get(key);
    if (c && c.host === host && c.pid === pid) return c;
    c = this.old.get(key);
    if (c) this.old.delete(key);
    if (!c || c.host !== host || c.pid !== pid) c = { host, pid, address: undefined, v4: -1, pending: undefined }; // one shape: no delete
    if (this.young.size >= MAX_CONNECTIONS / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, c);
    return c;
  }

  /** the connection's record removed (it closed), if there was one */
  take(host: number, pid: number): Conn | undefined {
    const key = mixKey(host, pid);
    for (const gen of [this.young, this.old]) {
      const c = gen.get(key);
      if (c && c.host === host && c.pid === pid) {
        gen.delete(key);
        return c;
      }
    }
    return undefined;
  }
}

const TOO_LONG: MatchResult = { kind: "none", reason: "too-long" };
const NOTHING: MatchResult = { kind: "none" };
const MISSED: MatchResult = { kind: "none", missed: true };

/**
 * pid + a 29-bit hash of the host name, as one safe integer (Linux pids are < 2^22): the connection a
 * line belongs to, also when one file holds several hosts' logs. undefined without a pid.
 */
let lastHost = "";
let lastHostHash = 0;
/** FNV-1a of the line's host name (cached for the common one-host log) */
function hostHash(s: string, env: Envelope): number {
  const hl = env.hostEnd - env.hostStart;
  if (hl !== lastHost.length || !has(s, env.hostStart, lastHost)) {
    let h = 0x811c9dc5;
    for (let i = env.hostStart; i < env.hostEnd; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    lastHost = `${s.slice(env.hostStart, env.hostEnd)}`;
    lastHostHash = h | 0;
  }
  return lastHostHash;
}

/** the line's pid, or -1 */
function pidOf(s: string, env: Envelope): number {
  if (env.pidEnd <= env.pidStart || env.pidEnd - env.pidStart > 9) return -1;
  let pid = 0;
  for (let i = env.pidStart; i < env.pidEnd; i++) pid = pid * 10 + s.charCodeAt(i) - 48;
  return pid;
}

/** a 32-bit map key for (host hash, pid); collisions are resolved by the record's own fields */
function mixKey(host: number, pid: number): number {
  return (Math.imul(host, 0x9e3779b1) ^ pid) | 0;
}

function isSshProgram(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 4) return has(s, start, "sshd");
  if (n === 12) return has(s, start, "sshd-session");
  if (n === 9) return has(s, start, "sshd-auth");
  return false;
}

export class SshdFilter implements Filter {
  readonly name = "sshd";
  readonly modes = SSHD_MODES;
  readonly rules = SSHD_RULES;
  /** per rule: 1 = a failure in this mode, 2 = a success, 4 = takes its address from the connection */
  private readonly flags: Map<string, number>;

  constructor(readonly mode: SshdMode = "normal") {
    this.flags = new Map(
      SSHD_RULES.map((r) => {
        const success = SUCCESS_RULES.has(r.id);
        const failure = !success && r.modes.includes(mode);
        return [r.id, (failure ? 1 : 0) | (success ? 2 : 0) | (CONNECTION_RULES.has(r.id) ? 4 : 0)];
      }),
    );
  }

  createState(options: FilterStateOptions): FilterState {
    return new SshdState(options);
  }

  match(line: string, state: FilterState): MatchResult {
    return this.matchAt(line, 0, line.length, state);
  }

  matchAt(text: string, start: number, stop: number, state: FilterState): MatchResult {
    const st = state as SshdState;
    if (stop - start > st.options.maxLineLength) return TOO_LONG;
    const env = st.env;
    if (!parseEnvelopeAt(text, start, stop, env)) return NOTHING;
    const s = env.text;
    let end = env.end;
    lineEnd = end;
    if (!isSshProgram(s, env.progStart, env.progEnd)) return NOTHING;
    let m = env.msgStart;
    while (end > m && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 13)) end--;
    if (has(s, m, "error: ") || has(s, m, "fatal: ")) m += 7;
    if (has(s, m, "PAM: ")) m += 5;
    lineEnd = end;
    if (end - m > st.maxMessage) return TOO_LONG;
    const f = classify(s, m, end, st.found);
    if (!f) return looksLikeFailure(s, m, end) ? MISSED : NOTHING;
    const rule = f.rule;
    if (f.ambiguous) return { kind: "none", rule, reason: "ambiguous" };

    const pid = pidOf(s, env);
    const host = pid < 0 ? 0 : hostHash(s, env);
    const flags = this.flags.get(rule) ?? 0;
    const success = (flags & 2) !== 0;
    const failure = !f.nofail && (flags & 1) !== 0;

    if ((flags & 4) !== 0) {
      if (!failure) return { kind: "none", rule, reason: "helper" };
      const conn = pid < 0 ? undefined : st.conn(host, pid);
      const known = conn && connAddress(conn);
      if (known) return this.event("failure", known, rule, f, s, st, false);
      if (conn) conn.pending = rule;
      return { kind: "none", rule, reason: "pending" };
    }

    if (f.addrStart < 0) return { kind: "none", rule, reason: "helper" };
    if (success || failure) {
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return { kind: "none", rule, reason: "not-an-ip" };
      if (pid >= 0) {
        if (f.closes) st.take(host, pid);
        else {
          const conn = st.conn(host, pid);
          conn.address = address;
          conn.pending = undefined;
        }
      }
      return this.event(success ? "success" : "failure", address, rule, f, s, st, true);
    }
    // a helper line: only the connection's bookkeeping, and the address is read only when it is needed
    if (pid < 0) return { kind: "none", rule, reason: "helper" };
    if (f.closes) {
      const pending = st.take(host, pid)?.pending;
      if (pending === undefined) return { kind: "none", rule, reason: "helper" };
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return { kind: "none", rule, reason: "not-an-ip" };
      return this.event("failure", address, pending, f, s, st, false);
    }
    const conn = st.conn(host, pid);
    const v4 = canonicalV4Value(s, f.addrStart, f.addrEnd);
    if (v4 >= 0) {
      conn.v4 = v4;
      conn.address = undefined;
    } else {
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return { kind: "none", rule, reason: "not-an-ip" };
      conn.address = address;
    }
    const pending = conn.pending;
    if (pending === undefined) return { kind: "none", rule, reason: "helper" };
    conn.pending = undefined;
    return this.event("failure", connAddress(conn) as string, pending, f, s, st, false);
  }

  private event(
    kind: "failure" | "success",
    address: string,
    rule: string,
    f: Found,
    s: string,
    st: SshdState,
    withUser: boolean,
  ): MatchResult {
    let time = envelopeTime(st.env, st.syslog);
    if (Number.isNaN(time)) time = st.options.clock.now();
    if (withUser && f.userStart >= 0 && f.userEnd >= f.userStart) {
      return { kind, address, rule, time, user: s.slice(f.userStart, f.userEnd) };
    }
    return { kind, address, rule, time };
  }
}

export const sshdFilter: FilterFactory = {
  name: "sshd",
  description: "OpenSSH sshd / sshd-session (modes: normal, ddos, extra, aggressive)",
  create(params: FilterParams): Filter {
    const { mode = "normal", ...rest } = params;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new RampartError("USAGE", `sshd filter: unknown parameter "${unknown[0]}"`, {
        hint: "The sshd filter takes mode=normal|ddos|extra|aggressive.",
      });
    }
    if (!(SSHD_MODES as readonly string[]).includes(mode)) {
      throw new RampartError("USAGE", `sshd filter: unknown mode "${mode}"`, { hint: `Use one of: ${SSHD_MODES.join(", ")}.` });
    }
    return new SshdFilter(mode as SshdMode);
  },
};
