// The envelope of a log line: where its timestamp, host, program, pid and message are, without copying.
// Forms: syslog (`Nov 22 07:01:02 host sshd[123]: msg`, also without host, or with a `<PRI>`), ISO 8601
// (rsyslog high precision, journald `short-iso`/`short-iso-precise`), RFC 5424
// (`<38>1 TS HOST APP PROCID MSGID SD MSG`), prefix-less journal lines (`host sshd[123]: msg`) and journald
// JSON (`journalctl -o json`, one object per line).
// A hand-written scanner, not a regex: it runs on every line (the guard's hot path), touches only the
// first few tokens, and is linear by construction whatever the attacker wrote further on.
import { isoTimeLength, parseIsoTime, parseJournalRealtime, type SyslogTime, syslogTimeLength } from "./time.js";

export const TimeKind = {
  None: 0,
  Syslog: 1,
  Iso: 2,
  /** a value in ms already known (journald JSON) */
  Known: 3,
} as const;
export type TimeKind = (typeof TimeKind)[keyof typeof TimeKind];

/** Positions into `text`; reused between lines by the caller (no allocation per line). */
export interface Envelope {
  text: string;
  /** the line ends here in text (text may hold more lines: a whole decoded chunk) */
  end: number;
  timeKind: TimeKind;
  timeStart: number;
  timeLen: number;
  timeMs: number;
  hostStart: number;
  hostEnd: number;
  progStart: number;
  progEnd: number;
  pidStart: number;
  pidEnd: number;
  msgStart: number;
}

export function newEnvelope(): Envelope {
  return {
    text: "",
    end: 0,
    timeKind: TimeKind.None,
    timeStart: 0,
    timeLen: 0,
    timeMs: Number.NaN,
    hostStart: 0,
    hostEnd: 0,
    progStart: 0,
    progEnd: 0,
    pidStart: 0,
    pidEnd: 0,
    msgStart: 0,
  };
}

/** Read the envelope of `line` into `env`. false when the line has no recognisable `program[pid]: ` tag. */
export function parseEnvelope(line: string, env: Envelope): boolean {
  return parseEnvelopeAt(line, 0, line.length, env);
}

/**
 * The envelope of the line text[start..end) (text may be a whole chunk of lines: no slicing per line).
 * Never reads past `end` except single characters, and a line ends with a newline no check accepts.
 */
export function parseEnvelopeAt(line: string, start: number, end: number, env: Envelope): boolean {
  env.timeKind = TimeKind.None;
  env.timeLen = 0;
  env.hostStart = env.hostEnd = 0;
  env.pidStart = env.pidEnd = 0;
  if (line.charCodeAt(start) === 123 /* { */)
    return parseJournalJson(start === 0 && end === line.length ? line : line.slice(start, end), env);
  env.text = line;
  env.end = end;
  let p = start;
  // <PRI>
  if (line.charCodeAt(p) === 60 /* < */) {
    let q = p + 1;
    while (q < p + 5 && line.charCodeAt(q) >= 48 && line.charCodeAt(q) <= 57) q++;
    if (q === p + 1 || line.charCodeAt(q) !== 62 /* > */) return false;
    p = q + 1;
    if (line.charCodeAt(p) === 49 /* 1 */ && line.charCodeAt(p + 1) === 32) return parseRfc5424(line, p + 2, end, env);
  }
  let n = syslogTimeLength(line, p);
  if (n > 0) {
    env.timeKind = TimeKind.Syslog;
  } else if ((n = isoTimeLength(line, p)) > 0) {
    env.timeKind = TimeKind.Iso;
  }
  if (n > 0) {
    if (p + n > end) return false;
    env.timeStart = p;
    env.timeLen = n;
    p += n;
    if (line.charCodeAt(p) !== 32) return false;
    while (p < end && line.charCodeAt(p) === 32) p++;
  }
  // first token: a tag (`sshd[1]:`, `sshd:`) or a host name followed by the tag. Each token is read once:
  // the scan for its end also notes its last `[` (where a pid would start) and the first non-digit after
  // it, which is all tag() needs to know of the pid
  for (let token = 0; token < 2; token++) {
    let open = -1;
    let nonDigit = -1;
    let e = p;
    for (; e < end; e++) {
      const c = line.charCodeAt(e);
      if (c === 32) break;
      if (c === 91 /* [ */) {
        open = e;
        nonDigit = -1;
      } else if (nonDigit < 0 && (c < 48 || c > 57)) nonDigit = e;
    }
    if (e >= end) return false;
    if (tag(line, p, e, open, nonDigit, env)) return true;
    if (token === 1) return false;
    env.hostStart = p;
    env.hostEnd = e;
    p = e + 1;
  }
  return false;
}

