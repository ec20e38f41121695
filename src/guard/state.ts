// The guard's durable state in SQLite (/var/lib/rampart/state.db): active bans (so they are restored into
// the kernel at start, with their offence count for the repeat-offender rule), quarantined rows (kept, never
// loaded), and where each log source stopped reading (file offset + inode + a hash of the file's first line,
// or journald cursor) so a restart neither misses nor recounts lines. The schema grows by columns added when
// missing (addColumn): a file written by an earlier release opens, its rows read as they were meant.
// A ban is committed here BEFORE it goes to the kernel: a crash at any point loses no ban (start-up
// restores what is committed). A corrupt database is moved aside with a clear message and the daemon
// starts fresh rather than dying (the kernel still holds the bans, with their timeouts).
// Cost, because the daemon writes here once per chunk of log during a flood: statements are compiled once;
// new bans are appended to `ban_log` (a rowid table: an append touches its last page) in the chunk's
// transaction and folded into `bans` (keyed by target: each insert touches a page at random, and each commit
// rewrote those pages into the WAL) in one sorted pass when the daemon is not reading a flood and the log
// holds FOLD_ROWS rows (tidy), when it holds FOLD_ROWS_MAX, or before any read of `bans` — the same
// durability, a fraction of the page writes. What `guard status` asks (bans in force,
// quarantined rows) is answered from memory: every change made here is told to an in-memory index
// (expiries.ts), so a status poll runs no SQL.
import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { privateDirSync, privateFileSync } from "../system/private.js";
import type { Logger } from "../core/logger.js";
import { RampartError } from "../core/errors.js";
import { Expiries } from "./expiries.js";

/** quick_check found damage */
class Damaged extends Error {}

/** Did opening fail because the file is damaged or not a database (not for a full disk, I/O or a lock)? */
function damaged(e: unknown): boolean {
  if (e instanceof Damaged) return true;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB");
}

export const STATE_DB = "/var/lib/rampart/state.db";

export interface BanRecord {
  /** address or CIDR, canonical text */
  target: string;
  jail: string;
  reason: string;
  /** host that decided it ("local" here; fleet sharing fills in others) */
  origin: string;
  /** ms since epoch */
  startedAt: number;
  expiresAt: number;
  /** 1 for a first ban, n for the n-th ban of this target (repeat offenders) */
  offense: number;
}

export interface SourcePosition {
  key: string;
  inode?: number;
  offset?: number;
  /**
   * sha256 (hex) of the file's first line when the position was saved (see sources/file.ts): the same inode
   * with another first line is another content (emptied in place and written again), not where we stopped.
   * Absent in rows of earlier releases and while the first line was not complete: inode and offset alone.
   */
  head?: string;
  cursor?: string;
}

const HEAD_HASH = /^[0-9a-f]{64}$/;

/** A bans row as a BanRecord (column names aliased to the record's). */
const BAN_COLUMNS = "target, jail, reason, origin, started AS startedAt, expires AS expiresAt, offense";

/**
 * ban_log rows from which tidy() folds them into `bans`. The daemon calls tidy() only when it is not reading
 * a flood: a fold is one synchronous block that grows with the table (4096 rows into 20,000: 15–35 ms on a
 * busy 2-core machine), and every ban decided meanwhile waits for it — inside a flood of 22,000 bans, five
 * such folds set the p99 of line-to-ban latency.
 */
const FOLD_ROWS = 4096;
/** ban_log rows at which addBans folds whatever the daemon is doing: the log stays bounded */
const FOLD_ROWS_MAX = 65_536;

const UPSERT_SET =
  "ON CONFLICT(target) DO UPDATE SET jail=excluded.jail, reason=excluded.reason, origin=excluded.origin, started=excluded.started, " +
  "expires=max(expires, excluded.expires), offense=max(offense, excluded.offense), problem=NULL";

