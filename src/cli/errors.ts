// The one top-level handler: any error thrown by a command ends here and becomes a message and an exit
// code. RampartErrors print what, where and how to fix; anything else is a bug and asks for a report.
import { ExitCode, type ExitCodeValue, exitCodeFor, isRampartError } from "../core/errors.js";
import { formatDiagnostic, PolicyInvalidError } from "../policy/diagnostics.js";
import { VERSION } from "../core/version.js";

export const REPORT_URL = "https://github.com/rampart-sec/rampart/issues";

export function reportError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): ExitCodeValue {
  if (e instanceof PolicyInvalidError) {
    for (const d of [...e.errors, ...e.warnings]) write(`${formatDiagnostic(d)}\n`);
    write(`rampart: ${e.message}. ${e.hint ?? ""}\n`);
    return e.exitCode;
  }
  if (isRampartError(e)) {
    write(`rampart: error: ${e.message}\n`);
    if (e.location) write(`  at: ${e.location}\n`);
    if (e.hint) write(`  hint: ${e.hint}\n`);
    return exitCodeFor(e);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  write(`rampart: internal error: ${err.message}\n`);
  write(`  This is a bug in rampart ${VERSION}. Please report it at ${REPORT_URL} with the command you ran and this trace:\n`);
  write(`${(err.stack ?? "").split("\n").slice(1, 12).join("\n")}\n`);
  return ExitCode.internal;
}
