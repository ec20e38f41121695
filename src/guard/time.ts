// Timestamps of log lines → milliseconds since the epoch: syslog `Mon dd hh:mm:ss` (local time, the year
// inferred from an injected clock), ISO 8601 / RFC 3339 (rsyslog high precision, journald `short-iso` and
// `short-iso-precise`, RFC 5424) and journald's `__REALTIME_TIMESTAMP` (microseconds).
// Hand-written rather than Date.parse: Date.parse accepts many forms we must not (and its handling of
// zone-less strings varies), and the guard parses a timestamp per matched line, so this sits on the hot path.
// Syslog times are cached per minute: one Date construction per minute of log, not per line.
import type { Clock } from "../core/clock.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

/** 0-11 for a three-letter English month abbreviation at text[at..at+3], else -1. */
export function monthIndex(text: string, at: number): number {
  const a = text.charCodeAt(at);
  const b = text.charCodeAt(at + 1);
  const c = text.charCodeAt(at + 2);
  // first letter narrows it to at most three months; then compare the whole abbreviation
  let i = -1;
  switch (a) {
    case 74: // J
      i = b === 97 ? 0 : c === 110 ? 5 : 6; // Jan, Jun, Jul
      break;
    case 70: // F
      i = 1;
      break;
    case 77: // M
      i = c === 114 ? 2 : 4; // Mar, May
      break;
    case 65: // A
      i = b === 112 ? 3 : 7; // Apr, Aug
      break;
    case 83: // S
      i = 8;
      break;
    case 79: // O
      i = 9;
      break;
    case 78: // N
      i = 10;
      break;
    case 68: // D
      i = 11;
      break;
    default:
      return -1;
  }
  const m = MONTHS[i] as string;
  return b === m.charCodeAt(1) && c === m.charCodeAt(2) ? i : -1;
}

