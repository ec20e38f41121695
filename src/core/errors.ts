// src/core/ — what every layer shares (errors, logger, clock, ip, severity, version). Imports nothing of
// ours; anyone may import it.
// Typed errors for every part of rampart, and the single mapping from error to exit code.
// A RampartError says what went wrong (message), where to look (optional location) and how to fix it (hint).
// Anything that is not a RampartError is a bug: the CLI's one handler (src/cli/main.ts) reports it with exit 3.

/** Documented exit codes (README "Exit codes"): part of the command-line contract. */
export const ExitCode = {
  ok: 0,
  /** audit findings at/above --fail-on, or a refused/failed change */
  findings: 1,
  /** usage or policy error */
  usage: 2,
  /** internal error: a bug, please report it */
  internal: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | "USAGE" // bad command line
  | "POLICY" // the policy file is invalid
  | "INPUT" // a file or value given by the user is malformed (blocklist, log, state)
  | "NOT_FOUND" // a file, program or object that must exist does not
  | "PERMISSION" // not root, or a file mode is unsafe
  | "EXEC" // a program rampart drives failed
  | "TIMEOUT" // a program or operation took too long
  | "REFUSED" // a change was refused (preflight, validation)
  | "STATE" // persisted state is corrupt or inconsistent
  | "UNAVAILABLE"; // a service (socket, daemon, database) is not reachable

const exitByCode: Record<ErrorCode, ExitCodeValue> = {
  USAGE: ExitCode.usage,
  POLICY: ExitCode.usage,
  INPUT: ExitCode.usage,
  NOT_FOUND: ExitCode.findings,
  PERMISSION: ExitCode.findings,
  EXEC: ExitCode.findings,
  TIMEOUT: ExitCode.findings,
  REFUSED: ExitCode.findings,
  STATE: ExitCode.findings,
  UNAVAILABLE: ExitCode.findings,
};

export interface RampartErrorOptions {
  /** how to fix it, one sentence, imperative ("Run as root: sudo rampart …") */
  hint?: string | undefined;
  /** file:line:column or other place the problem is in */
  location?: string | undefined;
  cause?: unknown;
}

export class RampartError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: string | undefined;

  constructor(code: ErrorCode, message: string, options: RampartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RampartError";
    this.code = code;
    this.hint = options.hint;
    this.location = options.location;
  }

  get exitCode(): ExitCodeValue {
    return exitByCode[this.code];
  }
}

export function isRampartError(e: unknown): e is RampartError {
  return e instanceof RampartError;
}

/** Exit code for any thrown value: RampartError by its code, anything else is internal. */
export function exitCodeFor(e: unknown): ExitCodeValue {
  return isRampartError(e) ? e.exitCode : ExitCode.internal;
}

/** The message of an unknown thrown value, for wrapping as a cause. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
