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

// ---------------------------------------------------------------- rule numbers

/** a rule's position in SSHD_RULES (throws at load time on a typo) */
function ruleIndex(id: string): number {
  const i = SSHD_RULES.findIndex((r) => r.id === id);
  if (i < 0) throw new Error(`sshd filter: no rule ${id}`);
  return i;
}
// The scanner records a rule as its number: the filter's per-rule table is then an array read, not a map
// lookup per line.
const R_ACCEPTED = ruleIndex("accepted");
const R_ACCOUNT_LOCKED = ruleIndex("account-locked");
const R_BAD_PROTOCOL_VERSION = ruleIndex("bad-protocol-version");
const R_BANNER_EXCHANGE = ruleIndex("banner-exchange");
const R_CONNECTION_CLOSED = ruleIndex("connection-closed");
const R_CONNECTION_FROM = ruleIndex("connection-from");
const R_DID_NOT_RECEIVE_IDENT = ruleIndex("did-not-receive-ident");
const R_DISCONNECT_AUTH_FAIL = ruleIndex("disconnect-auth-fail");
const R_FAILED_AUTH = ruleIndex("failed-auth");
const R_FAILED_PUBLICKEY = ruleIndex("failed-publickey");
const R_INVALID_USER = ruleIndex("invalid-user");
const R_KEX_IDENTIFICATION = ruleIndex("kex-identification");
const R_MAX_AUTH_ATTEMPTS = ruleIndex("max-auth-attempts");
const R_NEGOTIATION_FAILED = ruleIndex("negotiation-failed");
const R_NO_AUTH_METHODS = ruleIndex("no-auth-methods");
const R_PAM_AUTH_FAILURE = ruleIndex("pam-auth-failure");
const R_PAM_UNIX = ruleIndex("pam-unix");
const R_PREAUTH_CLOSE = ruleIndex("preauth-close");
const R_PREAUTH_DISCONNECT_USER = ruleIndex("preauth-disconnect-user");
const R_READ_SOCKET_RESET = ruleIndex("read-socket-reset");
const R_RECEIVED_DISCONNECT_PREAUTH = ruleIndex("received-disconnect-preauth");
const R_TOO_MANY_AUTH_FAILURES = ruleIndex("too-many-auth-failures");
const R_UNABLE_TO_NEGOTIATE = ruleIndex("unable-to-negotiate");
const R_USER_NOT_ALLOWED = ruleIndex("user-not-allowed");

// ---------------------------------------------------------------- classification

