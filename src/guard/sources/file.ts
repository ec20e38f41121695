// Follow a log file like `tail -F`, built for a ban daemon: inotify (fs.watch) for low latency with a
// polling fallback; survives rename rotation (drains the old file, then opens the new one) and
// copytruncate (size below our offset → start over); resumes from a persisted (inode, offset) after a
// restart without counting old lines twice; starts at the end on first run. With the position goes a hash of
// the file's first line (as fail2ban keeps one): a file emptied in place while the daemon was stopped (or
// replaced by one that got the same inode number) and written again past the saved offset has the right inode
// and size, but another first line — it is read from its start, never from the old offset, which would land
// in the middle of a new line (attacker text read as a line start) after skipping the new lines before it.
// Bytes go through the one LineSplitter in 256 KiB reads, handed on in slices with a turn of the event loop
// between them; the persisted offset is the start of the first line not yet delivered, saved once per MiB of
// a flood and when the reading stops, so a crash re-reads at most that MiB, and a line over the cap is
// dropped whole, never split.
import { createHash } from "node:crypto";
import { constants, type FSWatcher, watch } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Logger } from "../../core/logger.js";
import { LineSplitter } from "../lines.js";
import type { SourcePosition } from "../state.js";
import { countingSink, type LineSink, type LogSource, MAX_LINE_BYTES, type SourceStatus } from "./types.js";

const READ_BYTES = 256 << 10;
/** the position is saved at least once per this many bytes read (a crash re-reads at most this much) */
const SAVE_BYTES = 1 << 20;
/** lines handed on between two turns of the event loop: ~300 lines, ~1 ms of filtering */
const SLICE_BYTES = 32 << 10;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** a first line longer than this is known by its first HEAD_BYTES bytes (a log line starts with its stamp) */
const HEAD_BYTES = 4096;

/**
 * What the file's content is: sha256 (hex) of its first line, newline included, or of its first HEAD_BYTES
 * bytes when that line is longer; undefined while the file holds less than that and no newline (not known
 * yet). Appending never changes it: it is worked out once per file opened, never per position save. sha256
 * rather than a faster non-cryptographic hash: it runs once per file on 4 KiB at most (microseconds), and
 * lines written by others (attacker text in a log) cannot be shaped to collide with the first line it
 * replaced.
 */
async function headOf(fh: FileHandle): Promise<string | undefined> {
  const b = Buffer.allocUnsafe(HEAD_BYTES);
  const { bytesRead } = await fh.read(b, 0, HEAD_BYTES, 0);
  const nl = b.subarray(0, bytesRead).indexOf(10);
  if (nl < 0 && bytesRead < HEAD_BYTES) return undefined;
  return createHash("sha256")
    .update(b.subarray(0, nl < 0 ? HEAD_BYTES : nl + 1))
    .digest("hex");
}

export interface FileSourceOptions {
  path: string;
  /** persisted position (undefined on first run → start at the end) */
  position?: SourcePosition | undefined;
  savePosition?: (p: SourcePosition) => void;
  /** says when a saved position is not followed because the file's content changed under it */
  log?: Pick<Logger, "info">;
  /** fallback poll interval (default 1000 ms) */
  pollMs?: number;
  /** lines longer than this many bytes are dropped whole and counted (default MAX_LINE_BYTES) */
  maxLineBytes?: number;
  now?: () => number;
}

export class FileSource implements LogSource {
  readonly key: string;
  private fh: FileHandle | undefined;
  private inode = 0;
  /** the first line's hash of the open file (headOf), once the file has a first line */
  private head: string | undefined;
  /** the next byte of the file to read */
  private readPos = 0;
  private splitter: LineSplitter | undefined;
  private sink: LineSink | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private pending = false;
  /** readPos at the last position save */
  private savedAt = -1;
  private stopped = false;
  private st: SourceStatus;
  // 256 KiB reads, saved every fourth in a flood (SAVE_BYTES). (The splitter decodes what it is handed in
  // pieces of ≤ 64 KiB: a decoded string over 128 KiB is a V8 large object that outlives young GCs — 256 KiB
  // strings held ~25 MiB of the peak heap.)
  private readonly buf = Buffer.allocUnsafe(READ_BYTES);

  constructor(private readonly o: FileSourceOptions) {
    this.key = `file:${o.path}`;
    this.st = { key: this.key, kind: "file", target: o.path, state: "starting", lines: 0, tooLong: 0 };
  }

  status(): SourceStatus {
    return { ...this.st };
  }

