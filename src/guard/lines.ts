// THE line splitter of the guard: every byte that reaches a filter — the daemon's file and journal sources,
// `guard test`, the benchmarks and the compat runner — goes through this one class, so there is one
// definition of "a line". Fast and with bounded memory: each chunk is decoded once (up to its last
// newline, in pieces of about 64 KiB that end at newlines, so a UTF-8 sequence is never cut) and split with
// indexOf; lines are handed on as positions in the decoded piece (no string per line); the partial last line
// is carried to the next chunk. A line longer than the cap is never accumulated: its bytes are dropped up to
// the next newline and it is reported once as too long — a 1 GB line without a newline costs no memory,
// and its tail never becomes a line of its own.
// Hand-written because readline is several times slower (an event and a string per line, no cap).
// A chunk that is pure ASCII (the usual log) is decoded as latin1: the same string, but a plain copy —
// several times cheaper than the UTF-8 decoder, which was a tenth of `guard test`'s time.
import { isAscii } from "node:buffer";

export interface LineSink {
  /** one line: text[start..end) without its newline (and CR); text may hold many lines */
  line(text: string, start: number, end: number): void;
  /** a line longer than maxBytes was skipped */
  tooLong(): void;
}

export class LineSplitter {
  private carry: Buffer | undefined;
  private skipping = false;
  /** bytes pushed since the last newline (a carried partial line, or a too-long line being skipped) */
  private pendingBytes = 0;

  constructor(
    private readonly sink: LineSink,
    /** lines longer than this many bytes are skipped, not buffered */
    private readonly maxBytes: number,
  ) {}

  /**
   * Bytes pushed after the last complete line. A reader that persists its position stores
   * (bytes pushed − held): restarting there re-reads at most the unfinished line, never skips one.
   */
  get held(): number {
    return this.pendingBytes;
  }

  /** Forget a partial line (the input was truncated or replaced: its start is gone). */
  reset(): void {
    this.carry = undefined;
    this.skipping = false;
    this.pendingBytes = 0;
  }

  push(chunk: Buffer): void {
    const nlLast = chunk.lastIndexOf(10);
    this.pendingBytes = nlLast < 0 ? this.pendingBytes + chunk.length : chunk.length - nlLast - 1;
    let data = chunk;
    if (this.skipping) {
      const nl = data.indexOf(10);
      if (nl < 0) return;
      this.skipping = false;
      this.sink.tooLong();
      data = data.subarray(nl + 1);
    }
    if (this.carry !== undefined) {
      // finish the carried line with this chunk's first newline; copy only that line, not the chunk
      const nl = data.indexOf(10);
      if (nl < 0) {
        const joined = Buffer.concat([this.carry, data]);
        this.carry = undefined;
        this.hold(joined);
        return;
      }
      const head = Buffer.concat([this.carry, data.subarray(0, nl)]);
      this.carry = undefined;
      if (head.length > this.maxBytes) this.sink.tooLong();
      else {
        const text = head.toString("utf8");
        this.sink.line(text, 0, text.endsWith("\r") ? text.length - 1 : text.length);
      }
      data = data.subarray(nl + 1);
    }
    const last = data.lastIndexOf(10);
    if (last < 0) {
      this.hold(data);
      return;
    }
    if (last + 1 < data.length) this.hold(data.subarray(last + 1));
    // the complete lines data[0..last), decoded in pieces of about PIECE bytes, each ending at a newline
    let from = 0;
    while (from <= last) {
      let cut = last;
      if (last - from > PIECE) {
        cut = data.lastIndexOf(10, from + PIECE);
        // a line longer than a piece: the piece ends with it (lines are never split)
        if (cut < from) cut = data.indexOf(10, from + PIECE);
      }
      this.lines(decode(data, from, cut));
      from = cut + 1;
    }
  }

  /** every line of text (a whole number of lines, without the last newline) to the sink */
  private lines(text: string): void {
    const sink = this.sink;
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      const end = nl < 0 ? text.length : nl;
      const e = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (e - start > this.maxBytes) sink.tooLong();
      else sink.line(text, start, e);
      if (nl < 0) break;
      start = nl + 1;
    }
  }

  /** flush the last line when the input does not end with a newline */
  end(): void {
    this.pendingBytes = 0;
    if (this.skipping) {
      this.skipping = false;
      this.sink.tooLong();
    }
    const rest = this.carry;
    this.carry = undefined;
    if (rest === undefined || rest.length === 0) return;
    const text = rest.toString("utf8");
    this.sink.line(text, 0, text.endsWith("\r") ? text.length - 1 : text.length);
  }

  private hold(part: Buffer): void {
    if (part.length > this.maxBytes) {
      this.skipping = true;
      return;
    }
    // copy: a subarray would keep the whole (large) chunk alive
    this.carry = Buffer.from(part);
  }
}

/**
 * The size of the pieces a chunk is decoded in. A string of more than V8's largest regular object (128 KiB)
 * is allocated in the large-object space, a mapping of its own: decoding a 256 KiB chunk at once cost 5 ms
 * of CPU per MB (bench/guard-inprocess.ts: half a second of a million lines), 64 KiB pieces 0.1 ms.
 */
const PIECE = 64 * 1024;

/** data[from..end) as a string: latin1 when every byte is ASCII (identical result, a plain copy), else UTF-8 */
function decode(data: Buffer, from: number, end: number): string {
  const head = data.subarray(from, end);
  return head.toString(isAscii(head) ? "latin1" : "utf8");
}
