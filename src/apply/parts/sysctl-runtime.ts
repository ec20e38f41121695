// Kernel parameters at runtime: read and write /proc/sys directly (not `sysctl -p`, which would load every
// key of the file). Only keys this process may change for its own machine are loaded: `net.*` keys belong to
// the current network namespace, but `kernel.*`/`fs.*` keys are machine-wide — from inside a network
// namespace other than PID 1's (a container, a lab host) writing them would change the whole machine, so
// they are persisted in the file only and take effect at the machine's next boot.
import { promises as fsp } from "node:fs";
import { RampartError, messageOf } from "../../core/errors.js";
import { procPath } from "../../facts/sysctl.js";
import type { HostFs } from "../../system/hostfs.js";
import { isNetKey } from "./sysctl-values.js";

export type NetnsScope = "machine" | "netns" | "unknown";

/** Is this process in the machine's own network namespace (PID 1's)? "unknown" when /proc/1 is unreadable. */
export async function netnsScope(): Promise<NetnsScope> {
  try {
    const [self, init] = await Promise.all([fsp.stat("/proc/self/ns/net"), fsp.stat("/proc/1/ns/net")]);
    return self.ino === init.ino && self.dev === init.dev ? "machine" : "netns";
  } catch {
    return "unknown";
  }
}

/** May this key be written live in this scope? */
export function loadableLive(key: string, scope: NetnsScope): boolean {
  return scope === "machine" || isNetKey(key);
}

/** The runtime value (whitespace collapsed), or undefined when the kernel has no such key. */
export async function readRuntime(fs: HostFs, key: string): Promise<string | undefined> {
  const v = await fs.readTextIfExists(procPath(key)).catch(() => undefined);
  return v === undefined ? undefined : v.trim().replace(/\s+/g, " ");
}

export interface WriteResult {
  /** keys the kernel would not let us write (read-only /proc/sys in a container) */
  readOnly: string[];
}

/**
 * Write values to /proc/sys in order. A read-only key (EROFS/EACCES/EPERM) is reported, not fatal: the file
 * still sets it at boot. Any other failure (EINVAL: the kernel rejects the value) throws.
 */
export async function writeRuntime(fs: HostFs, values: readonly { key: string; value: string }[], scope: NetnsScope): Promise<WriteResult> {
  const readOnly: string[] = [];
  for (const { key, value } of values) {
    if (!loadableLive(key, scope)) continue; // never a machine-wide key from inside a namespace
    const file = await fs.real(procPath(key));
    try {
      await fsp.writeFile(file, `${value}\n`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM") {
        readOnly.push(key);
        continue;
      }
      throw new RampartError("EXEC", `the kernel refused ${key} = ${value}: ${messageOf(e)}`, {
        hint: `Check the value in the policy (sysctl.set) against the kernel's documentation for ${key}.`,
        cause: e,
      });
    }
  }
  return { readOnly };
}
