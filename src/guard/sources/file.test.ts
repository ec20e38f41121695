// FileSource's read loop on a real file: every line arrives once, whole and in order, across read and slice
// boundaries (lines of all lengths, one longer than the cap); the decoded text handed on stays under V8's
// large-object size (a 256 KiB string per read went to old space and lived until a full GC); a position save
// per MiB read, and every saved position is a line start, so a crash re-reads at most about a MiB.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { createLogger, type Logger, silentLogger } from "../../core/logger.js";
import { GuardState, type SourcePosition } from "../state.js";
import { FileSource } from "./file.js";

const dir = mkdtempSync(path.join(tmpdir(), "rampart-filesource-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("file source: lines whole across reads and slices, small decoded chunks, one line-start save per read", async () => {
  const file = path.join(dir, "auth.log");
  const lines: string[] = [];
  for (let i = 0; lines.join("\n").length < 3 << 20; i++) lines.push(`line ${i} ${"x".repeat((i * 7919) % 3000)} é`);
  lines.splice(500, 0, "L".repeat(40 << 10)); // over the 32 KiB cap: dropped whole
  const text = `${lines.join("\n")}\n`;
  writeFileSync(file, text);
  const bytes = Buffer.from(text);
  const ino = statSync(file).ino;
  const got: string[] = [];
  let tooLong = 0;
  let longest = 0;
  const saves: SourcePosition[] = [];
  const src = new FileSource({ path: file, position: { key: "k", inode: ino, offset: 0 }, savePosition: (p) => saves.push(p) });
  await src.start({
    line: (t, s, e) => {
      longest = Math.max(longest, t.length);
      got.push(t.slice(s, e));
    },
    tooLong: () => tooLong++,
  });
  await src.stop();
  assert.equal(tooLong, 1);
  assert.deepEqual(
    got,
    lines.filter((l) => l.length < 32 << 10),
  );
  assert.ok(longest <= 64 << 10, `a decoded chunk of ${longest} characters`);
  // one save at open, one per MiB read (not one per 256 KiB read: each is a SQLite transaction), and the last
  assert.ok(saves.length <= Math.ceil(bytes.length / (1 << 20)) + 2, `${saves.length} saves`);
  for (const p of saves) assert.ok(p.offset === 0 || bytes[(p.offset as number) - 1] === 10, `save at ${p.offset} is not a line start`);
  // a crash re-reads at most a MiB and a read (a save's offset lags its read by the unfinished line only)
  for (let i = 1; i < saves.length; i++)
    assert.ok(
      (saves[i]?.offset as number) - (saves[i - 1]?.offset as number) <= (1 << 20) + (256 << 10),
      `saves ${i - 1}→${i} too far apart`,
    );
  assert.equal(saves.at(-1)?.offset, bytes.length);
});

