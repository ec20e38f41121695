// src/facts/ — what is true of a host, read once per run: the account databases, sudoers, installed packages and
// apt's view, sysctl (running and persisted), listening sockets, processes, enabled units, MAC, the sshd
// configuration and its effective values, container/VM runtimes. A fact reads and parses; it never judges
// (that is an audit check), never changes the host (that is an apply part) and knows no policy: where an answer
// depends on what the policy says, the caller passes that in as a plain value.
//
// Who may import it: everything above it — sshd, firewall, policy, audit, apply, guard, blocklist, integrity,
// mfa, report, cli. It imports only core/, system/ and sshd/ (the parser of sshd's own language, below it).
// The layering is enforced by scripts/layers.mjs.
//
// Every fact takes a FactContext and loads through ctx.memo under a stable key, so the audit's thirty checks,
// an apply plan's parts and `rampart init` each read /etc/passwd, dpkg's status or `sshd -T` once per run.
import type { Logger } from "../core/logger.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";

export interface FactContext {
  fs: HostFs;
  run: Runner;
  /** true on the running system; false for an image under --root (no processes, no /proc of its own) */
  live: boolean;
  /** where a fact says what it did (debug: a slow path taken, a cache not written) */
  log: Logger;
  /** load a fact once per run (keyed), e.g. memo("sshd", () => …) */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/** A FactContext with a fresh memo: one per audit, per apply plan, per `rampart init`. */
export function factContext(o: Omit<FactContext, "memo">): FactContext {
  const loaded = new Map<string, Promise<unknown>>();
  return {
    fs: o.fs,
    run: o.run,
    live: o.live,
    log: o.log,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = loaded.get(key) as Promise<T> | undefined;
      if (!p) {
        p = load();
        loaded.set(key, p);
      }
      return p;
    },
  };
}
