// The fleet share's local, durable side in the guard's SQLite state file (its own connection, same file,
// WAL): the outbox of decisions not yet accepted by PostgreSQL, and small key/values (this guard's node id,
// the last decision id received, a first catch-up's progress). A decision enters the outbox in the same
// event-loop turn the daemon commits its ban, and leaves it only after the database committed it: none is
// lost while the database is down, and a resend after a lost acknowledgement is deduplicated by its uid on
// the server.
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import type { Decision, LocalDecision } from "./types.js";

export interface OutboxRow extends Decision {
  seq: number;
}

export class Outbox {
  private readonly db: Database.Database;
  readonly node: string;
  private readonly insert: Database.Statement;
  private readonly count: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS share_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, target TEXT NOT NULL,
        jail TEXT NOT NULL, reason TEXT NOT NULL, origin TEXT NOT NULL, started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS share_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
    let node = this.meta("node");
    if (!node) {
      node = randomUUID();
      this.setMeta("node", node);
    }
    this.node = node;
    this.insert = this.db.prepare(
      "INSERT INTO share_outbox (action, target, jail, reason, origin, started, expires, offense) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.count = this.db.prepare("SELECT count(*) AS n FROM share_outbox");
  }

  /** Queue decisions (one transaction). */
  add(decisions: readonly LocalDecision[]): void {
    this.db.transaction(() => {
      for (const d of decisions) this.insert.run(d.action, d.target, d.jail, d.reason, d.origin, d.startedAt, d.expiresAt, d.offense);
    })();
  }

  /** The oldest queued decisions, in order. */
  peek(limit: number): OutboxRow[] {
    type Row = {
      seq: number;
      action: "ban" | "unban";
      target: string;
      jail: string;
      reason: string;
      origin: string;
      started: number;
      expires: number;
      offense: number;
    };
    return (this.db.prepare("SELECT * FROM share_outbox ORDER BY seq LIMIT ?").all(limit) as Row[]).map((r) => ({
      seq: r.seq,
      uid: `${this.node}:${r.seq}`,
      node: this.node,
      action: r.action,
      target: r.target,
      jail: r.jail,
      reason: r.reason,
      origin: r.origin,
      startedAt: r.started,
      expiresAt: r.expires,
      offense: r.offense,
    }));
  }

  /** Drop what the database accepted (every row up to and including `seq`). */
  ack(seq: number): void {
    this.db.prepare("DELETE FROM share_outbox WHERE seq <= ?").run(seq);
  }

  get size(): number {
    return (this.count.get() as { n: number }).n;
  }

  meta(key: string): string | undefined {
    return (this.db.prepare("SELECT value FROM share_meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO share_meta (key, value) VALUES (?, ?)").run(key, value);
  }

  deleteMeta(key: string): void {
    this.db.prepare("DELETE FROM share_meta WHERE key = ?").run(key);
  }

  close(): void {
    this.db.close();
  }
}