export class GuardState {
  /** prepared statements, compiled once (the daemon writes bans once per chunk of log during a flood) */
  private readonly stmts = new Map<string, Database.Statement>();
  private q(sql: string): Database.Statement {
    let st = this.stmts.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  /** the rows not quarantined, by end: how many bans are in force, without SQL */
  private readonly expiries = new Expiries();
  /** targets of the quarantined rows (usually none: then `guard status` reads nothing for them) */
  private readonly quarantinedTargets = new Set<unknown>();
  private readonly inTransaction: (fn: () => void) => void;
  /** rows in ban_log, not yet folded into bans */
  private logRows = 0;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {
    this.inTransaction = db.transaction((fn: () => void) => fn());
    this.reload();
  }

  /** The in-memory index from the rows (at open, after a rolled-back transaction, when the clock steps back). */
  private reload(): void {
    this.logRows = (this.q("SELECT count(*) AS n FROM ban_log").get() as { n: number }).n;
    this.fold();
    const rows = this.q("SELECT target, expires, problem IS NOT NULL AS q FROM bans").all() as {
      target: unknown;
      expires: unknown;
      q: number;
    }[];
    this.quarantinedTargets.clear();
    for (const r of rows) if (r.q) this.quarantinedTargets.add(r.target);
    this.expiries.load(rows.filter((r) => !r.q).map((r) => [r.target, endOf(r.expires)]));
  }

  /**
   * Open or create. A file SQLite says is damaged (or not a database) is moved aside (reported through log)
   * and a fresh one created; any other failure (a full disk, an I/O error, a lock) is an error that leaves
   * the file as it is — moving a sound file aside would forget every ban in it.
   */
  static open(file: string, log: Logger): GuardState {
    // 0700/0600 whatever existed before: the state holds who was banned and the fleet's outbox. The
    // directory is made private when it is rampart's own (/var/lib/rampart, or one created here); a directory
    // named by `--state` that holds other things (/tmp/x) keeps its mode — only the files are rampart's
    const dir = path.dirname(file);
    if (!existsSync(dir) || path.basename(dir) === "rampart") privateDirSync(dir);
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      const state = new GuardState(GuardState.init(db), file);
      privateFileSync(file);
      return state;
    } catch (e) {
      db?.close();
      if (!existsSync(file)) throw e;
      if (!damaged(e)) {
        throw new RampartError("STATE", `cannot open the guard state ${file}: ${(e as Error).message}`, {
          hint: "the file is left as it is: free disk space or fix the error, then start the guard again",
        });
      }
      const aside = `${file}.corrupt-${Date.now()}`;
      renameSync(file, aside);
      for (const suffix of ["-wal", "-shm"]) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
      log.error(`guard state ${file} was unreadable (${(e as Error).message}); moved to ${aside}, starting with empty state`, {
        hint: "bans already in the kernel keep their timeouts; inspect the old file with sqlite3",
      });
      const fresh = new GuardState(GuardState.init(new Database(file)), file);
      privateFileSync(file);
      return fresh;
    }
  }

  private static init(db: Database.Database): Database.Database {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const ok = db.pragma("quick_check", { simple: true });
    if (ok !== "ok") throw new Damaged(`quick_check: ${String(ok)}`);
    db.exec(`
      CREATE TABLE IF NOT EXISTS bans (target TEXT PRIMARY KEY, jail TEXT NOT NULL, reason TEXT NOT NULL, origin TEXT NOT NULL,
        started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS sources (key TEXT PRIMARY KEY, inode INTEGER, offset INTEGER, cursor TEXT) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ban_log (seq INTEGER PRIMARY KEY, target TEXT NOT NULL, jail TEXT NOT NULL, reason TEXT NOT NULL,
        origin TEXT NOT NULL, started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL);
    `);
    // a quarantined ban (the gate or the kernel refused it) keeps its row, with why, and is never loaded
    addColumn(db, "bans", "problem");
    // the first line's hash of a file source (rows saved before it existed have NULL: inode and offset alone)
    addColumn(db, "sources", "head");
    db.exec("CREATE INDEX IF NOT EXISTS bans_problem ON bans (problem) WHERE problem IS NOT NULL");
    return db;
  }

