// A systemd journal entry as the line a fail2ban filter's regexes see. rampart's journal source hands on
// `journalctl -o json` lines; fail2ban's systemd backend (server/filtersystemd.py, formatJournalEntry) never
// shows its regexes JSON: it rebuilds `HOST IDENT[PID]: MESSAGE` from the entry's fields (`kernel:` lines
// get the uptime as `[%12.6f]`, a newline becomes a literal `\n`) and takes the entry's own time
// (_SOURCE_REALTIME_TIMESTAMP, else __REALTIME_TIMESTAMP), so the date patterns never look at the message.
// The same is done here, from the one reader of journal JSON (../envelope.ts readJournalEntry). Only
// MESSAGE is the remote client's text; the prefix comes from journald's fields and the sending program, and
// a newline in it cannot start a line of its own in a multi-line (maxlines) buffer.
import { readJournalEntry } from "../envelope.js";

export type JournalLine =
  /** not a journal entry: the line is matched as it is (a text log, or other JSON such as cowrie's) */
  | { kind: "text" }
  /** a journal entry that cannot be read (broken JSON, fields of a type journald never writes, no time, no MESSAGE): no match */
  | { kind: "bad" }
  | { kind: "entry"; text: string /** seconds since the epoch */; date: number };

/**
 * fail2ban writes a newline in the rebuilt line as `\n`. \r, U+2028 and U+2029 too here: a JavaScript
 * `^`/`$` in a multi-line buffer also breaks lines there and `.` stops there (Python's do neither), so raw
 * they would let a message start a line of its own with a forged prefix, or end a `.*` early.
 */
const LINE_BREAK = /[\n\r\u2028\u2029]/g;
const BREAK_TEXT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\u2028": "\\u2028", "\u2029": "\\u2029" };

/** `line` (one line, no newline) as fail2ban's systemd backend would show it to the filter. */
export function journalLine(line: string): JournalLine {
  if (line.charCodeAt(0) !== 123 /* { */) return { kind: "text" };
  const e = readJournalEntry(line);
  // journalctl writes __CURSOR first: a line that starts so but is no JSON object is a broken entry
  if (e === undefined) return line.startsWith('{"__') ? { kind: "bad" } : { kind: "text" };
  if (!e.journald) return { kind: "text" };
  if (e.malformed || e.message === undefined || Number.isNaN(e.timeMs)) return { kind: "bad" };
  const parts: string[] = [];
  if (e.host) parts.push(e.host);
  if (e.ident) {
    const tag = `${e.ident}${e.pid ? `[${e.pid}]` : ""}:`;
    parts.push(tag);
    if (tag === "kernel:" && e.monotonicUs !== undefined) parts.push(`[${uptime(e.monotonicUs)}]`);
  }
  parts.push(e.message);
  return { kind: "entry", text: parts.join(" ").replace(LINE_BREAK, (c) => BREAK_TEXT[c] as string), date: e.timeMs / 1000 };
}

/** µs since boot (digits) as Python's "%12.6f" of the seconds: exact, from the digits */
function uptime(us: string): string {
  const d = us.padStart(7, "0");
  const secs = d.slice(0, -6).replace(/^0+(?=\d)/, "");
  return `${secs}.${d.slice(-6)}`.padStart(12, " ");
}
