// Follow a log file like `tail -F`, built for a ban daemon: inotify (fs.watch) for low latency with a
// polling fallback; survives rename rotation (drains the old file, then opens the new one) and
// copytruncate (size below our offset → start over); resumes from a persisted (inode, offset) after a
// restart without counting old lines twice; starts at the end on first run. Only complete lines are
// delivered, and the persisted offset always points just after the last delivered newline.
import { type FSWatcher, watch } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { SourcePosition } from "../state.js";
import type { LogSource, SourceStatus } from "./types.js";

export interface FileSourceOptions {
  path: string;
  /** persisted position (undefined on first run → start at the end) */
  position?: SourcePosition | undefined;
  savePosition?: (p: SourcePosition) => void;
  /** fallback poll interval (default 1000 ms) */
  pollMs?: number;
  /** lines longer than this are cut off at this many bytes (the filter then ignores them as too long) */
  maxLineBytes?: number;
  now?: () => number;
}

export class FileSource implements LogSource {
  readonly key: string;
  private fh: FileHandle | undefined;
  private inode = 0;
  private offset = 0;
  private carry: Buffer = Buffer.alloc(0);
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private onLines: (lines: string[]) => void = () => {};
  private st: SourceStatus;
  private readonly buf = Buffer.allocUnsafe(1 << 20);

  constructor(private readonly o: FileSourceOptions) {
    this.key = `file:${o.path}`;
    this.st = { key: this.key, kind: "file", target: o.path, state: "starting", lines: 0 };
  }

  status(): SourceStatus {
    return { ...this.st };
  }

  async start(onLines: (lines: string[]) => void): Promise<void> {
    this.onLines = onLines;
    await this.openCurrent(true);
    this.timer = setInterval(() => this.kick(), this.o.pollMs ?? 1000);
    this.timer.unref?.();
    this.kick();
    await this.reading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    await this.reading;
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
    this.st.state = "stopped";
  }

  /** Schedule a read; reads never overlap. */
  private kick(): void {
    if (this.stopped) return;
    if (this.pending) return;
    this.pending = true;
    this.reading = this.reading.then(async () => {
      this.pending = false;
      try {
        await this.cycle();
      } catch (e) {
        this.st.state = "error";
        this.st.error = (e as Error).message;
      }
    });
  }

  private async openCurrent(first: boolean): Promise<boolean> {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(this.o.path);
    } catch {
      this.st.state = "missing";
      this.st.error = `${this.o.path} does not exist`;
      return false;
    }
    this.fh = await open(this.o.path, "r");
    this.inode = s.ino;
    const saved = this.o.position;
    if (first && saved?.inode === s.ino && (saved.offset ?? 0) <= s.size) this.offset = saved.offset ?? 0;
    else if (first && saved === undefined)
      this.offset = s.size; // first run: only new lines
    else this.offset = 0; // a new file since we last looked (rotated): read it whole
    this.carry = Buffer.alloc(0);
    this.st.state = "reading";
    delete this.st.error;
    this.watcher?.close();
    try {
      this.watcher = watch(this.o.path, () => this.kick());
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // polling still runs
    }
    this.save();
    return true;
  }

  private async cycle(): Promise<void> {
    if (!this.fh && !(await this.openCurrent(false))) return;
    await this.drain();
    let s: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      s = await stat(this.o.path);
    } catch {
      s = undefined; // renamed away, new one not created yet: keep the old handle until it appears
    }
    if (s && s.ino !== this.inode) {
      // rotated by rename: finish the old file, then follow the new one from its start
      await this.drain();
      await this.fh?.close();
      this.fh = undefined;
      await this.openCurrent(false);
      await this.drain();
    } else if (s && s.size < this.offset) {
      // copytruncate: the file was emptied in place
      this.offset = 0;
      this.carry = Buffer.alloc(0);
      await this.drain();
    }
  }

  private async drain(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    const cap = this.o.maxLineBytes ?? 64 * 1024;
    for (;;) {
      const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, this.offset + this.carry.length);
      if (bytesRead === 0) break;
      let data = this.carry.length ? Buffer.concat([this.carry, this.buf.subarray(0, bytesRead)]) : this.buf.subarray(0, bytesRead);
      const last = data.lastIndexOf(10);
      if (last < 0) {
        // no newline yet: keep (bounded) and wait for the rest
        this.carry = Buffer.from(data.length > cap ? data.subarray(0, cap) : data);
        if (data.length > cap) {
          // an endless line: deliver the capped head as one line and skip to where we are
          this.deliver([this.carry.toString("utf8")]);
          this.offset += data.length;
          this.carry = Buffer.alloc(0);
          this.save();
        }
        if (bytesRead < this.buf.length) break;
        continue;
      }
      const text = data.subarray(0, last).toString("utf8");
      const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
      this.offset += last + 1;
      data = data.subarray(last + 1);
      this.carry = Buffer.from(data);
      this.deliver(lines);
      this.save();
      if (bytesRead < this.buf.length) break;
    }
  }

  private deliver(lines: string[]): void {
    if (lines.length === 0) return;
    this.st.lines += lines.length;
    this.st.lastLineAt = (this.o.now ?? Date.now)();
    this.onLines(lines);
  }

  private save(): void {
    this.o.savePosition?.({ key: this.key, inode: this.inode, offset: this.offset });
  }
}
