// Open the log source a jail reads: `backend: auto` is the file when it exists, else the journal (and the
// daemon says which). Two jails on the same log share one reader. An sshd jail's journal source trusts only
// entries journald attributes to the sshd programs under /usr (see journald.ts), never SYSLOG_IDENTIFIER.
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { HostFs } from "../../system/hostfs.js";
import type { JailSpec } from "../jail-specs.js";
import type { GuardState } from "../state.js";
import { FileSource } from "./file.js";
import { JournalSource } from "./journald.js";
import type { LogSource } from "./types.js";

export interface OpenSourceDeps {
  fs: HostFs;
  state: GuardState;
  clock: Clock;
  log: Logger;
  /** extra journalctl arguments (tests point it at their own journal) */
  journalArgs?: string[] | undefined;
  /** run a position save (the daemon writes what the lines before it decided, in the same transaction) */
  checkpoint?: (save: () => void) => void;
}

export async function openSource(spec: JailSpec, d: OpenSourceDeps): Promise<LogSource> {
  const path = spec.logpath;
  let backend = spec.backend;
  if (backend === "auto") {
    backend = (await d.fs.exists(path)) ? "file" : "journald";
    d.log.info(`jail ${spec.name}: backend auto chose ${backend === "file" ? path : `the systemd journal (${path} does not exist)`}`);
  }
  const now = () => d.clock.now();
  const checkpoint = d.checkpoint ?? ((save: () => void) => save());
  if (backend === "file") {
    const key = `file:${path}`;
    return new FileSource({
      path: await d.fs.real(path),
      position: d.state.position(key),
      savePosition: (p) => checkpoint(() => d.state.savePosition({ ...p, key })),
      log: d.log,
      now,
    });
  }
  const options = {
    matches: spec.journalMatches,
    trustedPrograms: spec.trustedPrograms,
    ...(d.journalArgs ? { extraArgs: d.journalArgs } : {}),
    now,
    log: d.log,
  };
  const key = new JournalSource(options).key;
  return new JournalSource({ ...options, position: d.state.position(key), savePosition: (p) => checkpoint(() => d.state.savePosition(p)) });
}