  /**
   * Record bans (one transaction, or part of the caller's); a target already banned is replaced (a longer ban
   * wins). Appended to ban_log; the end counted is the later of the new one and the one in force, which is
   * the row's end after the fold — except for a quarantined row (its end is not in memory): then the log is
   * folded and the ban written to `bans` at once, and SQL says the end.
   */
  addBans(bans: BanRecord[]): void {
    if (bans.length === 0) return;
    this.transaction(() => {
      if (bans.some((b) => this.quarantinedTargets.has(b.target))) {
        this.fold();
        const put = this.q(
          `INSERT INTO bans (target, jail, reason, origin, started, expires, offense) VALUES (?, ?, ?, ?, ?, ?, ?) ${UPSERT_SET} RETURNING expires`,
        );
        for (const b of bans) {
          const row = put.get(b.target, b.jail, b.reason, b.origin, b.startedAt, b.expiresAt, b.offense) as { expires: unknown };
          this.quarantinedTargets.delete(b.target);
          this.expiries.set(b.target, endOf(row.expires));
        }
        return;
      }
      // positional parameters: binding by name costs a property lookup per column
      const append = this.q("INSERT INTO ban_log (target, jail, reason, origin, started, expires, offense) VALUES (?, ?, ?, ?, ?, ?, ?)");
      for (const b of bans) {
        append.run(b.target, b.jail, b.reason, b.origin, b.startedAt, b.expiresAt, b.offense);
        this.expiries.set(b.target, Math.max(this.expiries.end(b.target) ?? Number.NEGATIVE_INFINITY, endOf(b.expiresAt)));
      }
      this.logRows += bans.length;
      if (this.logRows >= FOLD_ROWS_MAX) this.fold();
    });
  }

  /** Fold ban_log into bans if it holds FOLD_ROWS rows or more (the daemon calls it when no flood is read). */
  tidy(): void {
    if (this.logRows >= FOLD_ROWS) this.fold();
  }

  /** ban_log into bans, in the order written (one sorted pass), in one transaction or the caller's. */
  private fold(): void {
    if (this.logRows === 0) return;
    this.inTransaction(() => {
      const rows = this.q(
        "INSERT INTO bans (target, jail, reason, origin, started, expires, offense) " +
          `SELECT target, jail, reason, origin, started, expires, offense FROM ban_log WHERE true ORDER BY seq ${UPSERT_SET} RETURNING target, expires`,
      ).all() as { target: unknown; expires: unknown }[];
      this.q("DELETE FROM ban_log").run();
      for (const r of rows) {
        this.quarantinedTargets.delete(r.target);
        this.expiries.set(r.target, endOf(r.expires));
      }
    });
    this.logRows = 0;
  }

  removeBans(targets: string[]): number {
    this.fold();
    const del = this.q("DELETE FROM bans WHERE target = ?");
    let n = 0;
    this.transaction(() => {
      for (const t of targets) {
        n += del.run(t).changes;
        this.forget(t);
      }
    });
    return n;
  }

  removeAllBans(): string[] {
    this.fold();
    const all = (this.q("SELECT target FROM bans").all() as { target: string }[]).map((r) => r.target);
    this.db.exec("DELETE FROM bans; DELETE FROM ban_log");
    this.reload();
    return all;
  }

  /** A row is gone: out of the in-memory index. */
  private forget(target: unknown): void {
    this.expiries.delete(target);
    this.quarantinedTargets.delete(target);
  }

  /**
   * Bans still running at `now` and not quarantined (expired rows are deleted on the way). Rows are as
   * stored: a hand-edited or damaged row may hold anything, so callers pass them through the gate.
   */
  activeBans(now: number): BanRecord[] {
    this.fold();
    for (const r of this.q("DELETE FROM bans WHERE expires <= ? RETURNING target").all(now) as { target: unknown }[]) this.forget(r.target);
    return this.q(`SELECT ${BAN_COLUMNS} FROM bans WHERE problem IS NULL ORDER BY started`).all() as BanRecord[];
  }