test("file source: a FIFO or a directory at the log path is refused without blocking, and the regular file after it is read", async () => {
  for (const kind of ["fifo", "directory"] as const) {
    const file = path.join(dir, `odd-${kind}.log`);
    if (kind === "fifo") execFileSync("mkfifo", [file]);
    else mkdirSync(file);
    const got: string[] = [];
    const src = new FileSource({ path: file, position: undefined, pollMs: 50 });
    await src.start({ line: (t, s, e) => got.push(t.slice(s, e)), tooLong: () => {} });
    assert.equal(src.status().state, "error", kind);
    assert.match(src.status().error ?? "", /not a regular file/, kind);
    // the log comes back as a regular file: read whole (a new file since the source looked)
    rmSync(file, { recursive: true });
    writeFileSync(file, "after\n");
    const end = Date.now() + 5000;
    while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const stopping = src.stop();
    const stopped = await Promise.race([stopping.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    assert.equal(stopped, true, `${kind}: stop() still pending after 3 s`);
    assert.deepEqual(got, ["after"], kind);
  }
});

/** A FileSource on `file` with its position in a real state database, run until it has read what is there. */
async function runOnce(file: string, db: string, log: Logger, whileRunning?: (got: string[]) => Promise<void>): Promise<string[]> {
  const key = `file:${file}`;
  const state = GuardState.open(db, silentLogger);
  const got: string[] = [];
  const src = new FileSource({
    path: file,
    position: state.position(key),
    savePosition: (p) => state.savePosition({ ...p, key }),
    log,
    pollMs: 20,
  });
  try {
    await src.start({ line: (t, s, e) => got.push(t.slice(s, e)), tooLong: () => got.push("(too long)") });
    await whileRunning?.(got);
    await src.stop();
  } finally {
    state.close();
  }
  return got;
}

async function waitFor(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const at = (i: number) => `2026-12-06T19:${String(10 + (i % 50)).padStart(2, "0")}:00.${String(i).padStart(6, "0")}+00:00`;

test("file source: a file emptied in place and written past the saved offset while stopped is read from its start, not mid-line", async () => {
  const file = path.join(dir, "resume.log");
  const db = path.join(dir, "resume.db");
  const logged: string[] = [];
  const log = createLogger({ write: (l) => logged.push(l), color: false });
  writeFileSync(file, "");
  const ino = statSync(file).ino;
  // 1. first run: the lines written while it runs are read; the position (end of file) is saved at the stop
  const first = Array.from({ length: 30 }, (_, i) => `${at(i)} srv sshd[${100 + i}]: Connection closed by 192.0.2.${i} port 22 [preauth]`);
  const got1 = await runOnce(file, db, log, async (got) => {
    appendFileSync(file, `${first.join("\n")}\n`);
    await waitFor("the first lines", () => got.length === first.length);
  });
  assert.deepEqual(got1, first);
  // 2. lines appended while stopped (the usual restart): resumed at the saved offset, nothing read twice
  const appended = [`${at(40)} srv sshd[200]: Connection closed by 192.0.2.200 port 22 [preauth]`];
  appendFileSync(file, `${appended.join("\n")}\n`);
  assert.deepEqual(await runOnce(file, db, log), appended);
  const oldSize = statSync(file).size;
  // 3. copytruncate while stopped (copy, then empty in place: the same inode), then new lines past the old
  // offset; the byte at the old offset is the start of attacker text shaped as a whole sshd failure
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  const real = Array.from(
    { length: 3 },
    (_, i) => `${at(50 + i)} srv sshd[${300 + i}]: Failed password for root from 198.51.100.30 port 22 ssh2`,
  );
  const forged = `${at(60)} srv sshd[1]: Failed password for root from 203.0.113.66 port 22 ssh2`;
  const prefix = `${at(59)} srv sshd[400]: Invalid user `;
  const before = `${real.join("\n")}\n${prefix}`;
  assert.ok(before.length < oldSize, "the old offset lands inside the attacker's line");
  const carrier = `${prefix}${"x".repeat(oldSize - before.length)}${forged} from 198.51.100.31 port 4000`;
  const after = Array.from(
    { length: 40 },
    (_, i) => `${at(70 + i)} srv sshd[${500 + i}]: Failed password for root from 198.51.100.32 port 22 ssh2`,
  );
  const fresh = [...real, carrier, ...after];
  writeFileSync(file, `${fresh.join("\n")}\n`, { flag: "r+" });
  assert.equal(statSync(file).ino, ino, "emptied in place");
  assert.ok(statSync(file).size > oldSize);
  assert.equal(readFileSync(file).subarray(oldSize).toString().startsWith(forged), true, "the forged text starts at the old offset");
  const logsBefore = logged.length;
  const got3 = await runOnce(file, db, log);
  assert.deepEqual(got3, fresh, "every new line read whole, from its start");
  assert.ok(!got3.some((l) => l.startsWith(forged)), "a fragment from the middle of a line was read as a line");
  const notes = logged.slice(logsBefore).filter((l) => /another first line/.test(l));
  assert.equal(notes.length, 1, `one clear log line says why the file is read from its start: ${logged.slice(logsBefore).join("")}`);
  // 4. and the position saved after that resumes as usual: nothing read again
  assert.deepEqual(await runOnce(file, db, log), []);
});

test("file source: a position saved by the previous schema (no first-line hash) is trusted as before, and gains the hash", async () => {
  const file = path.join(dir, "old-schema.log");
  const db = path.join(dir, "old-schema.db");
  const lines = Array.from({ length: 10 }, (_, i) => `${at(i)} srv sshd[${100 + i}]: Connection closed by 192.0.2.${i} port 22 [preauth]`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const offset = Buffer.byteLength(`${lines.slice(0, 6).join("\n")}\n`);
  // the tables as the previous release created them, with the row it saved
  const old = new Database(db);
  old.exec(`
    CREATE TABLE bans (target TEXT PRIMARY KEY, jail TEXT NOT NULL, reason TEXT NOT NULL, origin TEXT NOT NULL,
      started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL, problem TEXT) WITHOUT ROWID;
    CREATE TABLE sources (key TEXT PRIMARY KEY, inode INTEGER, offset INTEGER, cursor TEXT) WITHOUT ROWID;
    CREATE TABLE ban_log (seq INTEGER PRIMARY KEY, target TEXT NOT NULL, jail TEXT NOT NULL, reason TEXT NOT NULL,
      origin TEXT NOT NULL, started INTEGER NOT NULL, expires INTEGER NOT NULL, offense INTEGER NOT NULL);
  `);
  old.prepare("INSERT INTO sources (key, inode, offset, cursor) VALUES (?, ?, ?, NULL)").run(`file:${file}`, statSync(file).ino, offset);
  old.close();
  assert.deepEqual(await runOnce(file, db, silentLogger), lines.slice(6));
  const state = GuardState.open(db, silentLogger);
  try {
    const p = state.position(`file:${file}`);
    assert.equal(p?.offset, statSync(file).size);
    assert.match(p?.head ?? "", /^[0-9a-f]{64}$/, "the position saved now carries the first line's hash");
  } finally {
    state.close();
  }
});
