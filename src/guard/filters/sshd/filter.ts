// The built-in OpenSSH filter: which sshd / sshd-session / sshd-auth lines are authentication failures,
// successes, or only tell us a connection's address, in fail2ban's four modes (./rules.ts). It is
// hand-written (./scan.ts), not regexes, for speed — the guard must read a million lines a second, so each
// line is read with a few bounded character loops on positions inside the decoded chunk, with no string
// per line — and for linear time and anchored address extraction by construction (see scan.ts). It passes
// every IP-host annotation of fail2ban's own sample logs (tests/files/logs/sshd, sshd-journal) in every
// mode they list: test/guard/sshd-samples.test.ts, `npm run compat:fail2ban`. Measured: bench/guard.mjs.
// Everything a line needs from the lines before it lives in the FilterState (SshdState below): the
// scanner's scratch, the envelope, the connections; nothing per line is kept in module variables.
import { RampartError } from "../../../core/errors.js";
import { type Envelope, envelopeTime, newEnvelope, parseBracketEnvelopeAt, parseEnvelopeAt } from "../../envelope.js";
import { SyslogTime } from "../../time.js";
import type { Filter, FilterFactory, FilterParams, FilterState, FilterStateOptions, MatchResult } from "../types.js";
import { canonicalV4Value } from "../../../core/ip.js";
import { addressAt } from "./addresses.js";
import { type Conn, connAddress, Connections, pidOf, textHash } from "./connections.js";
import {
  CONNECTION_RULES,
  DEFAULT_MAX_LINE,
  DEFAULT_MAX_MESSAGE,
  R_ACCEPTED,
  R_CONNECTION_FROM,
  R_OTHER_USER,
  R_PAM_UNIX,
  SSHD_MODES,
  SSHD_RULES,
  type SshdMode,
  SUCCESS_RULES,
} from "./rules.js";
import { classify, type Found, has, looksLikeFailure, newFound } from "./scan.js";

class SshdState implements FilterState {
  readonly options: FilterState["options"];
  readonly env: Envelope = newEnvelope();
  readonly syslog: SyslogTime;
  readonly conns = new Connections();
  /** the scanner's per-line scratch */
  readonly found: Found = newFound();
  readonly maxMessage: number;
  constructor(o: FilterStateOptions) {
    this.options = { clock: o.clock, maxLineLength: o.maxLineLength ?? DEFAULT_MAX_LINE };
    this.maxMessage = o.maxMessageLength ?? DEFAULT_MAX_MESSAGE;
    if (o.utcOffsetMinutes !== undefined) this.options.utcOffsetMinutes = o.utcOffsetMinutes;
    if (o.details === false) this.options.details = false;
    this.syslog = new SyslogTime(o.clock, o.utcOffsetMinutes);
  }
}

const TOO_LONG: MatchResult = { kind: "none", reason: "too-long" };
const NOTHING: MatchResult = { kind: "none" };
const MISSED: MatchResult = { kind: "none", missed: true };

function isSshProgram(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n === 4) return same(s, start, "sshd");
  if (n === 12) return same(s, start, "sshd-session");
  if (n === 9) return same(s, start, "sshd-auth");
  return false;
}

function same(s: string, at: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (s.charCodeAt(at + i) !== lit.charCodeAt(i)) return false;
  return true;
}

/**
 * The prefixes some systems put before sshd's message (fail2ban's common.conf knows them): Solaris and
 * macOS `[ID 800047 auth.info] `, a kernel time `kernel:[  970.699396]: ` / `kernel: [ 970.699397] `.
 * They stand where sshd's fixed text starts, never after attacker text. Returns the message start.
 */
