// The state's in-memory answers (bans in force, quarantined rows) against SQL over the same file (bans and
// the not yet folded ban_log): a random
// run of adds (longer and shorter bans of the same target), quarantines, removals, expiry deletions, a
// rolled-back transaction and a clock that steps back — after each step the count status shows must be the
// count a second connection reads from the rows. And a status poll must run no SQL at all.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { RampartError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { type BanRecord, GuardState } from "./state.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-state-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A small deterministic generator (the run is the same every time; a failure names its step). */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const ban = (target: string, now: number, seconds: number): BanRecord => ({
  target,
  jail: "sshd",
  reason: "test",
  origin: "local",
  startedAt: now,
  expiresAt: now + seconds * 1000,
  offense: 1,
});

test("bans in force and quarantined rows are counted in memory, exactly as SQL counts the rows", () => {
  const file = path.join(dir, "count.db");
  const state = GuardState.open(file, silentLogger);
  const sql = new Database(file, { readonly: true });
  // the rows as they are once ban_log is folded into bans: a logged ban lifts a quarantine, the later end wins
  const rows = `WITH l AS (SELECT target, max(expires) AS e FROM ban_log GROUP BY target),
    u AS (SELECT b.target, max(b.expires, coalesce(l.e, b.expires)) AS e, CASE WHEN l.target IS NULL THEN b.problem END AS p
            FROM bans b LEFT JOIN l USING (target)
          UNION ALL SELECT target, e, NULL FROM l WHERE target NOT IN (SELECT target FROM bans))`;
  const inForce = (now: number) =>
    (sql.prepare(`${rows} SELECT count(*) AS n FROM u WHERE e > ? AND p IS NULL`).get(now) as { n: number }).n;
  const quarantined = () => (sql.prepare(`${rows} SELECT count(*) AS n FROM u WHERE p IS NOT NULL`).get() as { n: number }).n;
  const r = rng(13);
  let now = 1_700_000_000_000;
  const target = () => `198.51.100.${Math.floor(r() * 40)}`;
  try {
    for (let step = 0; step < 3000; step++) {
      const op = r();
      if (op < 0.45) state.addBans([ban(target(), now, 1 + Math.floor(r() * 120)), ban(target(), now, 1 + Math.floor(r() * 5))]);
      else if (op < 0.55) state.quarantine(target(), "refused");
      else if (op < 0.6) state.removeBans([target()]);
      else if (op < 0.63) state.activeBans(now);
      else if (op < 0.65) {
        // a transaction that fails after its writes: SQLite rolls back, the count must too
        assert.throws(() =>
          state.transaction(() => {
            state.addBans([ban("203.0.113.1", now, 600)]);
            throw new Error("disk full");
          }),
        );
      } else if (op < 0.66)
        now -= Math.floor(r() * 60_000); // the clock steps back
      else now += Math.floor(r() * 4000);
      assert.equal(state.activeCount(now), inForce(now), `step ${step}: bans in force`);
      assert.equal(state.quarantinedCount(), quarantined(), `step ${step}: quarantined rows`);
      assert.equal(state.quarantined(1000).length, quarantined(), `step ${step}: quarantined list`);
    }
    state.removeAllBans();
    assert.equal(state.activeCount(now), 0);
    assert.equal(state.quarantinedCount(), 0);
  } finally {
    sql.close();
    state.close();
  }
});

test("a reopened state counts what the file holds, hand-edited rows included", () => {
  const file = path.join(dir, "reopen.db");
  const now = Date.now();
  const state = GuardState.open(file, silentLogger);
  state.addBans([ban("198.51.100.1", now, 600), ban("198.51.100.2", now, 600), ban("198.51.100.3", now, -10)]);
  state.quarantine("198.51.100.2", "refused");
  state.close();
  const db = new Database(file);
  // text sorts after every number in SQLite: such a row is "in force" until the gate quarantines it
  db.prepare(
    "INSERT INTO bans (target, jail, reason, origin, started, expires, offense) VALUES ('x', 'sshd', 'r', 'o', 0, 'soon', 1)",
  ).run();
  db.close();
  const again = GuardState.open(file, silentLogger);
  try {
    assert.equal(again.activeCount(now), 2);
    assert.equal(again.quarantinedCount(), 1);
  } finally {
    again.close();
  }
});

test("a status poll runs no SQL: the count answers with the database closed", () => {
  const state = GuardState.open(path.join(dir, "nosql.db"), silentLogger);
  const now = Date.now();
  state.addBans([ban("198.51.100.1", now, 600), ban("198.51.100.2", now, 1)]);
  state.close();
  assert.equal(state.activeCount(now), 2);
  assert.equal(state.activeCount(now + 1000), 1);
  assert.equal(state.quarantinedCount(), 0);
  assert.deepEqual(state.quarantined(20), []);
});

