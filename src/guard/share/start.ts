// Build the fleet share from `guard.share` in the policy: credentials checked (refused loudly when unsafe,
// before the daemon starts), the outbox opened beside the guard's state, the PostgreSQL link created. The URL
// node-postgres will really use (the credentials file may replace the policy's) passes the same TLS rule as
// `policy check`, and its host is what the guard keeps reachable.
import type { Logger } from "../../core/logger.js";
import { RampartError } from "../../core/errors.js";
import { shareTlsRefusal } from "../../policy/rules.js";
import type { Policy } from "../../policy/schema.js";
import { resolveConnection } from "./credentials.js";
import { Outbox } from "./outbox.js";
import { PostgresShare } from "./postgres.js";
import type { Decision, DecisionSink } from "./types.js";

export interface RunningShare {
  sink: DecisionSink;
  /** the URL really connected to, password hidden: its host is kept reachable (keepAliveAddresses) */
  database: string;
  start(): void;
  stop(): Promise<void>;
}

export function startShare(
  config: NonNullable<Policy["guard"]["share"]>,
  stateFile: string,
  log: Logger,
  apply: (decisions: Decision[]) => Promise<number>,
): RunningShare {
  const connection = resolveConnection({ postgres: config.postgres, credentialsFile: config.credentialsFile });
  const fromFile = connection.source !== "guard.share.postgres";
  const refusal = shareTlsRefusal(connection.connectionString, config.insecure, fromFile ? `the URL in ${connection.source}` : undefined);
  if (refusal) throw new RampartError("POLICY", `guard.share: ${refusal.message}`, { location: connection.source, hint: refusal.hint });
  if (!config.credentialsFile && URL.canParse(config.postgres) && new URL(config.postgres).password) {
    log.warn("share: guard.share.postgres holds the database password; the policy is not a secret store", {
      hint: "move the password into a root-only file (chmod 600) and name it in guard.share.credentialsFile",
    });
  }
  const outbox = new Outbox(stateFile);
  const share = new PostgresShare({ connection, outbox, log, apply });
  log.info(`share: fleet decisions through ${connection.display}`, { node: outbox.node, outbox: outbox.size });
  return {
    sink: share,
    database: connection.display,
    start: () => share.start(),
    stop: async () => {
      await share.stop();
      outbox.close();
    },
  };
}
