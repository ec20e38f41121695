// The fleet share over PostgreSQL (node-postgres): every guard INSERTs its decisions into rampart_decisions
// (batched: one multi-row INSERT per flush, through unnest) and NOTIFYs; every guard LISTENs and, on each
// notification and after every (re)connect, reads `WHERE id > last id` so a missed notification or an outage
// loses nothing. Inserts take a transaction advisory lock, so ids become visible in id order and a reader
// never skips an id that commits later. Decisions are queued in the local outbox first (see outbox.ts):
// the daemon's ban never waits on the network, and an unreachable database only grows the outbox, which is
// drained on reconnect (with backoff). This guard's own decisions come back through LISTEN and are skipped
// by node id. The connection string (with its password) is never logged: only ShareConnection.display.
// Who wrote a row is the database's word, not the row's: each host logs in with its own role, the database
// fills `writer` with that role's host name and refuses a row in another host's name (migration 2). This
// guard asks the database which host it is (rampart_host()) and sends its decisions under that name; a
// received row's origin is its writer, and a row without one (the shared owner role, or older than host
// roles) is marked unverified.
// A peer may write anything a row holds, so what this guard reads is bounded: each text column is cut in the
// database (limits.ts), and every read — the first catch-up included — is a page of at most pageSize rows.
import pg from "pg";
import { RampartError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { ShareConnection } from "./credentials.js";
import { clipStored, readBounded } from "./limits.js";
import { CHANNEL, INSERT_LOCK, MIGRATE_HINT, MIGRATIONS, migrate } from "./migrations.js";
import type { Outbox } from "./outbox.js";
import type { Decision, DecisionSink, LocalDecision, ShareStatus } from "./types.js";

export interface PostgresShareOptions {
  connection: ShareConnection;
  outbox: Outbox;
  log: Logger;
  /** apply decisions received from other guards; resolves with how many were ignored (local ignore list) */
  apply: (decisions: Decision[]) => Promise<number>;
  /** most decisions per INSERT / per catch-up page (default 2000 / 5000) */
  batchSize?: number;
  pageSize?: number;
  /** reconnect backoff bounds in ms (default 250 … 15000) */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** a query to detect a silently dead connection, every this many ms (default 10000) */
  pingMs?: number;
  /** extra client options (tests: ssl objects) */
  clientConfig?: Omit<pg.ClientConfig, "connectionString">;
}

const LAST_ID = "last_id";
/** a first catch-up under way: "<last id delivered> <the newest id when it began>" (resumed after a restart) */
const CATCH_UP = "catch_up";

export class PostgresShare implements DecisionSink {
  private client: pg.Client | undefined;
  private connected = false;
  private stopped = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private sending: Promise<void> | undefined;
  private sendAgain = false;
  private sendScheduled = false;
  private pulling: Promise<void> | undefined;
  private pullAgain = false;
  private lastId: string | undefined;
  private published = 0;
  private received = 0;
  private ignored = 0;
  private lastError: string | undefined;
  private connectedAt: number | undefined;
  private outageLogged = false;
  /** the host name the database knows this login as; undefined = the owner role (decisions unverified) */
  private host: string | undefined;
  private renameLogged = false;
  private skipLogged = false;

  constructor(private readonly o: PostgresShareOptions) {
    this.backoffMs = o.minBackoffMs ?? 250;
    this.lastId = o.outbox.meta(LAST_ID);
  }

  /** Connect in the background; never throws (an unreachable database is retried with backoff). */
  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    await Promise.allSettled([this.sending, this.pulling]);
    await c?.end().catch(() => undefined);
  }

  publish(decisions: LocalDecision[]): void {
    if (decisions.length === 0) return;
    this.o.outbox.add(decisions);
    // one flush per event-loop turn: a burst of bans becomes one INSERT
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.kickSend();
    });
  }

  status(): ShareStatus {
    return {
      backend: "postgres",
      url: this.o.connection.display,
      connected: this.connected,
      lastId: this.lastId ?? "0",
      outbox: this.o.outbox.size,
      published: this.published,
      received: this.received,
      ignored: this.ignored,
      ...(this.host !== undefined ? { host: this.host } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(this.connectedAt !== undefined ? { connectedAt: new Date(this.connectedAt).toISOString() } : {}),
    };
  }

  /** Resolves once the outbox is empty and everything published so far was read back (tests, bench). */
  async idle(): Promise<void> {
    while (this.sending || this.pulling || this.sendScheduled) await Promise.allSettled([this.sending, this.pulling, tick()]);
  }

  // ---- connection

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      ...this.o.clientConfig,
      connectionString: this.o.connection.connectionString,
      connectionTimeoutMillis: 5000,
      query_timeout: 30_000,
      keepAlive: true,
      application_name: "rampart-guard",
    });
    this.client = client;
    client.on("error", (e) => this.lost(client, e));
    client.on("end", () => this.lost(client, new Error("the database closed the connection")));
    client.on("notification", (n) => {
      if (n.channel === CHANNEL && this.client === client) this.kickPull();
    });
    try {
      await client.connect();
      const applied = await this.serial(() => migrate(client, MIGRATIONS, (m, e) => this.migrationSkipped(m.version, m.optional, e)));
      if (applied.length) this.o.log.info(`share: database schema migrated to version ${applied[applied.length - 1]}`);
      this.host = await this.serial(() => whoAmI(client));
      await this.serial(() => client.query(`LISTEN ${CHANNEL}`));
    } catch (e) {
      this.lost(client, e as Error);
      return;
    }
    if (this.client !== client) return;
    this.connected = true;
    this.connectedAt = Date.now();
    this.backoffMs = this.o.minBackoffMs ?? 250;
    this.outageLogged = false;
    this.lastError = undefined;
    this.o.log.info(
      `share: connected to ${this.o.connection.display} ${this.host !== undefined ? `as host ${this.host}` : "as the schema owner (this guard's decisions are unverified: give it a host role)"}`,
      { lastId: this.lastId ?? "0", outbox: this.o.outbox.size },
    );
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.client === client) void this.serial(() => client.query("SELECT 1")).catch((e: Error) => this.lost(client, e));
    }, this.o.pingMs ?? 10_000);
    this.pingTimer.unref?.();
    this.kickPull();
    this.kickSend();
  }

  /** An optional migration this host role may not apply: said once, the share goes on without it. */
  private migrationSkipped(version: number, why: string | undefined, e: Error): void {
    if (this.skipLogged) return;
    this.skipLogged = true;
    this.o.log.warn(
      `share: the database schema lacks migration ${version}, which this login may not apply (${e.message}); sharing goes on`,
      {
        hint: `${why ?? ""}; ${MIGRATE_HINT}`,
      },
    );
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    const was = this.connected;
    this.connected = false;
    clearInterval(this.pingTimer);
    client.removeAllListeners("notification");
    client.on("error", () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.lastError = e.message;
    if (was || !this.outageLogged) {
      this.outageLogged = true;
      this.o.log.warn(`share: ${this.o.connection.display} unreachable (${e.message}); local bans go on, decisions are queued`, {
        outbox: this.o.outbox.size,
        hint: (e as { hint?: string }).hint ?? "check the database and guard.share.postgres; the guard reconnects by itself",
      });
    }
    const wait = Math.round(this.backoffMs * (0.75 + Math.random() * 0.5));
    this.backoffMs = Math.min(this.o.maxBackoffMs ?? 15_000, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => void this.connect(), wait);
    this.reconnectTimer.unref?.();
  }

  /** One client, one conversation at a time (a transaction must not interleave with a catch-up read). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  // ---- sending

  private kickSend(): void {
    if (!this.connected || this.stopped) return;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = this.sendAll().finally(() => {
      this.sending = undefined;
      if (this.sendAgain) {
        this.sendAgain = false;
        this.kickSend();
      }
    });
  }

  private async sendAll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      for (;;) {
        const rows = this.o.outbox.peek(this.o.batchSize ?? 2000);
        const last = rows[rows.length - 1];
        if (!last || this.client !== client) return;
        const inserted = await this.serial(() => insertBatch(client, this.asHost(rows)));
        // committed: only now may the outbox forget them (a crash before this line resends; uid dedupes)
        this.o.outbox.ack(last.seq);
        this.published += inserted;
      }
    } catch (e) {
      this.lost(client, e as Error);
    }
  }

  /** Decisions go out under the name the database knows this host by (it refuses any other). */
  private asHost(rows: readonly Decision[]): readonly Decision[] {
    const host = this.host;
    if (host === undefined || rows.every((d) => d.origin === host)) return rows;
    if (!this.renameLogged) {
      this.renameLogged = true;
      this.o.log.warn(`share: this guard's decisions go out as host ${host} (its database role's host), not ${rows[0]?.origin}`, {
        hint: "make the host name and rampart_hosts agree: SELECT rampart_grant_host('<role>', '<host name>') as the schema owner",
      });
    }
    return rows.map((d) => ({ ...d, origin: host }));
  }

  // ---- receiving

  private kickPull(): void {
    if (!this.connected || this.stopped) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = this.pullAll().finally(() => {
      this.pulling = undefined;
      if (this.pullAgain) {
        this.pullAgain = false;
        this.kickPull();
      }
    });
  }

  private async pullAll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      if (this.lastId === undefined && !(await this.firstCatchUp(client))) return;
      const page = this.o.pageSize ?? 5000;
      for (;;) {
        if (this.client !== client) return;
        const r = await this.serial(() =>
          client.query<DecisionRow>(`${SELECT_DECISIONS} WHERE rampart_decisions.id > $1::bigint ORDER BY rampart_decisions.id LIMIT $2`, [
            this.lastId ?? "0",
            page,
          ]),
        );
        const lastRow = r.rows[r.rows.length - 1];
        if (!lastRow) return;
        await this.deliver(r.rows.map(fromRow));
        this.setLastId(lastRow.id);
        if (r.rows.length < page) return;
      }
    } catch (e) {
      this.lost(client, e as Error);
    }
  }

  /**
   * A guard new to the fleet takes the bans still running, not the whole history: in windows of pageSize ids
   * (so a page holds at most pageSize rows, and costs the database one short index range whatever its
   * statistics say — a filtered `ORDER BY id LIMIT` on a table not analyzed yet scanned every row for every
   * page), with its progress saved after each window: memory stays bounded however many rows there are, and
   * a restart resumes where it stopped. A window with no running ban skips on to the next id there is (the
   * owner prunes old rows). No snapshot transaction (one held open across pages would interleave with this
   * client's inserts): the newest id is read first, and the insert lock every guard takes makes each id at
   * or below it committed already — a later commit gets a higher id, which the reads by id after the
   * catch-up take.
   */
  private async firstCatchUp(client: pg.Client): Promise<boolean> {
    const page = BigInt(this.o.pageSize ?? 5000);
    const saved = /^(\d+) (\d+)$/.exec(this.o.outbox.meta(CATCH_UP) ?? "");
    let after = BigInt(saved?.[1] ?? 0);
    let max = BigInt(saved?.[2] ?? 0);
    if (!saved) {
      const m = await this.serial(() => client.query<{ max: string }>("SELECT coalesce(max(id), 0)::text AS max FROM rampart_decisions"));
      max = BigInt(m.rows[0]?.max ?? 0);
      this.o.outbox.setMeta(CATCH_UP, `${after} ${max}`);
    }
    while (after < max) {
      if (this.client !== client) return false;
      const end = after + page < max ? after + page : max;
      const r = await this.serial(() =>
        client.query<DecisionRow>(
          `${SELECT_DECISIONS} WHERE rampart_decisions.id > $1::bigint AND rampart_decisions.id <= $2::bigint ` +
            "AND action = 'ban' AND expires > now() ORDER BY rampart_decisions.id",
          [String(after), String(end)],
        ),
      );
      if (r.rows.length > 0) await this.deliver(r.rows.map(fromRow));
      else if (end < max) {
        const n = await this.serial(() =>
          client.query<{ next: string | null }>("SELECT (min(id) - 1)::text AS next FROM rampart_decisions WHERE id > $1::bigint", [
            String(end),
          ]),
        );
        const next = n.rows[0]?.next;
        after = next == null ? max : BigInt(next) > end ? BigInt(next) : end;
        this.o.outbox.setMeta(CATCH_UP, `${after} ${max}`);
        continue;
      }
      after = end;
      this.o.outbox.setMeta(CATCH_UP, `${after} ${max}`);
    }
    this.setLastId(String(max));
    this.o.outbox.deleteMeta(CATCH_UP);
    return true;
  }

  private async deliver(decisions: Decision[]): Promise<void> {
    const foreign = decisions.filter((d) => d.node !== this.o.outbox.node);
    if (foreign.length === 0) return;
    this.received += foreign.length;
    try {
      this.ignored += await this.o.apply(foreign);
    } catch (e) {
      this.o.log.error(`share: could not apply ${foreign.length} received decision(s): ${(e as Error).message}`);
    }
  }

  private setLastId(id: string): void {
    this.lastId = id;
    this.o.outbox.setMeta(LAST_ID, id);
  }
}