test("a checkpoint's bans and position are one: what a crash leaves is both or neither", () => {
  const file = path.join(dir, "crash.db");
  const now = Date.now();
  const state = GuardState.open(file, silentLogger);
  assert.throws(() =>
    state.transaction(() => {
      state.addBans([ban("198.51.100.3", now, 600)]);
      state.savePosition({ key: "file:/var/log/auth.log", inode: 7, offset: 131072 });
      throw new Error("killed");
    }),
  );
  // committed last: its bans are still in ban_log, not yet folded, when the process dies
  state.transaction(() => {
    state.addBans([ban("198.51.100.1", now, 600), ban("198.51.100.2", now, 600)]);
    state.savePosition({ key: "file:/var/log/auth.log", inode: 7, offset: 262144 });
  });
  // no close: a second process opens the file as it is (the guard restarted after kill -9)
  const again = GuardState.open(file, silentLogger);
  try {
    assert.deepEqual(
      again.activeBans(now).map((b) => b.target),
      ["198.51.100.1", "198.51.100.2"],
    );
    assert.equal(again.position("file:/var/log/auth.log")?.offset, 262144);
    assert.equal(again.activeCount(now), 2);
  } finally {
    again.close();
    state.close();
  }
});

test("ban_log is folded by tidy() (the daemon's quiet moments), not by a flood's adds — unless it grows past its bound", () => {
  const file = path.join(dir, "fold.db");
  const now = Date.now();
  const state = GuardState.open(file, silentLogger);
  const sql = new Database(file, { readonly: true });
  const logged = () => (sql.prepare("SELECT count(*) AS n FROM ban_log").get() as { n: number }).n;
  try {
    const many = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ban(`10.${(from + i) >> 16}.${((from + i) >> 8) & 255}.${(from + i) & 255}`, now, 600));
    for (let i = 0; i < 10; i++) state.addBans(many(i * 1000, 1000));
    assert.equal(logged(), 10_000, "a flood's adds leave the rows in ban_log");
    assert.equal(state.activeCount(now), 10_000);
    state.tidy();
    assert.equal(logged(), 0, "tidy folds them");
    assert.equal((sql.prepare("SELECT count(*) AS n FROM bans").get() as { n: number }).n, 10_000);
    state.addBans(many(20_000, 100));
    state.tidy();
    assert.equal(logged(), 100, "a short log waits for more");
    state.addBans(many(30_000, 70_000));
    assert.ok(logged() < 65_536, `the log is bounded (${logged()} rows)`);
    assert.equal(state.activeCount(now), 80_100);
  } finally {
    sql.close();
    state.close();
  }
});

test("a state file that cannot be opened for another reason than damage (here: locked) is an error, and stays where it is", async () => {
  const file = path.join(dir, "locked.db");
  const first = GuardState.open(file, silentLogger);
  first.close();
  // another process holds the file (exclusive locking: not even readers): SQLite says SQLITE_BUSY after its
  // 5 s timeout — an error of the moment, not damage
  const holder = new Database(file);
  holder.pragma("locking_mode = EXCLUSIVE");
  holder.exec("BEGIN EXCLUSIVE");
  try {
    const errors: string[] = [];
    const log = { ...silentLogger, error: (m: string) => errors.push(m) } as typeof silentLogger;
    assert.throws(
      () => GuardState.open(file, log),
      (e: unknown) => e instanceof RampartError && e.code === "STATE" && /left as it is/.test(e.hint ?? ""),
    );
    assert.deepEqual(errors, [], "nothing was reported as moved aside");
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith("locked.db.corrupt")),
      [],
      "the file was not moved aside",
    );
  } finally {
    holder.exec("ROLLBACK");
    holder.close();
  }
});

test("a state file of an earlier schema opens: the columns added since read NULL, a hand-edited hash counts as none", () => {
  const file = path.join(dir, "earlier.db");
  const old = new Database(file);
  // the tables as the first releases created them: no `problem` in bans, no `head` (first-line hash) in sources
  old.exec(`
    CREATE TABLE bans (target TEXT PRIMARY KEY, jail TEXT NOT NULL, reason TEXT NOT NULL, origin TEXT NOT NULL,
      started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE sources (key TEXT PRIMARY KEY, inode INTEGER, offset INTEGER, cursor TEXT) WITHOUT ROWID;
  `);
  const now = Date.now();
  old.prepare("INSERT INTO bans VALUES ('198.51.100.9', 'sshd', 'r', 'local', ?, ?, 1)").run(now, now + 600_000);
  old.prepare("INSERT INTO sources VALUES ('file:/var/log/auth.log', 7, 4096, NULL), ('journald:_COMM=sshd', NULL, NULL, 's=abc')").run();
  old.close();
  const state = GuardState.open(file, silentLogger);
  try {
    assert.deepEqual(state.position("file:/var/log/auth.log"), { key: "file:/var/log/auth.log", inode: 7, offset: 4096 });
    assert.deepEqual(state.position("journald:_COMM=sshd"), { key: "journald:_COMM=sshd", cursor: "s=abc" });
    assert.deepEqual(
      state.activeBans(now).map((b) => b.target),
      ["198.51.100.9"],
    );
    const head = "ab".repeat(32);
    state.savePosition({ key: "file:/var/log/auth.log", inode: 7, offset: 8192, head });
    assert.deepEqual(state.position("file:/var/log/auth.log"), { key: "file:/var/log/auth.log", inode: 7, offset: 8192, head });
  } finally {
    state.close();
  }
  const edit = new Database(file);
  edit.prepare("UPDATE sources SET head = ? WHERE key = 'file:/var/log/auth.log'").run("not a hash");
  edit.close();
  const again = GuardState.open(file, silentLogger);
  try {
    assert.deepEqual(again.position("file:/var/log/auth.log"), { key: "file:/var/log/auth.log", inode: 7, offset: 8192 });
  } finally {
    again.close();
  }
});