function skipSystemPrefix(f: Found, m: number, end: number): number {
  const s = f.s;
  if (s.charCodeAt(m) === 91 /* [ */) {
    if (!has(f, m, "[ID ")) return m;
    let p = m + 4;
    const p0 = p;
    while (p < end && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
    if (p === p0 || s.charCodeAt(p) !== 32) return m;
    p++;
    const q0 = p;
    while (p < end && p - q0 < 40 && s.charCodeAt(p) !== 32 && s.charCodeAt(p) !== 93) p++;
    if (p === q0 || s.charCodeAt(p) !== 93 || s.charCodeAt(p + 1) !== 32) return m;
    return p + 2;
  }
  if (!has(f, m, "kernel:")) return m;
  let p = m + 7;
  if (s.charCodeAt(p) === 32) p++;
  if (s.charCodeAt(p) !== 91 /* [ */) return m;
  p++;
  while (p < end && s.charCodeAt(p) === 32) p++;
  const d0 = p;
  while (p < end && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
  if (p === d0 || s.charCodeAt(p) !== 46 /* . */) return m;
  p++;
  const d1 = p;
  while (p < end && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= 57) p++;
  if (p === d1 || s.charCodeAt(p) !== 93 /* ] */) return m;
  p++;
  if (s.charCodeAt(p) === 58 /* : */) p++;
  if (s.charCodeAt(p) !== 32) return m;
  return p + 1;
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
  /** by rule number: 1 when the rule's user name counts for the connection's "several users" rule */
  private readonly userRule = new Uint8Array(SSHD_RULES.length);

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
    // the user names that count: pam_unix's (every password or keyboard-interactive failure through PAM has
    // one) and Accepted's. Not the Failed lines' too: hashing the most frequent line's user name cost the
    // whole filter about 3% (bench/guard.mjs), and PAM's line of the same attempt carries the name anyway.
    for (const r of [R_PAM_UNIX, R_ACCEPTED]) this.userRule[r] = 1;
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
    if (!parseEnvelopeAt(text, start, stop, env) && !parseBracketEnvelopeAt(text, start, stop, env)) return NOTHING;
    const s = env.text;
    let end = env.end;
    if (!isSshProgram(s, env.progStart, env.progEnd)) return NOTHING;
    let m = env.msgStart;
    while (end > m && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 13)) end--;
    const f = st.found;
    f.s = s;
    f.lineEnd = end;
    // the optional prefixes, tested only when the first character can start one (most lines: none)
    let c0 = s.charCodeAt(m);
    if (c0 === 91 /* [ */ || c0 === 107 /* k */) {
      m = skipSystemPrefix(f, m, end);
      c0 = s.charCodeAt(m);
    }
    if ((c0 === 101 /* e */ && has(f, m, "error: ")) || (c0 === 102 /* f */ && has(f, m, "fatal: "))) m += 7;
    if (s.charCodeAt(m) === 80 /* P */ && has(f, m, "PAM: ")) m += 5;
    if (end - m > st.maxMessage) return TOO_LONG;
    if (!classify(s, m, end, f)) return looksLikeFailure(s, m, end) ? MISSED : NOTHING;
    const info = this.info[f.rule] as RuleInfo; // classify records only R_… numbers

    const pid = pidOf(s, env);
    const host = pid < 0 ? 0 : st.conns.hostHash(s, env);
    if (f.ambiguous && !settle(f, st, host, pid)) return info.ambiguous;
    const flags = info.flags;

    if ((flags & 4) !== 0) {
      if ((flags & 1) === 0) return info.helper;
      const conn = pid < 0 ? undefined : st.conns.conn(host, pid);
      const known = conn && connAddress(conn);
      if (known) return this.event("failure", known, info.id, f, s, st, false);
      if (conn) conn.pending = info.id;
      return info.pending;
    }

    if (f.addrStart < 0) return info.helper;
    // one connection, several user names (fail2ban gh-2070): see otherUser (the rare event in its own
    // method: matchAt's size decides what the JIT inlines into it)
    if (pid >= 0 && this.userRule[f.rule] === 1 && f.userEnd > f.userStart && otherUser(st.conns.conn(host, pid), f)) {
      return this.otherUserEvent(f, s, st, host, pid);
    }
    const success = (flags & 2) !== 0;
    const failure = !f.nofail && (flags & 1) !== 0;
    if (success || failure) {
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return info.notIp;
      if (pid >= 0) {
        // a login that worked ends what the connection can tell: before OpenSSH 9.8 its close is logged by
        // the session's own pid, so a record kept here would lend its address to the next connection that
        // reuses this pid (a key-exchange failure, an ambiguous line settled by it)
        if (f.closes || success) st.conns.take(host, pid);
        else {
          const conn = st.conns.conn(host, pid);
          conn.address = address;
          conn.pending = undefined;
        }
      }
      return this.event(success ? "success" : "failure", address, info.id, f, s, st, true);
    }
    // a helper line: only the connection's bookkeeping, and the address is read only when it is needed
    if (pid < 0) return info.helper;
    if (f.closes) {
      const pending = st.conns.take(host, pid)?.pending;
      if (pending === undefined) return info.helper;
      const address = addressAt(s, f.addrStart, f.addrEnd);
      if (address === undefined) return info.notIp;
      return this.event("failure", address, pending, f, s, st, false);
    }
    const conn = st.conns.conn(host, pid);
    // `Connection from` starts a connection: what an earlier one of this pid tried (its user names, a failure
    // still waiting for its address) is not its doing
    if (f.rule === R_CONNECTION_FROM) {
      conn.userSeen = false;
      conn.pending = undefined;
    }
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

  /** an other-user failure: this line's address, which is also the connection's */
  private otherUserEvent(f: Found, s: string, st: SshdState, host: number, pid: number): MatchResult {
    const info = this.info[R_OTHER_USER] as RuleInfo;
    const address = addressAt(s, f.addrStart, f.addrEnd);
    if (address === undefined) return info.notIp;
    const conn = st.conns.conn(host, pid);
    conn.address = address;
    conn.pending = undefined;
    return this.event("failure", address, info.id, f, s, st, true);
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

/**
 * One connection, several user names (fail2ban gh-2070): an intruder guessing one account, then another —
 * or logging in to a second one to wipe out the failures — is failing, not succeeding. Records the first
 * user name of the connection's failures (a hash: no string per line); true when this pam_unix failure or
 * Accepted line is for another user of the same client. (Out of matchAt, whose size decides what the JIT
 * inlines into it: measured, the inline version cost the whole filter about 5%.)
 */
function otherUser(conn: Conn, f: Found): boolean {
  const r = f.rule;
  const h = textHash(f.s, f.userStart, f.userEnd);
  if (!conn.userSeen) {
    if (r !== R_ACCEPTED) {
      conn.userSeen = true;
      conn.userHash = h;
    }
    return false;
  }
  if (conn.userHash === h || (r !== R_PAM_UNIX && r !== R_ACCEPTED)) return false;
  // the same client only: a record whose address differs is an older connection of a reused pid (its close
  // line was not seen), and this line starts afresh
  if (connAddress(conn) === addressAt(f.s, f.addrStart, f.addrEnd)) return true;
  if (r !== R_ACCEPTED) conn.userHash = h;
  else conn.userSeen = false;
  return false;
}

/**
 * An ambiguous line (two places could be the address) is settled only by the connection: when an
 * unambiguous line of the same sshd process already gave its address and it is one of the two candidates,
 * that one is sshd's (the other is attacker text). Anything else stays ambiguous: nothing is extracted.
 */
function settle(f: Found, st: SshdState, host: number, pid: number): boolean {
  if (f.altStart < 0 || pid < 0) return false;
  const conn = st.conns.peek(host, pid);
  const known = conn && connAddress(conn);
  if (known === undefined) return false;
  if (addressAt(f.s, f.addrStart, f.addrEnd) === known) {
    f.ambiguous = false;
    return true;
  }
  if (addressAt(f.s, f.altStart, f.altEnd) === known) {
    f.addrStart = f.altStart;
    f.addrEnd = f.altEnd;
    f.userEnd = f.altUserEnd;
    f.ambiguous = false;
    return true;
  }
  return false;
}

export const sshdFilter: FilterFactory = {
  name: "sshd",
  description: "OpenSSH sshd / sshd-session (modes: normal, ddos, extra, aggressive)",
  params: { mode: SSHD_MODES },
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
