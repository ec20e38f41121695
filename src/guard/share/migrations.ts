// The shared PostgreSQL schema, created and migrated by rampart: an ordered list of migrations, each applied
// once in its own transaction and recorded in `rampart_migrations`. Guards starting at the same time take a
// session advisory lock, so one migrates and the others wait. Append new migrations; never edit an old one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];

/** The subset of a pg client the migrator needs (tests can fake it). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Apply every migration not yet recorded; returns the versions applied now. */
export async function migrate(db: Queryable, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await db.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
  try {
    await db.query(
      "CREATE TABLE IF NOT EXISTS rampart_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set(((await db.query("SELECT version FROM rampart_migrations")).rows as { version: number }[]).map((r) => r.version));
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await db.query("BEGIN");
      try {
        await db.query(m.sql);
        await db.query("INSERT INTO rampart_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await db.query("COMMIT");
      } catch (e) {
        await db.query("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]).catch(() => undefined);
  }
}