  /** The running ban of one target, if any (fleet: compare a received ban with the local one). */
  activeBan(target: string, now: number): BanRecord | undefined {
    this.fold();
    return this.q(`SELECT ${BAN_COLUMNS} FROM bans WHERE target = ? AND expires > ? AND problem IS NULL`).get(target, now) as
      | BanRecord
      | undefined;
  }

  /** How many bans in force (not quarantined) each origin holds (fleet: the cap on bans per origin). */
  activeByOrigin(now: number): Map<string, number> {
    this.fold();
    const rows = this.q("SELECT origin, count(*) AS n FROM bans WHERE expires > ? AND problem IS NULL GROUP BY origin").all(now) as {
      origin: unknown;
      n: number;
    }[];
    return new Map(rows.map((r) => [String(r.origin), r.n]));
  }

  /**
   * Run fn in one transaction (a position save and the bans decided before it); nested calls join the
   * outer one. If it fails, SQLite rolls back and the in-memory index is read again from the rows.
   */
  transaction(fn: () => void): void {
    try {
      this.inTransaction(fn);
    } catch (e) {
      if (!this.db.inTransaction) this.reload();
      throw e;
    }
  }

  /** How many bans run at `now` and are not quarantined: from memory (status polls this), exact. */
  activeCount(now: number): number {
    if (!this.expiries.answers(now)) this.reload();
    return this.expiries.count(now);
  }

  /** Keep a ban's row but never load it again: the gate or the kernel refused it (`problem` says why). */
  quarantine(target: string, problem: string): void {
    this.fold();
    if (this.q("UPDATE bans SET problem = ? WHERE target = ?").run(problem, target).changes === 0) return;
    this.expiries.delete(target);
    this.quarantinedTargets.add(target);
  }

  /** Quarantined rows, newest first (for `guard status`; none → no SQL). */
  quarantined(limit = 100): (BanRecord & { problem: string })[] {
    if (this.quarantinedTargets.size === 0) return [];
    this.fold();
    return this.q(`SELECT ${BAN_COLUMNS}, problem FROM bans WHERE problem IS NOT NULL ORDER BY started DESC LIMIT ?`).all(
      limit,
    ) as (BanRecord & {
      problem: string;
    })[];
  }

  quarantinedCount(): number {
    return this.quarantinedTargets.size;
  }

  position(key: string): SourcePosition | undefined {
    const r = this.q("SELECT key, inode, offset, head, cursor FROM sources WHERE key = ?").get(key) as
      | { key: string; inode: number | null; offset: number | null; head: unknown; cursor: string | null }
      | undefined;
    if (!r) return undefined;
    const p: SourcePosition = { key: r.key };
    if (r.inode !== null) p.inode = r.inode;
    if (r.offset !== null) p.offset = r.offset;
    // anything but a hash (a hand-edited row) is no hash: the position is trusted as before there were any
    if (typeof r.head === "string" && HEAD_HASH.test(r.head)) p.head = r.head;
    if (r.cursor !== null) p.cursor = r.cursor;
    return p;
  }

  savePosition(p: SourcePosition): void {
    this.q("INSERT OR REPLACE INTO sources (key, inode, offset, head, cursor) VALUES (?, ?, ?, ?, ?)").run(
      p.key,
      p.inode ?? null,
      p.offset ?? null,
      p.head ?? null,
      p.cursor ?? null,
    );
  }

  close(): void {
    this.db.close();
  }
}

/** A column added to a table created by an earlier release (nullable TEXT: its rows read NULL). */
function addColumn(db: Database.Database, table: "bans" | "sources", column: string): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info(?)").all(table) as { name: string }[];
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} TEXT`);
}

/**
 * A row's end as the SQL comparisons see it: a number is itself; text or a blob (a hand-edited row) sorts
 * after every number in SQLite, so such a row counts as in force until the gate quarantines it.
 */
function endOf(expires: unknown): number {
  return typeof expires === "number" ? expires : typeof expires === "bigint" ? Number(expires) : Number.POSITIVE_INFINITY;
}
