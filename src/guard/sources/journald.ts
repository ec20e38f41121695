// Follow the systemd journal: `journalctl -f -o json` with matches, resuming after a persisted cursor, or from
// now on first run. Entries go through the one LineSplitter as JSON lines (the filters read journald JSON
// directly: MESSAGE, SYSLOG_IDENTIFIER, _PID, __REALTIME_TIMESTAMP); an entry longer than the line cap is
// dropped whole. A journalctl that exits is restarted with backoff after the last cursor; the status says
// so — never silently deaf. A saved cursor journalctl refuses (a damaged state row) would make every restart
// fail the same way: it is dropped, once, for the time it names (`t=`, journald's own stamp in it) or else for
// now, and the log says so.
//
// Trust: SYSLOG_IDENTIFIER is whatever the sender says (`logger -t sshd …` from any local user), so a jail
// that names trusted programs accepts an entry only when journald's own fields say which executable sent
// it: `_EXE` (set by journald from /proc, not by the sender) must be a file of that name under /usr, where
// only root can put one. `_COMM` alone is not enough — a copy of logger named "sshd" in /tmp has it.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import type { Logger } from "../../core/logger.js";
import { startProcess } from "../../system/exec.js";
import { LineSplitter } from "../lines.js";
import type { SourcePosition } from "../state.js";
import { countingSink, type LineSink, type LogSource, MAX_LINE_BYTES, type SourceStatus } from "./types.js";

export interface JournalSourceOptions {
  /** journal matches, e.g. ["_COMM=sshd", "+", "_COMM=sshd-session"] */
  matches: string[];
  /** accept only entries whose _EXE is /usr/…/NAME for one of these names (sshd jails: the sshd programs) */
  trustedPrograms?: readonly string[] | undefined;
  position?: SourcePosition | undefined;
  savePosition?: (p: SourcePosition) => void;
  /** journalctl binary (tests may pass a path) */
  journalctl?: string;
  /** extra arguments, e.g. ["--directory", dir] */
  extraArgs?: string[];
  maxLineBytes?: number;
  now?: () => number;
  /** says when the saved cursor is refused and where reading starts instead */
  log?: Pick<Logger, "warn">;
}

export class JournalSource implements LogSource {
  readonly key: string;
  private child: ChildProcessWithoutNullStreams | undefined;
  private cursor: string | undefined;
  /** where to start when there is no cursor (seconds since the epoch; a refused cursor's time), else now */
  private since: number | undefined;
  private stopped = false;
  private restarts = 0;
  private st: SourceStatus;
  private lastSave = 0;
  /** entries refused because journald says another program sent them */
  untrusted = 0;

  constructor(private readonly o: JournalSourceOptions) {
    this.key = `journald:${o.matches.join(" ")}`;
    this.cursor = o.position?.cursor;
    this.st = { key: this.key, kind: "journald", target: o.matches.join(" ") || "(all)", state: "starting", lines: 0, tooLong: 0 };
  }

  status(): SourceStatus {
    return { ...this.st, ...(this.untrusted ? { untrusted: this.untrusted } : {}) };
  }