interface DecisionRow {
  id: string;
  uid: string;
  action: "ban" | "unban";
  target: string;
  jail: string;
  reason: string;
  origin: string;
  node: string;
  writer: string | null;
  started: number;
  expires: number;
  offense: number;
}

/** Every text column cut in the database (limits.ts): a row costs this guard about 1 KB at most. */
const SELECT_DECISIONS =
  `SELECT id::text AS id, ${readBounded("uid")}, action, ${readBounded("target")}, ${readBounded("jail")}, ${readBounded("reason")}, ` +
  `${readBounded("origin")}, ${readBounded("node")}, ${readBounded("writer")}, ` +
  "(extract(epoch FROM started) * 1000)::float8 AS started, (extract(epoch FROM expires) * 1000)::float8 AS expires, offense FROM rampart_decisions";

function fromRow(r: DecisionRow): Decision {
  return {
    uid: r.uid,
    action: r.action,
    target: r.target,
    jail: r.jail,
    reason: r.reason,
    // the writer is the database's word; without one (owner role, older rows) the origin is only a claim
    origin: r.writer ?? r.origin,
    verified: r.writer !== null,
    node: r.node,
    startedAt: Math.round(r.started),
    expiresAt: Math.round(r.expires),
    offense: r.offense,
  };
}

