// The shared PostgreSQL schema, created and migrated by rampart: an ordered list of migrations, each applied
// once in its own transaction and recorded in `rampart_migrations`. Guards starting at the same time take a
// session advisory lock, so one migrates and the others wait. Append new migrations; never edit an old one.
// Only the schema's owner can migrate: a guard connected as a host role (least privilege, see migration 2)
// reads the recorded versions and, when nothing is pending, runs no CREATE/ALTER at all; when something is
// pending it stops with the command the owner runs — unless all that is pending is optional (hardening the
// guards work without): then it goes on and says the same in its log.
import { RampartError } from "../../core/errors.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Why guards work without it (a constraint that only hardens the schema): a guard logged in as a host role
   * that cannot apply it goes on and says who should, instead of stopping the fleet share until the owner
   * migrates. Only when every migration still pending is optional.
   */
  optional?: string;
}

/** The channel every guard LISTENs on; the payload is the newest decision id (a hint: readers query by id). */
export const CHANNEL = "rampart_decisions";
/** Advisory lock keys (arbitrary, fixed): migrations, and the insert lock that keeps ids in commit order. */
export const MIGRATE_LOCK = 0x72616d70; // "ramp"
export const INSERT_LOCK = 0x72616d71;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "decisions",
    sql: `
      CREATE TABLE rampart_decisions (
        id       bigserial PRIMARY KEY,
        uid      text NOT NULL UNIQUE,
        action   text NOT NULL CHECK (action IN ('ban', 'unban')),
        target   text NOT NULL,
        jail     text NOT NULL,
        reason   text NOT NULL,
        origin   text NOT NULL,
        node     text NOT NULL,
        started  timestamptz NOT NULL,
        expires  timestamptz NOT NULL,
        offense  integer NOT NULL DEFAULT 1,
        created  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX rampart_decisions_expires ON rampart_decisions (expires) WHERE action = 'ban';
    `,
  },
  {
    // A host writes only in its own name. Each host logs in with its own role, mapped to its host name in
    // rampart_hosts (managed by the owner through rampart_grant_host). A BEFORE INSERT trigger fills `writer`
    // from the login (session_user: a host cannot change it, SET ROLE changes current_user only), refuses a row
    // whose origin is not that host, and prefixes the uid with the host (no host can take another's uids
    // first, which ON CONFLICT DO NOTHING would otherwise turn into a silently dropped decision). Row-level
    // security: everyone reads, a host inserts only rows whose writer is itself, and with no UPDATE or DELETE
    // policy no host can change or remove any row, even if granted the privilege — rows are append-only for
    // hosts (an unban is a new row); only the owner (who bypasses RLS) prunes. Rows written by the owner role
    // itself (fleets that share one login) and rows from before this migration have writer NULL: their origin
    // is only a claim, and receivers treat it so (see accept.ts).
    version: 2,
    name: "host roles",
    sql: `
      ALTER TABLE rampart_decisions ADD COLUMN writer text;
      CREATE TABLE rampart_hosts (
        role  name PRIMARY KEY,
        host  text NOT NULL UNIQUE CHECK (host ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$'),
        added timestamptz NOT NULL DEFAULT now()
      );
      REVOKE ALL ON rampart_hosts FROM PUBLIC;

      CREATE FUNCTION rampart_host() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
        AS $$ SELECT host FROM rampart_hosts WHERE role = session_user $$;

      CREATE FUNCTION rampart_decisions_writer() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      DECLARE
        h text;
      BEGIN
        -- the lookup inline, not through rampart_host(): a nested SECURITY DEFINER call per row costs more
        SELECT host INTO h FROM rampart_hosts WHERE role = session_user;
        IF h IS NULL THEN
          -- the owner (or a member of it): trusted to write, but its rows name no authenticated host
          IF NOT pg_has_role(session_user, current_user, 'USAGE') THEN
            RAISE EXCEPTION 'role % is not a rampart host', session_user USING ERRCODE = '42501',
              HINT = 'the schema owner registers it: SELECT rampart_grant_host(''<role>'', ''<host name>'')';
          END IF;
          NEW.writer := NULL;
        ELSE
          IF NEW.origin IS DISTINCT FROM h THEN
            RAISE EXCEPTION 'role % writes decisions as host %, not as %', session_user, h, NEW.origin USING ERRCODE = '42501';
          END IF;
          NEW.writer := h;
          NEW.uid := h || '/' || NEW.uid;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER rampart_decisions_writer BEFORE INSERT ON rampart_decisions
        FOR EACH ROW EXECUTE FUNCTION rampart_decisions_writer();

      ALTER TABLE rampart_decisions ENABLE ROW LEVEL SECURITY;
      -- (SELECT rampart_host()): evaluated once per statement, not once per row
      CREATE POLICY rampart_read ON rampart_decisions FOR SELECT USING (true);
      CREATE POLICY rampart_append ON rampart_decisions FOR INSERT WITH CHECK (writer IS NOT DISTINCT FROM (SELECT rampart_host()));

      -- the owner registers a host's role (created beforehand: CREATE ROLE … LOGIN PASSWORD …) and grants it
      -- the least it needs: read the decisions and the schema version, append decisions (never writer or id)
      CREATE FUNCTION rampart_grant_host(r name, h text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO rampart_hosts (role, host) VALUES (r, h) ON CONFLICT (role) DO UPDATE SET host = excluded.host;
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), r);
        EXECUTE format('GRANT SELECT ON rampart_decisions, rampart_migrations TO %I', r);
        EXECUTE format('GRANT INSERT (uid, action, target, jail, reason, origin, node, started, expires, offense) ON rampart_decisions TO %I', r);
        EXECUTE format('GRANT USAGE ON SEQUENCE rampart_decisions_id_seq TO %I', r);
      END $$;
      CREATE FUNCTION rampart_revoke_host(r name) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM rampart_hosts WHERE role = r;
        EXECUTE format('REVOKE ALL ON rampart_decisions, rampart_migrations FROM %I', r);
        EXECUTE format('REVOKE ALL ON SEQUENCE rampart_decisions_id_seq FROM %I', r);
      END $$;
      REVOKE ALL ON FUNCTION rampart_grant_host(name, text), rampart_revoke_host(name) FROM PUBLIC;

      -- SECURITY DEFINER functions resolve names in this schema only (never a schema a caller controls)
      DO $$ BEGIN
        EXECUTE format('ALTER FUNCTION rampart_host() SET search_path = pg_catalog, %I, pg_temp', current_schema());
        EXECUTE format('ALTER FUNCTION rampart_decisions_writer() SET search_path = pg_catalog, %I, pg_temp', current_schema());
      END $$;
    `,
  },
  {
    // Text columns have a bound (the numbers are limits.ts's TEXT.*.stored), so one row cannot be megabytes.
    // NOT VALID: the constraint holds for every new row, and rows already there are not checked — a database
    // holding an oversize row (written before this migration) still migrates, and the ALTER skips the table
    // scan (a brief lock only); readers never fetch more than TEXT.*.read of any row anyway (postgres.ts).
    // Optional: a guard whose host role cannot add it goes on sharing (and says the owner should migrate).
    version: 3,
    name: "text bounds",
    optional: "receivers bound what they read themselves; until the owner migrates, the database still takes oversize rows",
    sql: `
      ALTER TABLE rampart_decisions ADD CONSTRAINT rampart_decisions_text_bounds CHECK (
        char_length(uid) <= 200 AND char_length(target) <= 100 AND char_length(jail) <= 100
        AND char_length(reason) <= 1000 AND char_length(origin) <= 255 AND char_length(node) <= 100
      ) NOT VALID;
    `,
  },
];

