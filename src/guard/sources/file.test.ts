// FileSource's read loop on a real file: every line arrives once, whole and in order, across read and slice
// boundaries (lines of all lengths, one longer than the cap); the decoded text handed on stays under V8's
// large-object size (a 256 KiB string per read went to old space and lived until a full GC); a position save
// per MiB read, and every saved position is a line start, so a crash re-reads at most about a MiB.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { FileSource } from "./file.js";
import type { SourcePosition } from "../state.js";

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