/** One transaction: the insert lock (ids in commit order), one INSERT for the whole batch, one NOTIFY. */
async function insertBatch(client: pg.Client, rows: readonly Decision[]): Promise<number> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [INSERT_LOCK]);
    const r = await client.query<{ id: string }>(
      `INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense)
       SELECT u, a, t, j, r, o, n, to_timestamp(s / 1000.0), to_timestamp(e / 1000.0), f
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::int[])
         AS x(u, a, t, j, r, o, n, s, e, f)
       ON CONFLICT (uid) DO NOTHING RETURNING id::text AS id`,
      [
        // clipped to what the database accepts (migration 3): one long reason must not hold the outbox back
        rows.map((d) => clipStored("uid", d.uid)),
        rows.map((d) => d.action),
        rows.map((d) => clipStored("target", d.target)),
        rows.map((d) => clipStored("jail", d.jail)),
        rows.map((d) => clipStored("reason", d.reason)),
        rows.map((d) => clipStored("origin", d.origin)),
        rows.map((d) => clipStored("node", d.node)),
        rows.map((d) => d.startedAt),
        rows.map((d) => d.expiresAt),
        rows.map((d) => d.offense),
      ],
    );
    const top = r.rows[r.rows.length - 1]?.id;
    if (top) await client.query("SELECT pg_notify($1, $2)", [CHANNEL, top]);
    await client.query("COMMIT");
    return r.rows.length;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/**
 * The host name the database knows this login as; undefined for the schema owner. A login that is neither
 * (a role granted access by hand, or not registered yet) could not write: stop with who registers it.
 */
async function whoAmI(client: pg.Client): Promise<string | undefined> {
  const r = await client.query<{ host: string | null; owner: boolean; role: string }>(
    "SELECT rampart_host() AS host, session_user::text AS role, " +
      "pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = 'rampart_decisions'::regclass), 'USAGE') AS owner",
  );
  const row = r.rows[0];
  if (row?.host) return row.host;
  if (row?.owner) return undefined;
  throw new RampartError("PERMISSION", `database role ${row?.role ?? "?"} is not registered as a rampart host`, {
    hint: `the schema owner registers it: rampart guard share-migrate --database <owner URL> --host ${row?.role ?? "<role>"}=<host name>`,
  });
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
