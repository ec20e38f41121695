// In-process guards joined by a real PostgreSQL: a GuardDaemon each (no jails, an in-memory kernel, its own
// SQLite state and control socket) wired to a PostgresShare exactly as `guard run` wires them. For the
// loopback test and the bench; the lab test runs the real CLI instead.
import path from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { type Logger, silentLogger } from "../../src/core/logger.js";
import { policySchema } from "../../src/policy/schema.js";
import { GuardDaemon } from "../../src/guard/daemon.js";
import { MemoryEnforcer } from "../../src/guard/enforce.js";
import { resolveConnection } from "../../src/guard/share/credentials.js";
import { Outbox } from "../../src/guard/share/outbox.js";
import { PostgresShare } from "../../src/guard/share/postgres.js";
import type { Decision } from "../../src/guard/share/types.js";
import { GuardState } from "../../src/guard/state.js";
import { HostFs } from "../../src/system/hostfs.js";

export interface Node {
  name: string;
  daemon: GuardDaemon;
  kernel: MemoryEnforcer;
  share: PostgresShare;
  outbox: Outbox;
  state: GuardState;
  stop(): Promise<void>;
}

export interface NodeOptions {
  ignore?: string[];
  /** guard.share.accept.origins */
  origins?: string[];
  /** more of guard.share.accept (maxBans, minPrefix, …) */
  accept?: Record<string, unknown>;
  /** the share's page size (rows per read) */
  pageSize?: number;
  /** sees each page of received decisions before the daemon applies it */
  onApply?: (decisions: readonly Decision[]) => void;
  /** receives the share's log lines (default: silent) */
  log?: Logger;
}

export async function startNode(dir: string, name: string, url: string, o: NodeOptions = {}): Promise<Node> {
  const policy = policySchema.parse({
    guard: {
      ignore: ["127.0.0.0/8", ...(o.ignore ?? [])],
      jails: {},
      ...(o.origins || o.accept ? { share: { postgres: url, accept: { ...o.accept, ...(o.origins ? { origins: o.origins } : {}) } } } : {}),
    },
  });
  const state = GuardState.open(path.join(dir, `${name}.db`), silentLogger);
  const outbox = new Outbox(state.file);
  const kernel = new MemoryEnforcer();
  let daemon: GuardDaemon | undefined;
  const share = new PostgresShare({
    connection: resolveConnection({ postgres: url }),
    outbox,
    log: o.log ?? silentLogger,
    apply: (ds) => {
      o.onApply?.(ds);
      return daemon?.receive(ds) ?? Promise.resolve(0);
    },
    ...(o.pageSize ? { pageSize: o.pageSize } : {}),
    minBackoffMs: 100,
    maxBackoffMs: 500,
  });
  daemon = new GuardDaemon({
    policy,
    fs: new HostFs("/"),
    clock: systemClock,
    log: o.log ?? silentLogger,
    state,
    enforcer: kernel,
    hostname: name,
    socketPath: path.join(dir, `${name}.sock`),
    specs: [],
    share,
  });
  await daemon.start();
  share.start();
  const d = daemon;
  return {
    name,
    daemon: d,
    kernel,
    share,
    outbox,
    state,
    async stop() {
      await share.stop();
      await d.stop();
      outbox.close();
      state.close();
    },
  };
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000, every = 10): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
