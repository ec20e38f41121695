// What every writer of a systemd unit, a cron line or a boot hook needs (the apply parts, the rollback timer,
// the guard's unit): whether systemd is the init system, and how a word is quoted in an ExecStart= line, a
// /bin/sh command line or a cron line's. One quoting rule for each, so an argv written by one is read the same
// by all.
import type { HostFs } from "./hostfs.js";

/** sd_booted(): systemd is PID 1 when /run/systemd/system exists. */
export async function systemdRunning(fs: HostFs): Promise<boolean> {
  if (!fs.live) return false;
  const st = await fs.stat("/run/systemd/system");
  return st?.isDirectory() === true;
}

/**
 * systemd's ExecStart quoting: words with spaces, quotes or backslashes in double quotes; `%` and `$` doubled
 * everywhere (systemd expands %-specifiers and $VARIABLES inside quotes too: an install path holding `%h` or
 * `$HOME` would otherwise run another program).
 */
export function systemdWord(w: string): string {
  const e = w.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  return /^[\w@%+=:,./-]+$/.test(e) ? e : `"${e.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** /bin/sh quoting: words other than plain ones in single quotes. */
export function shellWord(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** A word of a cron line's command: /bin/sh quoting, and `%` escaped (cron turns a bare `%` into a newline). */
export function cronWord(w: string): string {
  return shellWord(w).replace(/%/g, "\\%");
}
