// The log-source contract (crowdsec's DataSource idea): a source turns bytes into lines through the one
// LineSplitter (../lines.ts) and hands them on as positions in a decoded chunk — no string per line — to a
// LineSink; it reports its health and never kills the daemon: errors become status, the supervisor decides.
import type { LineSink } from "../lines.js";

export type { LineSink };

export interface SourceStatus {
  key: string;
  kind: "file" | "journald";
  /** the file path, or the journal matches */
  target: string;
  state: "starting" | "reading" | "missing" | "error" | "stopped";
  lines: number;
  /** lines dropped whole because they were longer than the line cap */
  tooLong: number;
  /** journal entries refused because journald names another program as their sender */
  untrusted?: number;
  /** ms since epoch of the last line read */
  lastLineAt?: number;
  error?: string;
}

export interface LogSource {
  readonly key: string;
  /** deliver lines in order; resolves once reading has started (or the source is known missing) */
  start(sink: LineSink): Promise<void>;
  stop(): Promise<void>;
  status(): SourceStatus;
}

/** Default line cap of the sources, in bytes (the filters refuse lines over 8192 characters anyway). */
export const MAX_LINE_BYTES = 32 * 1024;

/** Wrap a sink to count lines and too-long lines into a status (the time is set per chunk by the source). */
export function countingSink(sink: LineSink, st: SourceStatus): LineSink {
  return {
    line(text, start, end) {
      st.lines++;
      sink.line(text, start, end);
    },
    tooLong() {
      st.lines++;
      st.tooLong++;
      sink.tooLong();
    },
  };
}
