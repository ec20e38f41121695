// The sshd scanner: which rule a message matches and where its address and user are, as positions into the
// text (no string per line). Hand-written, not regexes, for speed (the guard's hot path: a few bounded
// character loops per line, on positions inside the decoded chunk) and for linear time by construction
// (no backtracking; every search is bounded by the line's end; messages longer than sshd's own log buffer
// are not scanned — ./filter.ts). The address is read only from the fixed place sshd writes it:
//   - right-anchored: most messages END with `from ADDR[ port N][ ssh2][ [preauth]]`, so attacker text
//     (user names, client versions) is always to the left of the address and cannot choose it;
//   - left-anchored: where attacker text follows the address (`Received disconnect from ADDR port N:11:
//     <client text>`, `Unable to negotiate with ADDR …`, `SSH: Server;…;Remote: ADDR-PORT;…`) the address
//     is read right after sshd's fixed prefix;
//   - both sides: `Failed|Accepted METHOD for USER from ADDR port N ssh2[: EXTRA]` and `Disconnecting
//     invalid user USER ADDR port N: Change of username…: (…)` carry attacker text on both sides (the user
//     name; key and certificate ids, ruser, client user/host; new user names). Every place within reach of
//     the user name (OpenSSH logs it as %.100s, vis-encoded) where sshd's fixed text could follow an address
//     is a candidate; one candidate is the address; several make the line ambiguous (the filter then uses
//     the connection's address when an unambiguous line of the same sshd process named one of them, else
//     nothing). Text after `ssh2:` can never choose the address;
//   - lines without an address take the connection's (./connections.ts).
import { charIn, findIn, lastCharIn, lastFindIn } from "../../envelope.js";
import {
  MAX_HOST_TOKEN,
  R_CHANGE_OF_USERNAME,
  R_REFUSED_CONNECT,
  R_ROOT_LOGIN_REFUSED,
  R_SSH_SERVER_LTYPE,
  MAX_USER_FIELD,
  R_ACCEPTED,
  R_ACCOUNT_LOCKED,
  R_BAD_PROTOCOL_VERSION,
  R_BANNER_EXCHANGE,
  R_CONNECTION_CLOSED,
  R_CONNECTION_FROM,
  R_DID_NOT_RECEIVE_IDENT,
  R_DISCONNECT_AUTH_FAIL,
  R_FAILED_AUTH,
  R_FAILED_PUBLICKEY,
  R_INVALID_USER,
  R_KEX_IDENTIFICATION,
  R_MAX_AUTH_ATTEMPTS,
  R_NEGOTIATION_FAILED,
  R_NO_AUTH_METHODS,
  R_PAM_AUTH_FAILURE,
  R_PAM_UNIX,
  R_PREAUTH_CLOSE,
  R_PREAUTH_DISCONNECT_USER,
  R_READ_SOCKET_RESET,
  R_RECEIVED_DISCONNECT_PREAUTH,
  R_TOO_MANY_AUTH_FAILURES,
  R_UNABLE_TO_NEGOTIATE,
  R_USER_NOT_ALLOWED,
} from "./rules.js";

/**
 * The scanner's per-line scratch: the line being read (its text may be a whole decoded chunk, so every
 * literal check is bounded by `lineEnd`) and what was found in it, as positions into the text. One per
 * filter state, reused between lines (no allocation per line); nothing of it lives in module variables.
 */
export interface Found {
  /** the text the line is in */
  s: string;
  /** where the line ends in s */
  lineEnd: number;
  /** the message ended with ` [preauth]` (set by stripTail) */
  preauth: boolean;
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
  /** more than one place could be the address: extract nothing, unless the connection settles it */
  ambiguous: boolean;
  /** the second candidate of an ambiguous line (the first is addrStart/addrEnd); -1 when there were more */
  altStart: number;
  altEnd: number;
  /** where the user name ends when the second candidate is the address */
  altUserEnd: number;
}