function digits(text: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(at + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Length of a syslog timestamp (`Mon dd hh:mm:ss` or `Mon d hh:mm:ss`) at text[at], or 0. */
export function syslogTimeLength(text: string, at = 0): number {
  if (monthIndex(text, at) < 0 || text.charCodeAt(at + 3) !== 32) return 0;
  let p = at + 4;
  // day: " 5", "05" or "5"
  if (text.charCodeAt(p) === 32) p++;
  const d0 = text.charCodeAt(p) - 48;
  if (d0 < 0 || d0 > 9) return 0;
  p++;
  const d1 = text.charCodeAt(p) - 48;
  if (d1 >= 0 && d1 <= 9) p++;
  if (text.charCodeAt(p) !== 32) return 0;
  p++;
  if (digits(text, p, 2) < 0 || text.charCodeAt(p + 2) !== 58 || digits(text, p + 3, 2) < 0) return 0;
  if (text.charCodeAt(p + 5) !== 58 || digits(text, p + 6, 2) < 0) return 0;
  return p + 8 - at;
}

/**
 * Parses syslog timestamps, which carry no year and no zone: local time, and the year is the clock's,
 * or the previous one when that would put the line more than a day in the future (a log read in January
 * that was written in December).
 */
export class SyslogTime {
  private cacheKey = "";
  private cacheMinute = 0;
  constructor(
    private readonly clock: Clock,
    /** minutes east of UTC to read the times in; undefined = this process's local zone */
    private readonly utcOffsetMinutes?: number,
  ) {}

  /** ms for the timestamp at text[at..at+len] (len from syslogTimeLength), or NaN. */
  parse(text: string, at: number, len: number): number {
    if (len === 0) return Number.NaN;
    const end = at + len;
    // "hh:mm:ss" are the last 8 characters; everything before the seconds names the minute
    const sec = digits(text, end - 2, 2);
    if (sec < 0 || sec > 60) return Number.NaN;
    if (!this.sameMinute(text, at, end - 3)) {
      const minute = this.minuteOf(text, at, len);
      if (Number.isNaN(minute)) return Number.NaN;
      // a fresh copy: a slice would keep the whole decoded chunk it came from alive
      this.cacheKey = Buffer.from(text.slice(at, end - 3), "latin1").toString("latin1");
      this.cacheMinute = minute;
    }
    return this.cacheMinute + sec * 1000;
  }

  /** text[at..end) equals the cached minute's key: compared in place, no string per line */
  private sameMinute(text: string, at: number, end: number): boolean {
    const key = this.cacheKey;
    if (end - at !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (text.charCodeAt(at + i) !== key.charCodeAt(i)) return false;
    return true;
  }

  private minuteOf(text: string, at: number, len: number): number {
    const month = monthIndex(text, at);
    const end = at + len;
    const dayText = text.slice(at + 4, end - 9).trim();
    const day = Number(dayText);
    const hour = digits(text, end - 8, 2);
    const min = digits(text, end - 5, 2);
    if (month < 0 || !(day >= 1 && day <= 31) || hour < 0 || hour > 23 || min < 0 || min > 59) return Number.NaN;
    const now = this.clock.now();
    const year = new Date(now).getFullYear();
    let ms = this.build(year, month, day, hour, min);
    if (ms > now + DAY_MS) ms = this.build(year - 1, month, day, hour, min);
    return ms;
  }

  private build(year: number, month: number, day: number, hour: number, min: number): number {
    if (this.utcOffsetMinutes === undefined) return new Date(year, month, day, hour, min).getTime();
    return Date.UTC(year, month, day, hour, min) - this.utcOffsetMinutes * 60_000;
  }
}

/**
 * Length of an ISO 8601 / RFC 3339 timestamp at text[at]: `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM|±HHMM]`
 * (a space instead of the T is accepted), or 0.
 */
export function isoTimeLength(text: string, at = 0): number {
  if (digits(text, at, 4) < 0 || text.charCodeAt(at + 4) !== 45 || digits(text, at + 5, 2) < 0) return 0;
  if (text.charCodeAt(at + 7) !== 45 || digits(text, at + 8, 2) < 0) return 0;
  const t = text.charCodeAt(at + 10);
  if (t !== 84 && t !== 32) return 0; // T or space
  if (digits(text, at + 11, 2) < 0 || text.charCodeAt(at + 13) !== 58 || digits(text, at + 14, 2) < 0) return 0;
  if (text.charCodeAt(at + 16) !== 58 || digits(text, at + 17, 2) < 0) return 0;
  let p = at + 19;
  if (text.charCodeAt(p) === 46 || text.charCodeAt(p) === 44) {
    p++;
    const start = p;
    while (p < text.length && p - start < 9 && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) p++;
    if (p === start) return 0;
  }
  const z = text.charCodeAt(p);
  if (z === 90) return p + 1 - at; // Z
  if (z === 43 || z === 45) {
    if (digits(text, p + 1, 2) < 0) return 0;
    if (text.charCodeAt(p + 3) === 58) return digits(text, p + 4, 2) < 0 ? 0 : p + 6 - at;
    return digits(text, p + 3, 2) < 0 ? p + 3 - at : p + 5 - at;
  }
  return p - at; // no zone: local time
}

/** ms for the ISO timestamp at text[at..at+len] (len from isoTimeLength), or NaN. */
export function parseIsoTime(text: string, at: number, len: number): number {
  if (len === 0) return Number.NaN;
  const end = at + len;
  const year = digits(text, at, 4);
  const month = digits(text, at + 5, 2);
  const day = digits(text, at + 8, 2);
  const hour = digits(text, at + 11, 2);
  const min = digits(text, at + 14, 2);
  const sec = digits(text, at + 17, 2);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return Number.NaN;
  let p = at + 19;
  let ms = 0;
  if (text.charCodeAt(p) === 46 || text.charCodeAt(p) === 44) {
    p++;
    let scale = 100;
    while (p < end && text.charCodeAt(p) >= 48 && text.charCodeAt(p) <= 57) {
      ms += (text.charCodeAt(p) - 48) * scale;
      scale /= 10;
      p++;
    }
    ms = Math.floor(ms);
  }
  if (p >= end) return new Date(year, month - 1, day, hour, min, sec, ms).getTime();
  const base = Date.UTC(year, month - 1, day, hour, min, sec, ms);
  const z = text.charCodeAt(p);
  if (z === 90) return base;
  const sign = z === 45 ? -1 : 1;
  const oh = digits(text, p + 1, 2);
  const om = end - p >= 5 ? digits(text, end - 2, 2) : 0;
  if (oh < 0 || om < 0 || oh > 23 || om > 59) return Number.NaN;
  return base - sign * (oh * 60 + om) * 60_000;
}

/** The largest time a JavaScript Date holds (ms since the epoch). */
const MAX_DATE_MS = 8.64e15;

/** journald `__REALTIME_TIMESTAMP` (microseconds since the epoch, as a decimal string) → ms, or NaN. */
export function parseJournalRealtime(value: unknown): number {
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) return Number.NaN;
  const ms = Math.floor(Number(value) / 1000);
  return ms <= MAX_DATE_MS ? ms : Number.NaN; // past what a Date holds: no time
}
