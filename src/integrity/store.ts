// The integrity baseline in SQLite (/var/lib/rampart/integrity.db): one row per file, plus a log of runs
// (init and check, with their counts) that the audit reads to judge how recent the baseline is.
// A corrupt database is moved aside with a clear message, never silently replaced: a baseline that
// vanished without notice would hide exactly the tampering it exists to show.
import { existsSync, renameSync } from "node:fs";
import Database from "better-sqlite3";
import { RampartError } from "../core/errors.js";
import type { Entry } from "./walk.js";

export const INTEGRITY_DB = "/var/lib/rampart/integrity.db";

export interface RunRecord {
  kind: "init" | "check";
  startedAt: number;
  finishedAt: number;
  files: number;
  added: number;
  removed: number;
  changed: number;
  /** differences not made by the package manager */
  local: number;
}

export class BaselineStore {
  private constructor(private readonly db: Database.Database) {}

  /** Open (creating when asked) the database at an on-disk path. */
  static open(file: string, options: { create: boolean; readonly?: boolean }): BaselineStore {
    if (!options.create && !existsSync(file)) {
      throw new RampartError("NOT_FOUND", `no integrity baseline at ${file}`, { hint: "Record one with `rampart integrity init`." });
    }
    let db: Database.Database;
    try {
      db = new Database(file, { fileMustExist: !options.create, readonly: options.readonly === true });
      if (options.readonly) return new BaselineStore(db); // the audit: look, never write
      db.pragma("journal_mode = WAL");
      const ok = db.pragma("quick_check", { simple: true });
      if (ok !== "ok") throw new Error(String(ok));
      db.exec(`
        CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, type TEXT NOT NULL, mode INTEGER NOT NULL, uid INTEGER NOT NULL,
          gid INTEGER NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL, link TEXT, sha256 TEXT) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, started INTEGER NOT NULL, finished INTEGER NOT NULL,
          files INTEGER NOT NULL, added INTEGER NOT NULL, removed INTEGER NOT NULL, changed INTEGER NOT NULL,
          local INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      `);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || /malformed|not a database/i.test((e as Error).message)) {
        const aside = `${file}.corrupt-${Date.now()}`;
        try {
          renameSync(file, aside);
        } catch {}
        throw new RampartError("STATE", `the integrity baseline ${file} is corrupt; it was moved to ${aside}`, {
          hint: "Record a new baseline with `rampart integrity init` once you trust the system's current state.",
          cause: e,
        });
      }
      throw new RampartError("STATE", `cannot open ${file}: ${(e as Error).message}`, { cause: e });
    }
    return new BaselineStore(db);
  }

  /** Replace the whole baseline in one transaction. */
  replace(entries: Entry[], meta: Record<string, string>): void {
    const insert = this.db.prepare(
      "INSERT INTO files (path, type, mode, uid, gid, size, mtime, link, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const setMeta = this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    this.db.transaction(() => {
      this.db.exec("DELETE FROM files; DELETE FROM meta;");
      for (const e of entries) insert.run(e.path, e.type, e.mode, e.uid, e.gid, e.size, e.mtimeMs, e.link ?? null, e.sha256 ?? null);
      for (const [k, v] of Object.entries(meta)) setMeta.run(k, v);
    })();
  }

  entries(): Entry[] {
    type Row = {
      path: string;
      type: Entry["type"];
      mode: number;
      uid: number;
      gid: number;
      size: number;
      mtime: number;
      link: string | null;
      sha256: string | null;
    };
    return (this.db.prepare("SELECT * FROM files ORDER BY path").all() as Row[]).map((r) => {
      const e: Entry = { path: r.path, type: r.type, mode: r.mode, uid: r.uid, gid: r.gid, size: r.size, mtimeMs: r.mtime };
      if (r.link !== null) e.link = r.link;
      if (r.sha256 !== null) e.sha256 = r.sha256;
      return e;
    });
  }

  meta(): Record<string, string> {
    return Object.fromEntries(
      (this.db.prepare("SELECT key, value FROM meta").all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
    );
  }

  recordRun(r: RunRecord): void {
    this.db
      .prepare("INSERT INTO runs (kind, started, finished, files, added, removed, changed, local) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(r.kind, r.startedAt, r.finishedAt, r.files, r.added, r.removed, r.changed, r.local);
  }

  lastRun(kind?: RunRecord["kind"]): RunRecord | undefined {
    const row = (
      kind
        ? this.db.prepare("SELECT * FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 1").get(kind)
        : this.db.prepare("SELECT * FROM runs ORDER BY id DESC LIMIT 1").get()
    ) as
      | {
          kind: RunRecord["kind"];
          started: number;
          finished: number;
          files: number;
          added: number;
          removed: number;
          changed: number;
          local: number;
        }
      | undefined;
    return (
      row && {
        kind: row.kind,
        startedAt: row.started,
        finishedAt: row.finished,
        files: row.files,
        added: row.added,
        removed: row.removed,
        changed: row.changed,
        local: row.local,
      }
    );
  }

  close(): void {
    this.db.close();
  }
}