/** What the scanner found in one message: positions into the text, reused between lines. */
interface Found {
  /** the rule's number (R_…), -1 before the first line */
  rule: number;
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

function reset(f: Found, rule: number): Found {
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
  // each suffix is compared only when the last character fits (most lines end with a digit)
  if (s.charCodeAt(e - 1) === 93 /* ] */ && endsAt(s, e, " [preauth]")) {
    e -= 10;
    f.preauth = true;
  }
  const last = s.charCodeAt(e - 1);
  if ((last === 50 /* 2 */ && endsAt(s, e, " ssh2")) || (last === 49 /* 1 */ && endsAt(s, e, " ssh1"))) e -= 5;
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
  // the method compared in place (no string per line)
  const publickey = sp - m === 9 && has(s, m, "publickey");
  const hostbased = sp - m === 9 && has(s, m, "hostbased");
  let us = sp + 5;
  let invalid = false;
  if (has(s, us, "invalid user ")) {
    invalid = true;
    us += 13;
  } else if (has(s, us, "illegal user ")) {
    invalid = true;
    us += 13;
  }
  reset(f, failed ? (publickey ? R_FAILED_PUBLICKEY : R_FAILED_AUTH) : R_ACCEPTED);
  f.userStart = us;
  if (failed && publickey && !invalid) f.nofail = true;
  if (publickey || hostbased) {
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
  if ((publickey || hostbased) && k > us + MAX_USER_FIELD) return undefined;
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
        reset(f, R_INVALID_USER);
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
        reset(f, R_UNABLE_TO_NEGOTIATE);
        const q = tokenAt(s, m + 25, end, f);
        if (q < 0) return undefined;
        const colon = findIn(s, ": no matching ", q - 1, Math.min(end, q + 30));
        if (colon < 0 || colon - q > 12) return undefined;
        if (s.charCodeAt(q - 1) === 58) f.addrEnd = q - 1; // "with A: no matching" (no port)
        return f;
      }
      if (has(s, m, "Unable to negotiate a ")) return reset(f, R_NEGOTIATION_FAILED);
      return undefined;
    case 110: // n
      if (has(s, m, "no matching ") && findIn(s, " found:", m + 12, end) >= 0) return reset(f, R_NEGOTIATION_FAILED);
      return undefined;
    case 109: // m
      if (has(s, m, "maximum authentication attempts exceeded for ")) {
        reset(f, R_MAX_AUTH_ATTEMPTS);
        const e = stripTail(s, m, end, tail);
        const k = lastToken(s, m + 44, e, " from ", f);
        if (k < 0) return undefined;
        f.userStart = m + 45;
        f.userEnd = Math.max(k, m + 45);
        return f;
      }
      return undefined;
    case 68: // D
      if (has(s, m, "Disconnected from ")) return closeLine(s, m, m + 18, end, f, true); // the common one first
      if (has(s, m, "Disconnecting: Too many authentication failures")) return reset(f, R_TOO_MANY_AUTH_FAILURES);
      if (has(s, m, "Did not receive identification string from ")) {
        reset(f, R_DID_NOT_RECEIVE_IDENT);
        return tokenAt(s, m + 43, end, f) < 0 ? undefined : f;
      }
      return undefined;
    case 67: // C
      if (has(s, m, "Connection closed by ")) return closeLine(s, m, m + 21, end, f, false);
      if (has(s, m, "Connection reset by ")) return closeLine(s, m, m + 20, end, f, false);
      if (has(s, m, "Connection from ")) {
        reset(f, R_CONNECTION_FROM);
        const q = tokenAt(s, m + 16, end, f);
        return q < 0 ? undefined : f;
      }
      return undefined;
    case 82: // R
      if (has(s, m, "Received disconnect from ")) return receivedDisconnect(s, m + 25, end, f);
      if (has(s, m, "Read from socket failed: Connection reset by peer")) return reset(f, R_READ_SOCKET_RESET);
      return undefined;
    case 66: // B
      if (has(s, m, "Bad protocol version identification ")) {
        reset(f, R_BAD_PROTOCOL_VERSION);
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
          return reset(f, R_KEX_IDENTIFICATION);
        }
      }
      return undefined;
    case 98: // b
      if (has(s, m, "banner exchange: Connection from ")) {
        reset(f, R_BANNER_EXCHANGE);
        const q = tokenAt(s, m + 33, end, f);
        if (q < 0) return undefined;
        if (s.charCodeAt(q - 1) === 58) f.addrEnd = q - 1;
        return findIn(s, ": invalid format", q - 1, end) >= 0 ? f : undefined;
      }
      return undefined;
    case 112: // p
      // 'a' at m + 21 first: the frequent `pam_unix(sshd:auth): check pass` / `pam_unix(sshd:session)` lines
      // then fail on one character instead of after 14-21
      if (s.charCodeAt(m + 21) === 97 && has(s, m, "pam_unix(sshd:auth): authentication failure;")) {
        reset(f, R_PAM_UNIX);
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
  reset(f, R_PAM_AUTH_FAILURE);
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
    reset(f, R_ACCOUNT_LOCKED);
    f.userStart = m + 5;
    f.userEnd = e - 38;
    return f;
  }
  const because = lastFindIn(s, " not allowed because ", e - 21, m);
  if (because < 0) return undefined;
  const reason = s.slice(because + 21, e);
  if (!USER_NOT_ALLOWED.includes(reason)) return undefined;
  reset(f, R_USER_NOT_ALLOWED);
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
  reset(f, R_CONNECTION_CLOSED);
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
  if (tail.preauth) f.rule = disconnected && withUser ? R_PREAUTH_DISCONNECT_USER : R_PREAUTH_CLOSE;
  return f;
}

