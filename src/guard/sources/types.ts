// The log-source contract (crowdsec's DataSource idea): a source delivers complete lines, reports its
// health, and never kills the daemon — errors become status, and the supervisor (daemon.ts) decides.
export interface SourceStatus {
  key: string;
  kind: "file" | "journald";
  /** the file path, or the journal matches */
  target: string;
  state: "starting" | "reading" | "missing" | "error" | "stopped";
  lines: number;
  /** ms since epoch of the last line read */
  lastLineAt?: number;
  error?: string;
}

export interface LogSource {
  readonly key: string;
  /** deliver lines in order; resolves once reading has started (or the source is known missing) */
  start(onLines: (lines: string[]) => void): Promise<void>;
  stop(): Promise<void>;
  status(): SourceStatus;
}
