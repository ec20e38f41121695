// What every command receives from the global options: the logger, the clock, the runner and the file
// view (--root). Commands take their collaborators from here rather than importing globals, so the same
// code runs live, against an image, and in tests. Built once by the cli (src/cli/main.ts); domain code that
// needs the bundle takes it as a parameter (it lives in system/ so nothing outside cli/ imports cli/).
import type { Clock } from "../core/clock.js";
import { systemClock } from "../core/clock.js";
import { type LogFormat, type LogLevel, type Logger, createLogger, setLogger } from "../core/logger.js";
import { run as realRun, type Runner } from "./exec.js";
import { HostFs } from "./hostfs.js";

export interface GlobalOptions {
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  color?: boolean;
}

export interface Context {
  log: Logger;
  clock: Clock;
  run: Runner;
  /** file view for a --root DIR (default "/") */
  fs(root?: string): HostFs;
  /** colours allowed on stdout */
  color: boolean;
  out(text: string): void;
}

export function createContext(g: GlobalOptions): Context {
  const color = g.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const log = createLogger({
    format: g.logFormat ?? "text",
    level: g.logLevel ?? "info",
    color: g.color !== false && process.stderr.isTTY === true && !process.env.NO_COLOR,
  });
  setLogger(log);
  return {
    log,
    clock: systemClock,
    run: realRun,
    fs: (root = "/") => new HostFs(root),
    color,
    out: (text) => {
      process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    },
  };
}

/** Write a command's result to --output FILE; returns the absolute path (see src/system/output.ts). */
export async function writeOutput(file: string, text: string, mode = 0o640): Promise<string> {
  const { writeOutputFile } = await import("./output.js");
  return writeOutputFile(file, text, mode);
}