  async start(sink: LineSink): Promise<void> {
    // the cursor of the last entry seen is read from that entry only, after each chunk (no object per line)
    let lastText: string | undefined;
    let lastStart = 0;
    let lastEnd = 0;
    const trusted = this.o.trustedPrograms;
    const inner = countingSink(sink, this.st);
    const splitter = new LineSplitter(
      {
        line: (text, start, end) => {
          if (end === start) return;
          lastText = text;
          lastStart = start;
          lastEnd = end;
          if (trusted && !sentBy(text, start, end, trusted)) {
            this.untrusted++;
            return;
          }
          inner.line(text, start, end);
        },
        tooLong: () => inner.tooLong(),
      },
      this.o.maxLineBytes ?? MAX_LINE_BYTES,
    );
    this.spawnJournal(splitter, () => {
      if (lastText === undefined) return;
      const m = /"__CURSOR"\s*:\s*"([^"\\]*)"/.exec(lastText.slice(lastStart, lastEnd));
      if (m) this.cursor = m[1];
      lastText = undefined;
    });
  }

  private spawnJournal(splitter: LineSplitter, afterChunk: () => void): void {
    // --all: without it journalctl writes `null` for any field over 4 KiB, so a long entry would be seen as
    // one without a message (never matched); with it the entry comes whole and the line cap decides
    const args = ["-f", "-o", "json", "--all", "--no-pager", ...(this.o.extraArgs ?? [])];
    if (this.cursor) args.push(`--after-cursor=${this.cursor}`);
    else args.push(...(this.since === undefined ? ["-n", "0"] : [`--since=@${this.since}`]));
    args.push(...this.o.matches);
    const child = startProcess([this.o.journalctl ?? "journalctl", ...args]);
    this.child = child;
    splitter.reset();
    let stderr = "";
    child.stdin.end();
    child.stderr.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    child.stdout.on("data", (b: Buffer) => {
      this.st.state = "reading";
      const before = this.st.lines;
      splitter.push(b);
      afterChunk();
      if (this.st.lines !== before) {
        this.st.lastLineAt = (this.o.now ?? Date.now)();
        this.restarts = 0;
      }
      const now = Date.now();
      if (now - this.lastSave > 1000) this.save();
    });
    child.on("error", (e) => {
      this.st.state = "error";
      this.st.error = `journalctl: ${e.message}`;
    });
    child.on("close", (code) => {
      this.save();
      if (this.stopped) return;
      this.st.state = "error";
      const why = stderr.trim().split("\n").pop();
      this.st.error = `journalctl exited (${code})${why ? `: ${why}` : ""}; restarting`;
      if (this.cursor && /Failed to seek to cursor/.test(stderr)) {
        this.since = cursorTime(this.cursor);
        const from = this.since === undefined ? "new entries only" : `entries since ${new Date(this.since * 1000).toISOString()}`;
        this.o.log?.warn(`journal ${this.st.target}: journalctl refused the saved cursor (${why}): reading ${from}`, {
          hint: "the cursor in the guard's state.db was damaged; it is replaced with the next entry read",
        });
        this.st.error = `the saved cursor was refused (${why}): reading ${from}`;
        this.cursor = undefined;
        this.spawnJournal(splitter, afterChunk);
        return;
      }
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      setTimeout(() => {
        if (!this.stopped) this.spawnJournal(splitter, afterChunk);
      }, delay).unref?.();
    });
    if (this.st.state === "starting") this.st.state = "reading";
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.save();
    const child = this.child;
    // (a journalctl killed by a signal has no exit code, and its close has been seen already)
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once("close", () => resolve());
        child.kill("SIGTERM");
      });
    }
    this.st.state = "stopped";
  }

  private save(): void {
    this.lastSave = Date.now();
    if (this.cursor) this.o.savePosition?.({ key: this.key, cursor: this.cursor });
  }
}

/**
 * The realtime stamp a journal cursor carries (`…;t=<hex µs>;…`), in whole seconds (rounded down: an entry of
 * that second may be read again, none is skipped), or undefined.
 */
export function cursorTime(cursor: string): number | undefined {
  const t = /(?:^|;)t=([0-9a-f]{1,14})(?:;|$)/.exec(cursor)?.[1];
  if (t === undefined) return undefined;
  const sec = Math.floor(Number.parseInt(t, 16) / 1e6);
  // a stamp in the future (a damaged cursor) would read nothing until then: not a time to start from
  return sec > 0 && sec * 1000 <= Date.now() ? sec : undefined;
}

/**
 * Did journald record one of `programs` under /usr, run by root, as the sender? Reads the `_EXE` and `_UID`
 * fields of the JSON entry without parsing the rest: journald writes both from the kernel's view of the
 * sender (a path with escapes is refused). `_UID` 0 because any user can run /usr/sbin/sshd with a library
 * preloaded that logs what it likes; sshd logs its authentication results from its root monitor.
 */
export function sentBy(text: string, start: number, end: number, programs: readonly string[]): boolean {
  const exe = field(text, start, end, '"_EXE"');
  if (exe === undefined || !exe.startsWith("/usr/") || exe.includes("/../")) return false;
  if (field(text, start, end, '"_UID"') !== "0") return false;
  return programs.includes(exe.slice(exe.lastIndexOf("/") + 1));
}

/** The string value of a top-level field of a journal JSON entry in text[start..end), or undefined. */
function field(text: string, start: number, end: number, quotedName: string): string | undefined {
  const at = text.indexOf(quotedName, start);
  if (at < 0 || at >= end) return undefined;
  let i = at + quotedName.length;
  while (i < end && text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 58 /* : */) return undefined;
  i++;
  while (i < end && text.charCodeAt(i) === 32) i++;
  if (text.charCodeAt(i) !== 34 /* " */) return undefined;
  const from = i + 1;
  const close = text.indexOf('"', from);
  if (close < 0 || close > end) return undefined;
  const value = text.slice(from, close);
  return value.includes("\\") ? undefined : value;
}