/** The subset of a pg client the migrator needs (tests can fake it). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The owner's command that migrates (named in the error a host role gets when the schema is behind). */
export const MIGRATE_HINT =
  "the schema owner migrates it once: rampart guard share-migrate --database postgres://<owner>@<host>/<db> --credentials <file>";

/**
 * Apply every migration not yet recorded; returns the versions applied now. Up to date = reads only. With
 * `skipped` (a guard), optional migrations this login may not apply are left for the owner and reported there.
 */
export async function migrate(
  db: Queryable,
  migrations: readonly Migration[] = MIGRATIONS,
  skipped?: (m: Migration, error: Error) => void,
): Promise<number[]> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  if (pendingOf(ordered, await recorded(db)).length === 0) return [];
  await db.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
  try {
    let done = await recorded(db);
    if (done === undefined) {
      await createLedger(db);
      done = new Set();
    }
    const applied: number[] = [];
    const pending = pendingOf(ordered, done);
    for (const [i, m] of pending.entries()) {
      await db.query("BEGIN");
      try {
        await db.query(m.sql);
        await db.query("INSERT INTO rampart_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await db.query("COMMIT");
      } catch (e) {
        await db.query("ROLLBACK").catch(() => undefined);
        const error = migrationError(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, e);
        const rest = pending.slice(i);
        if (skipped && error instanceof RampartError && error.code === "PERMISSION" && rest.every((x) => x.optional)) {
          for (const x of rest) skipped(x, error);
          break;
        }
        throw error;
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]).catch(() => undefined);
  }
}

/** The versions recorded, or undefined when there is no ledger yet (a new database). */
async function recorded(db: Queryable): Promise<Set<number> | undefined> {
  const present = (await db.query("SELECT to_regclass('rampart_migrations') IS NOT NULL AS present")).rows[0] as { present: boolean };
  if (!present.present) return undefined;
  return new Set(((await db.query("SELECT version FROM rampart_migrations")).rows as { version: number }[]).map((r) => r.version));
}

function pendingOf(ordered: readonly Migration[], done: Set<number> | undefined): Migration[] {
  return ordered.filter((m) => !done?.has(m.version));
}

async function createLedger(db: Queryable): Promise<void> {
  try {
    await db.query(
      "CREATE TABLE IF NOT EXISTS rampart_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
    );
  } catch (e) {
    throw migrationError(`the fleet schema does not exist and cannot be created here: ${(e as Error).message}`, e);
  }
}

/** A host role lacks the privilege to migrate (SQLSTATE 42501, or "must be owner"): say who can. */
function migrationError(message: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  if (code === "42501" || /must be owner|permission denied/.test((e as Error).message))
    return new RampartError("PERMISSION", message, { hint: MIGRATE_HINT });
  return new Error(message);
}