/** index of the character `code` in s[from..end), or -1 (bounded: never scans past the line) */
export function charIn(s: string, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (s.charCodeAt(i) === code) return i;
  return -1;
}

/** index of the last `code` in s[min..before], or -1 */
export function lastCharIn(s: string, code: number, before: number, min: number): number {
  for (let i = before; i >= min; i--) if (s.charCodeAt(i) === code) return i;
  return -1;
}

/** index of lit in s[from..end) (entirely inside), or -1. Literals are short: linear in the line. */
export function findIn(s: string, lit: string, from: number, end: number): number {
  const first = lit.charCodeAt(0);
  const n = lit.length;
  outer: for (let i = from; i + n <= end; i++) {
    if (s.charCodeAt(i) !== first) continue;
    for (let j = 1; j < n; j++) if (s.charCodeAt(i + j) !== lit.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/** index of the last lit starting at or before `before` and at or after `min`, or -1 */
export function lastFindIn(s: string, lit: string, before: number, min: number): number {
  const first = lit.charCodeAt(0);
  const n = lit.length;
  outer: for (let i = before; i >= min; i--) {
    if (s.charCodeAt(i) !== first) continue;
    for (let j = 1; j < n; j++) if (s.charCodeAt(i + j) !== lit.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/**
 * `name[pid]:` or `name:` in line[p..e) → fills prog/pid/msgStart. open: the token's last `[`, or -1;
 * nonDigit: the first character after it that is not a digit (or -1).
 */
function tag(line: string, p: number, e: number, open: number, nonDigit: number, env: Envelope): boolean {
  if (line.charCodeAt(e - 1) !== 58 /* : */) return false;
  const close = e - 2;
  if (line.charCodeAt(close) === 93 /* ] */) {
    // (line[e - 1] is the colon: the token's last `[` is its last one up to close; the pid between them is
    // all digits when the first non-digit after the `[` is the `]`)
    if (open <= p || nonDigit !== close) return false;
    env.progStart = p;
    env.progEnd = open;
    env.pidStart = open + 1;
    env.pidEnd = close;
  } else {
    env.progStart = p;
    env.progEnd = e - 1;
  }
  env.msgStart = e + 1;
  return env.progEnd > env.progStart;
}

/**
 * The rarer form `TIME [name]: msg` or `TIME [name] msg`, optionally after a host name (no pid; old BSD
 * syslog — fail2ban's sshd samples hold both). Tried by a caller only when parseEnvelopeAt finds no tag:
 * kept out of it so the common path stays small enough for the JIT to inline what it calls.
 */
export function parseBracketEnvelopeAt(line: string, start: number, end: number, env: Envelope): boolean {
  env.timeKind = TimeKind.None;
  env.timeLen = 0;
  env.hostStart = env.hostEnd = 0;
  env.pidStart = env.pidEnd = 0;
  env.text = line;
  env.end = end;
  let p = start;
  let n = syslogTimeLength(line, p);
  if (n > 0) env.timeKind = TimeKind.Syslog;
  else if ((n = isoTimeLength(line, p)) > 0) env.timeKind = TimeKind.Iso;
  if (n > 0) {
    if (p + n > end || line.charCodeAt(p + n) !== 32) return false;
    env.timeStart = p;
    env.timeLen = n;
    p += n;
    while (p < end && line.charCodeAt(p) === 32) p++;
  }
  let e = charIn(line, 32, p, end);
  if (e < 0) return false;
  if (line.charCodeAt(p) !== 91 /* [ */) {
    env.hostStart = p;
    env.hostEnd = e;
    p = e + 1;
    e = charIn(line, 32, p, end);
    if (e < 0 || line.charCodeAt(p) !== 91) return false;
  }
  const close = line.charCodeAt(e - 1) === 58 /* : */ ? e - 2 : e - 1;
  if (close <= p + 1 || line.charCodeAt(close) !== 93 /* ] */ || charIn(line, 91, p + 1, close) >= 0) return false;
  env.progStart = p + 1;
  env.progEnd = close;
  env.msgStart = e + 1;
  return true;
}

function parseRfc5424(line: string, p: number, end: number, env: Envelope): boolean {
  const n = isoTimeLength(line, p);
  if (n > 0) {
    env.timeKind = TimeKind.Iso;
    env.timeStart = p;
    env.timeLen = n;
    p += n;
  } else if (line.charCodeAt(p) === 45 /* - */) {
    p += 1;
  } else {
    return false;
  }
  // HOST APP PROCID MSGID
  const fields: number[] = [];
  for (let i = 0; i < 4; i++) {
    if (line.charCodeAt(p) !== 32) return false;
    p++;
    const e = charIn(line, 32, p, end);
    if (e < 0) return false;
    fields.push(p, e);
    p = e;
  }
  const [hs = 0, he = 0, as = 0, ae = 0, ps = 0, pe = 0] = fields;
  env.hostStart = hs;
  env.hostEnd = he;
  env.progStart = as;
  env.progEnd = ae;
  if (!(pe - ps === 1 && line.charCodeAt(ps) === 45)) {
    env.pidStart = ps;
    env.pidEnd = pe;
  }
  // STRUCTURED-DATA: "-" or [id k="v" ...]... (values may hold escaped \" \] \\ and bare [ ])
  if (line.charCodeAt(p) !== 32) return false;
  p++;
  if (line.charCodeAt(p) === 45) {
    p++;
  } else {
    while (line.charCodeAt(p) === 91 /* [ */) {
      p++;
      let inQuote = false;
      for (; p < end; p++) {
        const c = line.charCodeAt(p);
        if (inQuote) {
          if (c === 92 /* \ */) p++;
          else if (c === 34) inQuote = false;
        } else if (c === 34) inQuote = true;
        else if (c === 93 /* ] */) break;
      }
      if (p >= end) return false;
      p++;
    }
  }
  if (line.charCodeAt(p) === 32) p++;
  // an optional UTF-8 BOM before MSG
  if (line.charCodeAt(p) === 0xfeff) p++;
  env.msgStart = p;
  return env.progEnd > env.progStart;
}

/**
 * The fields of one `journalctl -o json` object that a log line is rebuilt from — the one reader of journal
 * JSON: the built-in filters' envelope (parseJournalJson below) and the fail2ban filters' journal line
 * (./fail2ban/journal.ts) both start here. Only MESSAGE is what a remote client can influence; the others
 * are journald's (`_`-prefixed: set by journald itself) or the local sender's.
 */
export interface JournalFields {
  /** journald's own fields are there (__REALTIME_TIMESTAMP or __CURSOR): a journal entry, not other JSON */
  journald: boolean;
  /** a field read here has a type journald never writes (a number, an object, an array of non-bytes): forged or broken */
  malformed: boolean;
  /** MESSAGE (a field given several times: its values joined by a space, as fail2ban does); undefined when absent or null */
  message: string | undefined;
  /** SYSLOG_IDENTIFIER, or _COMM when that is empty or absent */
  ident: string | undefined;
  /** SYSLOG_PID, or _PID when that is empty or absent */
  pid: string | undefined;
  host: string | undefined;
  /** _SOURCE_REALTIME_TIMESTAMP (when the message was sent), else __REALTIME_TIMESTAMP, in ms; NaN when neither is a time */
  timeMs: number;
  /** _SOURCE_MONOTONIC_TIMESTAMP, else __MONOTONIC_TIMESTAMP: µs since boot as journald writes it (fail2ban shows it on kernel lines) */
  monotonicUs: string | undefined;
}

/** Read a journal JSON object; undefined when `line` is not a JSON object at all. */
export function readJournalEntry(line: string): JournalFields | undefined {
  let o: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const f: JournalFields = {
    journald: Object.hasOwn(o, "__REALTIME_TIMESTAMP") || Object.hasOwn(o, "__CURSOR"),
    malformed: false,
    message: undefined,
    ident: undefined,
    pid: undefined,
    host: undefined,
    timeMs: Number.NaN,
    monotonicUs: undefined,
  };
  const text = (name: string): string | undefined => {
    const v = Object.hasOwn(o, name) ? o[name] : undefined;
    if (v === undefined || v === null) return undefined; // null: journalctl's "longer than 4096 bytes"
    const t = journalText(v);
    if (t === undefined) f.malformed = true;
    return t;
  };
  const m = Object.hasOwn(o, "MESSAGE") ? o.MESSAGE : undefined;
  if (Array.isArray(m) && m.length > 0 && m.every((x) => typeof x === "string" || Array.isArray(x))) {
    const parts = m.map(journalText);
    if (parts.every((p) => p !== undefined)) f.message = parts.join(" ");
    else f.malformed = true;
  } else f.message = text("MESSAGE");
  f.ident = text("SYSLOG_IDENTIFIER") || text("_COMM");
  f.pid = text("SYSLOG_PID") || text("_PID");
  f.host = text("_HOSTNAME");
  f.timeMs = parseJournalRealtime(o._SOURCE_REALTIME_TIMESTAMP);
  if (Number.isNaN(f.timeMs)) f.timeMs = parseJournalRealtime(o.__REALTIME_TIMESTAMP);
  const mono = text("_SOURCE_MONOTONIC_TIMESTAMP") || text("__MONOTONIC_TIMESTAMP");
  if (mono !== undefined && /^\d{1,19}$/.test(mono)) f.monotonicUs = mono;
  return f;
}

/** One `journalctl -o json` object: rebuilt as `host ident[pid]: message` with the time already known. */
function parseJournalJson(line: string, env: Envelope): boolean {
  const entry = readJournalEntry(line);
  if (entry === undefined || entry.malformed) return false;
  const { message, ident, pid, host } = entry;
  if (message === undefined || ident === undefined || ident === "" || /[\s[\]:]/.test(ident)) return false;
  const hostPart = host && !/\s/.test(host) ? `${host} ` : "";
  const pidPart = pid && /^\d{1,10}$/.test(pid) ? `[${pid}]` : "";
  const text = `${hostPart}${ident}${pidPart}: ${message}`;
  env.text = text;
  env.end = text.length;
  if (hostPart) {
    env.hostStart = 0;
    env.hostEnd = hostPart.length - 1;
  }
  env.progStart = hostPart.length;
  env.progEnd = env.progStart + ident.length;
  if (pidPart) {
    env.pidStart = env.progEnd + 1;
    env.pidEnd = env.pidStart + pidPart.length - 2;
  }
  env.msgStart = text.length - message.length;
  if (!Number.isNaN(entry.timeMs)) {
    env.timeKind = TimeKind.Known;
    env.timeMs = entry.timeMs;
  }
  return true;
}

/** journald fields are strings, or arrays of bytes when not valid UTF-8 (decoded here with U+FFFD for bad sequences). */
function journalText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((b) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Buffer.from(v as number[]).toString("utf8");
  }
  return undefined;
}

/** The line's time in ms, or NaN when it has none (the caller then uses its clock). */
export function envelopeTime(env: Envelope, syslog: SyslogTime): number {
  switch (env.timeKind) {
    case TimeKind.Syslog:
      return syslog.parse(env.text, env.timeStart, env.timeLen);
    case TimeKind.Iso:
      return parseIsoTime(env.text, env.timeStart, env.timeLen);
    case TimeKind.Known:
      return env.timeMs;
    default:
      return Number.NaN;
  }
}
