// --output FILE: a temp file in the target's directory renamed over it; a symlink target is refused, never
// written through (issue #15).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../../test/helpers/cli.js";
import { writeOutputFile } from "./output.js";

test("--output replaces the file by rename (no temp file left) and refuses a symlink target", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-output-"));
  try {
    const victim = path.join(dir, "victim");
    writeFileSync(victim, "precious\n");
    const out = path.join(dir, "report.json");
    symlinkSync(victim, out);
    await assert.rejects(writeOutputFile(out, "report\n"), /is a symlink: refusing to write through it/);
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
    // through the CLI too (exit 1, a refused change)
    const cli = await runCli(["audit", "--root", dir, "--format", "json", "--output", out]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /is a symlink/);
    assert.equal(readFileSync(victim, "utf8"), "precious\n");

    const plain = path.join(dir, "plain.txt");
    writeFileSync(plain, "old\n");
    const inode = statSync(plain).ino;
    await writeOutputFile(plain, "new\n", 0o600);
    assert.equal(readFileSync(plain, "utf8"), "new\n");
    assert.notEqual(statSync(plain).ino, inode, "replaced by rename, not rewritten in place");
    assert.equal((statSync(plain).mode & 0o777).toString(8), "600");
    assert.deepEqual(readdirSync(dir).sort(), ["plain.txt", "report.json", "victim"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
