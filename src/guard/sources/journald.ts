// Follow the systemd journal: `journalctl -f -o json` with matches (e.g. SYSLOG_IDENTIFIER=sshd), resuming
// after a persisted cursor, or from now on first run. Each entry is delivered as its JSON line (the
// filters read journald JSON directly: MESSAGE, SYSLOG_IDENTIFIER, _PID, __REALTIME_TIMESTAMP). A journalctl
// that exits is restarted with backoff after the last cursor; the status says so — never silently deaf.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { startProcess } from "../../system/exec.js";
import type { SourcePosition } from "../state.js";
import type { LogSource, SourceStatus } from "./types.js";

export interface JournalSourceOptions {
  /** journal matches, e.g. ["SYSLOG_IDENTIFIER=sshd", "+", "SYSLOG_IDENTIFIER=sshd-session"] */
  matches: string[];
  position?: SourcePosition | undefined;
  savePosition?: (p: SourcePosition) => void;
  /** journalctl binary (tests may pass a path) */
  journalctl?: string;
  /** extra arguments, e.g. ["--directory", dir] */
  extraArgs?: string[];
  now?: () => number;
}

export class JournalSource implements LogSource {
  readonly key: string;
  private child: ChildProcessWithoutNullStreams | undefined;
  private cursor: string | undefined;
  private stopped = false;
  private restarts = 0;
  private carry = "";
  private st: SourceStatus;
  private lastSave = 0;

  constructor(private readonly o: JournalSourceOptions) {
    this.key = `journald:${o.matches.join(" ")}`;
    this.cursor = o.position?.cursor;
    this.st = { key: this.key, kind: "journald", target: o.matches.join(" ") || "(all)", state: "starting", lines: 0 };
  }

  status(): SourceStatus {
    return { ...this.st };
  }

  async start(onLines: (lines: string[]) => void): Promise<void> {
    this.spawnJournal(onLines);
  }

  private spawnJournal(onLines: (lines: string[]) => void): void {
    const args = ["-f", "-o", "json", "--no-pager", ...(this.o.extraArgs ?? [])];
    args.push(...(this.cursor ? [`--after-cursor=${this.cursor}`] : ["-n", "0"]));
    args.push(...this.o.matches);
    const child = startProcess([this.o.journalctl ?? "journalctl", ...args]);
    this.child = child;
    let stderr = "";
    child.stdin.end();
    child.stderr.on("data", (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-2000);
    });
    child.stdout.on("data", (b: Buffer) => {
      this.st.state = "reading";
      const text = this.carry + b.toString("utf8");
      const last = text.lastIndexOf("\n");
      if (last < 0) {
        this.carry = text.length > 1 << 20 ? "" : text;
        return;
      }
      this.carry = text.slice(last + 1);
      const lines = text.slice(0, last).split("\n").filter(Boolean);
      // the cursor of the last entry we delivered (cheap scan; JSON.parse only of that one line)
      const lastLine = lines[lines.length - 1];
      if (lastLine) {
        const m = /"__CURSOR"\s*:\s*"([^"\\]*)"/.exec(lastLine);
        if (m) this.cursor = m[1];
      }
      this.st.lines += lines.length;
      this.st.lastLineAt = (this.o.now ?? Date.now)();
      onLines(lines);
      this.restarts = 0;
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
      this.st.error = `journalctl exited (${code})${stderr ? `: ${stderr.trim().split("\n").pop()}` : ""}; restarting`;
      const delay = Math.min(30_000, 500 * 2 ** this.restarts++);
      setTimeout(() => {
        if (!this.stopped) this.spawnJournal(onLines);
      }, delay).unref?.();
    });
    if (this.st.state === "starting") this.st.state = "reading";
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.save();
    const child = this.child;
    if (child && child.exitCode === null) {
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