/** `Received disconnect from A[ port P]:[ ]CODE: TEXT[ [preauth]]`, p = start of A. */
function receivedDisconnect(s: string, p: number, end: number, f: Found): Found | undefined {
  reset(f, R_CONNECTION_CLOSED);
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
  if (code === 3 && endsAt(s, e, ": Auth fail")) f.rule = R_DISCONNECT_AUTH_FAIL;
  else if (
    code === 14 &&
    (has(s, q + 1, " No supported authentication methods available") || has(s, q + 1, " No authentication methods available"))
  ) {
    f.rule = R_NO_AUTH_METHODS;
  } else if (
    code === 14 &&
    (has(s, q + 1, "No supported authentication methods available") || has(s, q + 1, "No authentication methods available"))
  ) {
    f.rule = R_NO_AUTH_METHODS;
  } else if (code === 11 && preauth) f.rule = R_RECEIVED_DISCONNECT_PREAUTH;
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
  /** the record conn() returned last, while it is in `young` */
  private last: Conn | undefined = undefined;
  readonly found: Found = reset({} as Found, -1);
  readonly maxMessage: number;
  constructor(o: FilterStateOptions) {
    this.options = { clock: o.clock, maxLineLength: o.maxLineLength ?? DEFAULT_MAX_LINE };
    this.maxMessage = o.maxMessageLength ?? DEFAULT_MAX_MESSAGE;
    if (o.utcOffsetMinutes !== undefined) this.options.utcOffsetMinutes = o.utcOffsetMinutes;
    if (o.details === false) this.options.details = false;
    this.syslog = new SyslogTime(o.clock, o.utcOffsetMinutes);
  }
  /** the connection's record, created when missing (or when another connection held the key) */
  conn(host: number, pid: number): Conn {
    // a connection's lines usually come together: the record of the previous call first (it is always in
    // the young generation — set below, cleared by take — so this changes nothing but the map lookups)
    const last = this.last;
    if (last !== undefined && last.pid === pid && last.host === host) return last;
    const key = mixKey(host, pid);
    let c = this.young.get(key);
    if (c && c.host === host && c.pid === pid) {
      this.last = c;
      return c;
    }
    c = this.old.get(key);
    if (c) this.old.delete(key);
    if (!c || c.host !== host || c.pid !== pid) c = { host, pid, address: undefined, v4: -1, pending: undefined }; // one shape: no delete
    if (this.young.size >= MAX_CONNECTIONS / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, c);
    this.last = c;
    return c;
  }

  /** the connection's record removed (it closed), if there was one */
  take(host: number, pid: number): Conn | undefined {
    const key = mixKey(host, pid);
    let c = this.young.get(key);
    if (c && c.host === host && c.pid === pid) {
      this.young.delete(key);
      if (c === this.last) this.last = undefined;
      return c;
    }
    c = this.old.get(key);
    if (c && c.host === host && c.pid === pid) {
      this.old.delete(key);
      return c;
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

/**
 * What the filter needs to know of a rule in its mode, looked up once per recognised line: the flags,
 * and the "none" results made once (lines without an event allocate nothing; callers only read results).
 */
interface RuleInfo {
  id: string;
  /** 1 = a failure in this mode, 2 = a success, 4 = takes its address from the connection */
  flags: number;
  helper: MatchResult;
  pending: MatchResult;
  ambiguous: MatchResult;
  notIp: MatchResult;
}

export class SshdFilter implements Filter {
  readonly name = "sshd";
  readonly modes = SSHD_MODES;
  readonly rules = SSHD_RULES;
  /** by rule number (position in SSHD_RULES) */
  private readonly info: RuleInfo[];

  constructor(readonly mode: SshdMode = "normal") {
    this.info = SSHD_RULES.map((r): RuleInfo => {
      const rule = r.id;
      const success = SUCCESS_RULES.has(rule);
      const failure = !success && r.modes.includes(mode);
      return {
        id: rule,
        flags: (failure ? 1 : 0) | (success ? 2 : 0) | (CONNECTION_RULES.has(rule) ? 4 : 0),
        helper: { kind: "none", rule, reason: "helper" },
        pending: { kind: "none", rule, reason: "pending" },
        ambiguous: { kind: "none", rule, reason: "ambiguous" },
        notIp: { kind: "none", rule, reason: "not-an-ip" },
      };
    });
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
    // the optional prefixes, tested only when the first character can start one (most lines: none)
    const c0 = s.charCodeAt(m);
    if ((c0 === 101 /* e */ && has(s, m, "error: ")) || (c0 === 102 /* f */ && has(s, m, "fatal: "))) m += 7;
    if (s.charCodeAt(m) === 80 /* P */ && has(s, m, "PAM: ")) m += 5;
    lineEnd = end;
    if (end - m > st.maxMessage) return TOO_LONG;
    const f = classify(s, m, end, st.found);
    if (!f) return looksLikeFailure(s, m, end) ? MISSED : NOTHING;
    const info = this.info[f.rule] as RuleInfo; // classify records only R_… numbers
    const rule = info.id;
    if (f.ambiguous) return info.ambiguous;

    const pid = pidOf(s, env);
    const host = pid < 0 ? 0 : hostHash(s, env);
    const flags = info.flags;
    const success = (flags & 2) !== 0;
    const failure = !f.nofail && (flags & 1) !== 0;

    if ((flags & 4) !== 0) {
      if (!failure) return info.helper;
      const conn = pid < 0 ? undefined : st.conn(host, pid);
      const known = conn && connAddress(conn);
      if (known) return this.event("failure", known, rule, f, s, st, false);
      if (conn) conn.pending = rule;
      return info.pending;
    }

    if (f.addrStart < 0) return info.helper;
    if (success || failure) {
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return info.notIp;
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
    if (pid < 0) return info.helper;
    if (f.closes) {
      const pending = st.take(host, pid)?.pending;
      if (pending === undefined) return info.helper;
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return info.notIp;
      return this.event("failure", address, pending, f, s, st, false);
    }
    const conn = st.conn(host, pid);
    const v4 = canonicalV4Value(s, f.addrStart, f.addrEnd);
    if (v4 >= 0) {
      conn.v4 = v4;
      conn.address = undefined;
    } else {
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return info.notIp;
      conn.address = address;
    }
    const pending = conn.pending;
    if (pending === undefined) return info.helper;
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
    if (st.options.details === false) return { kind, address, rule, time: 0 };
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