export function newFound(): Found {
  return reset(
    {
      s: "",
      lineEnd: 0,
      preauth: false,
      rule: -1,
      addrStart: -1,
      addrEnd: -1,
      userStart: -1,
      userEnd: -1,
      nofail: false,
      closes: false,
      ambiguous: false,
      altStart: -1,
      altEnd: -1,
      altUserEnd: -1,
    },
    -1,
  );
}

export function reset(f: Found, rule: number): Found {
  f.rule = rule;
  f.addrStart = -1;
  f.addrEnd = -1;
  f.userStart = -1;
  f.userEnd = -1;
  f.nofail = false;
  f.closes = false;
  f.ambiguous = false;
  // (altEnd and altUserEnd are read only when altStart >= 0; preauth is set by stripTail before it is read)
  f.altStart = -1;
  return f;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * s has lit at position at. A char loop rather than String.prototype.startsWith: the JIT inlines it,
 * and on this hot path (several checks per line) it is markedly faster than the builtin call.
 */
export function has(f: Found, at: number, lit: string): boolean {
  const n = lit.length;
  if (at < 0 || at + n > f.lineEnd) return false;
  const s = f.s;
  for (let i = 0; i < n; i++) if (s.charCodeAt(at + i) !== lit.charCodeAt(i)) return false;
  return true;
}

function endsAt(f: Found, end: number, lit: string): boolean {
  return has(f, end - lit.length, lit);
}

/** end of s[m..end) without a trailing ` port N` (or end itself when there is none) */
function stripPort(f: Found, m: number, end: number): number {
  const s = f.s;
  let p = end;
  while (p > m && isDigit(s.charCodeAt(p - 1))) p--;
  if (p === end || end - p > 5) return end;
  return endsAt(f, p, " port ") ? p - 6 : end;
}

/** Strip the suffixes sshd appends after the address: ` [preauth]`, ` ssh2`/` ssh1`, ` port N`. */
function stripTail(f: Found, m: number, end: number): number {
  const s = f.s;
  let e = end;
  f.preauth = false;
  // each suffix is compared only when the last character fits (most lines end with a digit)
  if (s.charCodeAt(e - 1) === 93 /* ] */ && endsAt(f, e, " [preauth]")) {
    e -= 10;
    f.preauth = true;
  }
  const last = s.charCodeAt(e - 1);
  if ((last === 50 /* 2 */ && endsAt(f, e, " ssh2")) || (last === 49 /* 1 */ && endsAt(f, e, " ssh1"))) e -= 5;
  return stripPort(f, m, e);
}

/**
 * Right-anchored: the last token of s[m..e) is the address; it must be preceded by `keyword`
 * (e.g. " from "). Sets f.addr*, returns the index where the keyword starts (the end of what precedes it) or -1.
 */
function lastToken(s: string, m: number, e: number, keyword: string, f: Found): number {
  const a = lastCharIn(s, 32, e - 1, m) + 1;
  if (a <= m || a >= e) return -1;
  const k = a - keyword.length;
  if (k < m || !has(f, k, keyword)) return -1;
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
 * "Failed "/"Accepted ". Attacker text on both sides: the user name before, and for some methods an EXTRA
 * after `ssh2: ` (key and certificate ids, `ruser …`, client user and host). Every ` from TOKEN port N
 * ssh1|ssh2` that ends the message or is followed by `: ` or ` [preauth]`, starting within reach of the
 * user name, is a candidate: one → its token is the address; several → ambiguous (the first two are kept,
 * for the filter to settle with the connection's address). Older formats without `port N sshX`: the last
 * token after ` from `, within reach of the user name.
 */
function authResult(s: string, m: number, end: number, f: Found, failed: boolean): Found | undefined {
  const sp = charIn(s, 32, m, Math.min(end, m + 65));
  if (sp < 0 || sp - m > 64 || !has(f, sp, " for ")) return undefined;
  // the method compared in place (no string per line)
  const publickey = sp - m === 9 && has(f, m, "publickey");
  let us = sp + 5;
  let invalid = false;
  if (has(f, us, "invalid user ")) {
    invalid = true;
    us += 13;
  } else if (has(f, us, "illegal user ")) {
    invalid = true;
    us += 13;
  }
  reset(f, failed ? (publickey ? R_FAILED_PUBLICKEY : R_FAILED_AUTH) : R_ACCEPTED);
  f.userStart = us;
  if (failed && publickey && !invalid) f.nofail = true;
  // sshd writes the real ` from ` right after the (bounded) user name: look only there
  const window = Math.min(end, us + MAX_USER_FIELD + 6);
  let found = 0;
  let at = findIn(s, " from ", us - 1, window);
  while (at >= 0) {
    const p = at + 6;
    const q = charIn(s, 32, p, Math.min(end, p + MAX_HOST_TOKEN + 1));
    if (q > p && has(f, q, " port ")) {
      let r = q + 6;
      const r0 = r;
      while (r < end && isDigit(s.charCodeAt(r))) r++;
      if (r > r0 && r - r0 <= 5 && (has(f, r, " ssh2") || has(f, r, " ssh1"))) {
        r += 5;
        if (r === end || has(f, r, ": ") || (r + 10 === end && has(f, r, " [preauth]"))) {
          found++;
          if (found === 1) {
            f.addrStart = p;
            f.addrEnd = q;
            f.userEnd = at;
            // it ends the message: nothing after it can be another candidate (the common case)
            if (r === end || r + 10 === end) break;
          } else if (found === 2) {
            f.altStart = p;
            f.altEnd = q;
            f.altUserEnd = at;
          } else {
            f.altStart = -1; // three or more: nothing can settle it
            break;
          }
        }
      }
    }
    at = findIn(s, " from ", at + 1, window);
  }
  if (found > 1) f.ambiguous = true;
  if (found > 0) return f;
  const e = stripTail(f, m, end);
  const k = lastToken(s, us - 1, e, " from ", f);
  if (k < 0 || k > us + MAX_USER_FIELD) return undefined;
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
export function classify(s: string, m: number, end: number, f: Found): Found | undefined {
  switch (s.charCodeAt(m)) {
    case 70: // F
      if (has(f, m, "Failed ")) return authResult(s, m + 7, end, f, true);
      return undefined;
    case 65: // A
      if (has(f, m, "Accepted ")) return authResult(s, m + 8 + 1, end, f, false);
      if (has(f, m, "Authentication failure for ") || has(f, m, "Authentication error for ") || has(f, m, "Authentication failed for ")) {
        return pamFailure(s, m, end, f);
      }
      return undefined;
    case 97: // a
      if (has(f, m, "authentication failure for ") || has(f, m, "authentication error for ")) return pamFailure(s, m, end, f);
      return undefined;
    case 73: // I
    case 105: // i
      if (has(f, m, "Invalid user ") || has(f, m, "Illegal user ") || has(f, m, "illegal user ")) {
        return userFrom(s, m, m + 13, end, f, R_INVALID_USER);
      }
      return undefined;
    case 85: // U
      if (has(f, m, "User not known to the underlying authentication module for ")) return pamFailure(s, m, end, f);
      if (has(f, m, "User ")) return userLine(s, m, end, f);
      if (has(f, m, "Unable to negotiate with ")) {
        reset(f, R_UNABLE_TO_NEGOTIATE);
        const q = tokenAt(s, m + 25, end, f);
        if (q < 0) return undefined;
        const colon = findIn(s, ": no matching ", q - 1, Math.min(end, q + 30));
        if (colon < 0 || colon - q > 12) return undefined;
        if (s.charCodeAt(q - 1) === 58) f.addrEnd = q - 1; // "with A: no matching" (no port)
        return f;
      }
      if (has(f, m, "Unable to negotiate a ")) return reset(f, R_NEGOTIATION_FAILED);
      return undefined;
    case 110: // n
      if (has(f, m, "no matching ") && findIn(s, " found:", m + 12, end) >= 0) return reset(f, R_NEGOTIATION_FAILED);
      return undefined;
    case 109: // m
      if (has(f, m, "maximum authentication attempts exceeded for ")) {
        return userFrom(s, m, m + 45, end, f, R_MAX_AUTH_ATTEMPTS);
      }
      return undefined;
    case 68: // D
      if (has(f, m, "Disconnected from ")) return closeLine(s, m, m + 18, end, f, true); // the common one first
      if (has(f, m, "Disconnecting: Too many authentication failures")) return reset(f, R_TOO_MANY_AUTH_FAILURES);
      if (has(f, m, "Disconnecting ")) return changeOfUsername(s, m + 14, end, f);
      if (has(f, m, "Did not receive identification string from ")) {
        reset(f, R_DID_NOT_RECEIVE_IDENT);
        return tokenAt(s, m + 43, end, f) < 0 ? undefined : f;
      }
      return undefined;
    case 67: // C
      if (has(f, m, "Connection closed by ")) return closeLine(s, m, m + 21, end, f, false);
      if (has(f, m, "Connection reset by ")) return closeLine(s, m, m + 20, end, f, false);
      if (has(f, m, "Connection from ")) {
        reset(f, R_CONNECTION_FROM);
        const q = tokenAt(s, m + 16, end, f);
        return q < 0 ? undefined : f;
      }
      return undefined;
    case 82: // R
      if (has(f, m, "Received disconnect from ")) return receivedDisconnect(s, m + 25, end, f);
      if (has(f, m, "Read from socket failed: Connection reset by peer")) return reset(f, R_READ_SOCKET_RESET);
      if (has(f, m, "ROOT LOGIN REFUSED FROM ")) return rootLoginRefused(s, m, end, f);
      return undefined;
    case 114: // r
      if (has(f, m, "refused connect from ")) return refusedConnect(s, m, end, f);
      return undefined;
    case 83: // S
      if (has(f, m, "SSH: Server;Ltype: ")) return sshServerLtype(s, m, end, f);
      return undefined;
    case 66: // B
      if (has(f, m, "Bad protocol version identification ")) {
        reset(f, R_BAD_PROTOCOL_VERSION);
        const e = stripTail(f, m, end);
        return lastToken(s, m + 36, e, " from ", f) < 0 ? undefined : f;
      }
      return undefined;
    case 107: // k
      if (has(f, m, "kex_exchange_identification: ")) {
        let p = m + 29;
        if (has(f, p, "read: ")) p += 6;
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
      if (has(f, m, "banner exchange: Connection from ")) {
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
      if (s.charCodeAt(m + 21) === 97 && has(f, m, "pam_unix(sshd:auth): authentication failure;")) return pamUnix(s, m, end, f);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=R rhost=A[  user=U]`:
 * a helper (the Failed line counts), whose address and user name serve the connection's rules.
 */
function pamUnix(s: string, m: number, end: number, f: Found): Found | undefined {
  reset(f, R_PAM_UNIX);
  // rhost= is written by PAM before user=U (attacker text): use it only when it occurs once. Searched from
  // the end of the fixed prefix the caller checked (45 characters, which hold no ` rhost=`)
  const at = findIn(s, " rhost=", m + 45, end);
  if (at < 0) return f;
  if (findIn(s, " rhost=", at + 7, end) >= 0) {
    f.ambiguous = true;
    return f;
  }
  const q = tokenAt(s, at + 7, end, f);
  // the user name, for the connection's "several users" rule: `user=U` after rhost, else `ruser=U`
  if (q > 0 && has(f, q, "  user=")) {
    f.userStart = q + 7;
    f.userEnd = end;
  } else if (q > 0 && has(f, q, " user=")) {
    f.userStart = q + 6;
    f.userEnd = end;
  } else {
    // (the common `ruser= rhost=` first: no backward scan)
    const ru = has(f, at - 7, " ruser=") ? at - 7 : lastFindIn(s, " ruser=", at - 7, m);
    if (ru >= 0) {
      f.userStart = ru + 7;
      f.userEnd = at;
    }
  }
  if (f.userEnd > f.userStart && endsAt(f, f.userEnd, " [preauth]")) f.userEnd -= 10;
  return f;
}

/** `ROOT LOGIN REFUSED FROM A[ port P][ [preauth]]` */
function rootLoginRefused(s: string, m: number, end: number, f: Found): Found | undefined {
  // older OpenSSH / SunSSH: nothing but the address (and sshd's own suffixes) follows
  reset(f, R_ROOT_LOGIN_REFUSED);
  const e = stripTail(f, m, end);
  return tokenAt(s, m + 24, e, f) === e ? f : undefined;
}

/** `refused connect from CLIENT (A)` */
function refusedConnect(s: string, m: number, end: number, f: Found): Found | undefined {
  // tcpwrappers: `refused connect from CLIENT (ADDR)`; CLIENT may hold an ident user name (attacker
  // text) and a resolved name: the address is the parenthesised last token
  reset(f, R_REFUSED_CONNECT);
  if (s.charCodeAt(end - 1) !== 41 /* ) */) return undefined;
  const open = lastCharIn(s, 40 /* ( */, end - 2, m + 21);
  if (open < m + 22 || s.charCodeAt(open - 1) !== 32 || charIn(s, 32, open, end) >= 0) return undefined;
  f.addrStart = open + 1;
  f.addrEnd = end - 1;
  return f;
}

/** `SSH: Server;Ltype: Version|Kex|Authname;Remote: A-P;…` */
function sshServerLtype(s: string, m: number, end: number, f: Found): Found | undefined {
  // a patched sshd's connection log (fail2ban gh-864): `SSH: Server;Ltype: Version|Kex|Authname;Remote:
  // ADDR-PORT;…` — left-anchored after `Remote: ` (the client's text, e.g. Name: or Client:, follows)
  let p = m + 19;
  if (has(f, p, "Version;")) p += 8;
  else if (has(f, p, "Kex;")) p += 4;
  else if (has(f, p, "Authname;")) p += 9;
  else return undefined;
  if (!has(f, p, "Remote: ")) return undefined;
  p += 8;
  const semi = charIn(s, 59 /* ; */, p, Math.min(end, p + 52));
  if (semi < 0) return undefined;
  const dash = lastCharIn(s, 45 /* - */, semi - 1, p);
  if (dash <= p || dash === semi - 1) return undefined;
  for (let i = dash + 1; i < semi; i++) if (!isDigit(s.charCodeAt(i))) return undefined;
  reset(f, R_SSH_SERVER_LTYPE);
  f.addrStart = p;
  f.addrEnd = dash;
  return f;
}

/** "PREFIX USER from A port N": the rule, the user from `userAt` up to the last " from ", and the address. */
function userFrom(s: string, m: number, userAt: number, end: number, f: Found, rule: number): Found | undefined {
  reset(f, rule);
  const e = stripTail(f, m, end);
  const k = lastToken(s, userAt - 1, e, " from ", f);
  if (k < 0) return undefined;
  f.userStart = userAt;
  f.userEnd = Math.max(k, userAt);
  return f;
}

function pamFailure(s: string, m: number, end: number, f: Found): Found | undefined {
  reset(f, R_PAM_AUTH_FAILURE);
  const e = stripTail(f, m, end);
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
  if (endsAt(f, e, " [preauth]")) e -= 10;
  if (endsAt(f, e, " not allowed because account is locked")) {
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
  const e = stripTail(f, m, end);
  const a = lastCharIn(s, 32, e - 1, p - 1) + 1;
  if (a < p || a >= e) return undefined;
  f.addrStart = a;
  f.addrEnd = e;
  f.closes = true;
  let withUser = false;
  if (a > p) {
    let us = -1;
    if (has(f, p, "invalid user ")) us = p + 13;
    else if (has(f, p, "authenticating user ")) us = p + 20;
    else if (has(f, p, "user ") && !f.preauth) us = p + 5;
    if (us < 0 || us > a - 1) return undefined;
    f.userStart = us;
    f.userEnd = a - 1;
    withUser = us !== p + 5;
  }
  if (f.preauth) f.rule = disconnected && withUser ? R_PREAUTH_DISCONNECT_USER : R_PREAUTH_CLOSE;
  return f;
}

/** `Received disconnect from A[ port P]:[ ]CODE: TEXT[ [preauth]]`, p = start of A. */
function receivedDisconnect(s: string, p: number, end: number, f: Found): Found | undefined {
  reset(f, R_CONNECTION_CLOSED);
  f.closes = true;
  let q = tokenAt(s, p, end, f);
  if (q < 0) return undefined;
  if (has(f, q, " port ")) {
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
  const preauth = endsAt(f, e, " [preauth]");
  if (preauth) e -= 10;
  if (code === 3 && endsAt(f, e, ": Auth fail")) f.rule = R_DISCONNECT_AUTH_FAIL;
  else if (
    code === 14 &&
    (has(f, q + 1, " No supported authentication methods available") || has(f, q + 1, " No authentication methods available"))
  ) {
    f.rule = R_NO_AUTH_METHODS;
  } else if (
    code === 14 &&
    (has(f, q + 1, "No supported authentication methods available") || has(f, q + 1, "No authentication methods available"))
  ) {
    f.rule = R_NO_AUTH_METHODS;
  } else if (code === 11 && preauth) f.rule = R_RECEIVED_DISCONNECT_PREAUTH;
  return f;
}

/**
 * `Disconnecting [from ]invalid|authenticating user U A port P: Change of username or service not allowed:
 * (U,S) -> (U2,S2)[ [preauth]]`, p = just after "Disconnecting ". Attacker text on both sides (the user
 * name; the new user and service names): every `TOKEN port N: Change of username or service not allowed: `
 * starting within reach of the user name is a candidate — one is the address, two are settled by the
 * connection (see authResult).
 */
function changeOfUsername(s: string, p: number, end: number, f: Found): Found | undefined {
  if (has(f, p, "from ")) p += 5;
  let us: number;
  if (has(f, p, "invalid user ")) us = p + 13;
  else if (has(f, p, "authenticating user ")) us = p + 20;
  else return undefined;
  reset(f, R_CHANGE_OF_USERNAME);
  f.closes = true;
  f.userStart = us;
  const window = Math.min(end, us + MAX_USER_FIELD + MAX_HOST_TOKEN + 7);
  let found = 0;
  let at = findIn(s, " port ", us, window);
  while (at >= 0) {
    const a = lastCharIn(s, 32, at - 1, us - 1) + 1;
    let r = at + 6;
    const r0 = r;
    while (r < end && isDigit(s.charCodeAt(r))) r++;
    if (a < at && a - us <= MAX_USER_FIELD && r > r0 && r - r0 <= 5 && has(f, r, ": Change of username or service not allowed: ")) {
      found++;
      if (found === 1) {
        f.addrStart = a;
        f.addrEnd = at;
        f.userEnd = Math.max(us, a - 1);
      } else if (found === 2) {
        f.altStart = a;
        f.altEnd = at;
        f.altUserEnd = a - 1;
      } else {
        f.altStart = -1;
        break;
      }
    }
    at = findIn(s, " port ", at + 1, window);
  }
  if (found === 0) return undefined;
  if (found > 1) f.ambiguous = true;
  return f;
}

/** Words that make an unrecognised sshd line worth showing as "missed" in `guard test`. */
export function looksLikeFailure(s: string, m: number, end: number): boolean {
  const msg = s.slice(m, Math.min(end, m + 200));
  return /fail|invalid|illegal|refused|not allowed|denied|error|bad |too many|disconnecting|unable|did not/i.test(msg);
}
