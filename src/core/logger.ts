// The one logger: readable lines on a terminal, JSON lines with `--log-format json` (for journald and
// log shippers). Logs go to stderr so that stdout stays the command's result (a report, JSON, a ruleset).
// Fields are structured; never put a secret in them (keys, passwords, tokens are not logged anywhere).
import pc from "picocolors";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** a logger that adds these fields to every line (e.g. { jail: "sshd" }) */
  child(fields: LogFields): Logger;
  /**
   * Run fn; the lines logged meanwhile (through this logger or any of its relatives) are written at its end
   * in one write, in order. For a burst (the guard's ban lines of one kernel transaction: one synchronous
   * write each cost ~12 µs a ban in a flood); the text is the same as when written one by one.
   */
  batch<T>(fn: () => T): T;
}

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** where lines go; default process.stderr */
  write?: (line: string) => void;
  color?: boolean;
  now?: () => number;
}

/** Where a logger and its children write, and the lines held while a batch runs. */
interface Output {
  write: (line: string) => void;
  held: string[] | undefined;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}, output?: Output): Logger {
  const format = options.format ?? "text";
  const min = rank[options.level ?? "info"];
  const out: Output = output ?? { write: options.write ?? ((line: string) => process.stderr.write(line)), held: undefined };
  const write = (line: string) => {
    if (out.held) out.held.push(line);
    else out.write(line);
  };
  const color = options.color ?? (process.stderr.isTTY === true && !process.env.NO_COLOR);
  const now = options.now ?? Date.now;

  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (rank[level] < min) return;
    const all = { ...bound, ...fields };
    if (format === "json") {
      write(`${JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...all }, jsonSafe)}\n`);
      return;
    }
    const tag = { debug: "debug", info: "info", warn: "warning", error: "error" }[level];
    const painted = !color
      ? tag
      : level === "error"
        ? pc.red(tag)
        : level === "warn"
          ? pc.yellow(tag)
          : level === "debug"
            ? pc.dim(tag)
            : pc.cyan(tag);
    // one string built in place (the guard logs a line per ban, thousands a second in a flood)
    let rest = "";
    for (const k in all) {
      const v = all[k];
      rest += `${rest ? " " : ""}${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v, jsonSafe)}`;
    }
    write(`${painted}: ${msg}${rest ? (color ? pc.dim(` ${rest}`) : ` ${rest}`) : ""}\n`);
  };

  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }, out),
    batch: (fn) => {
      if (out.held) return fn(); // inside a batch already: its end writes
      out.held = [];
      try {
        return fn();
      } finally {
        const lines = out.held;
        out.held = undefined;
        if (lines.length) out.write(lines.join(""));
      }
    },
  };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({ write: () => {} });

let current: Logger = createLogger();
/** The process-wide logger, configured once by the CLI from --log-format / --log-level. */
export function log(): Logger {
  return current;
}
export function setLogger(logger: Logger): void {
  current = logger;
}