  async start(sink: LineSink): Promise<void> {
    this.sink = countingSink(sink, this.st);
    this.splitter = new LineSplitter(this.sink, this.o.maxLineBytes ?? MAX_LINE_BYTES);
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
    if (this.stopped || this.pending) return;
    this.pending = true;
    this.reading = this.reading.then(async () => {
      this.pending = false;
      try {
        await this.cycle();
      } catch (e) {
        this.st.state = "error";
        this.st.error = (e as Error).message;
        // opened again by path at the next poll (the file was replaced by something else, an I/O error)
        await this.fh?.close().catch(() => {});
        this.fh = undefined;
      }
    });
  }

  private async openCurrent(first: boolean): Promise<boolean> {
    let fh: FileHandle;
    try {
      // non-blocking: a FIFO put at the path would block the open (and the daemon's stop) for good
      fh = await open(this.o.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      this.st.state = missing ? "missing" : "error";
      this.st.error = missing ? `${this.o.path} does not exist` : `${this.o.path}: ${(e as Error).message}`;
      return false;
    }
    // the inode and size of what was opened (a stat of the path could already see the next file of a rotation)
    const s = await fh.stat();
    if (!s.isFile()) {
      await fh.close();
      this.st.state = "error";
      this.st.error = `${this.o.path} is not a regular file (a FIFO, device or directory is never read); waiting for one`;
      return false;
    }
    this.fh = fh;
    const head = await headOf(fh);
    const saved = this.o.position;
    if (first) {
      // (a position saved without a hash, by an earlier release or before the first line was complete: trusted)
      const sameContent = saved?.head === undefined || saved.head === head;
      if (saved?.inode === s.ino && (saved.offset ?? 0) <= s.size && sameContent) this.readPos = saved.offset ?? 0;
      else if (saved === undefined)
        this.readPos = s.size; // first run: only new lines
      else {
        this.readPos = 0; // a new file since the saved position (rotated while stopped): read it whole
        if (saved.inode === s.ino && (saved.offset ?? 0) <= s.size)
          this.o.log?.info(
            `${this.o.path}: same inode as at the saved position, but another first line (emptied in place by copytruncate, or replaced by a file with the same inode number, while the guard was stopped): reading it from the start, not from the saved offset ${saved.offset ?? 0}`,
          );
      }
    } else if (s.ino !== this.inode || s.size < this.readPos || (this.head !== undefined && head !== this.head)) {
      this.readPos = 0; // a new file since we last looked (rotated): read it whole
      this.splitter?.reset();
    } // else the same file, opened again after an error: read on where we were
    this.inode = s.ino;
    this.head = head;
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
      // rotated by rename: finish the old file (its last line may lack a newline), then the new one from 0
      await this.drain();
      this.splitter?.end();
      await this.fh?.close();
      this.fh = undefined;
      await this.openCurrent(false);
      await this.drain();
    } else if (s && s.size < this.readPos) {
      // copytruncate: the file was emptied in place; a partial line we held is gone with it, and its first line
      this.readPos = 0;
      this.head = undefined;
      this.splitter?.reset();
      await this.drain();
    }
  }

  private async drain(): Promise<void> {
    const fh = this.fh;
    const splitter = this.splitter;
    if (!fh || !splitter) return;
    for (;;) {
      const { bytesRead } = await fh.read(this.buf, 0, this.buf.length, this.readPos);
      if (bytesRead === 0 || this.stopped) break;
      const before = this.st.lines;
      // the read in slices that end at a newline, with a turn of the event loop after each: the bans a slice
      // decided go to the kernel, and the kernel's answer to the batch before is seen, while the rest of the
      // read waits — not after all of it (a read is ~2,500 lines, ~10 ms of filtering on a busy machine)
      const data = this.buf.subarray(0, bytesRead);
      for (let from = 0; from < bytesRead; ) {
        let cut = bytesRead;
        if (bytesRead - from > SLICE_BYTES) {
          const nl = data.indexOf(10, from + SLICE_BYTES);
          if (nl >= 0) cut = nl + 1;
        }
        splitter.push(data.subarray(from, cut));
        from = cut;
        if (from < bytesRead) await nextTurn(); // (a stop waits for the read to end: it is never half counted)
      }
      this.readPos += bytesRead;
      // a file that had no whole first line when opened (or emptied): its hash once there is one, before a save
      if (this.head === undefined) this.head = await headOf(fh);
      if (this.st.lines !== before) this.st.lastLineAt = (this.o.now ?? Date.now)();
      // a position save is a SQLite transaction (with the bans decided before it): in a flood, one per
      // SAVE_BYTES read rather than one per read; always once the reading stops
      if (this.readPos - this.savedAt >= SAVE_BYTES) this.save();
      if (bytesRead < this.buf.length) break;
    }
    if (this.readPos !== this.savedAt) this.save();
  }

  private save(): void {
    this.savedAt = this.readPos;
    const offset = this.readPos - (this.splitter?.held ?? 0);
    this.o.savePosition?.({ key: this.key, inode: this.inode, offset, ...(this.head === undefined ? {} : { head: this.head }) });
  }
}
