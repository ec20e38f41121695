// rampart's state files and directories are 0600/0700 whatever existed before (issue #15): a state directory
// that already existed 0755 and the default umask 022 must not leave bans, the fleet outbox, the integrity
// baseline or the blocklist state readable by other users.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { writeState } from "../../src/blocklist/state.js";
import { FakeClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/core/logger.js";
import { GuardState } from "../../src/guard/state.js";
import { integrityInit } from "../../src/integrity/integrity.js";
import { HostFs } from "../../src/system/hostfs.js";
import { privateDirSync } from "../../src/system/private.js";

const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);

test("state.db, blocklists.json and integrity.db are 0600 in a 0700 directory, even when it existed 0755", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-modes-"));
  const old = process.umask(0o022);
  try {
    const dir = path.join(root, "var/lib/rampart");
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    assert.equal(mode(dir), "755");
    const state = GuardState.open(path.join(dir, "state.db"), createLogger({ write: () => {}, level: "error" }));
    state.close();
    assert.equal(mode(dir), "700");
    assert.equal(mode(path.join(dir, "state.db")), "600");

    const fs = new HostFs(root);
    rmSync(dir, { recursive: true });
    mkdirSync(dir, { mode: 0o755 });
    await writeState(fs, { version: 1, lists: {} });
    assert.equal(mode(dir), "700");
    assert.equal(mode(path.join(dir, "blocklists.json")), "600");

    rmSync(dir, { recursive: true });
    mkdirSync(dir, { mode: 0o755 });
    mkdirSync(path.join(root, "etc"));
    await integrityInit({ fs, clock: new FakeClock(0), paths: ["/etc"], exclude: [] });
    assert.equal(mode(dir), "700");
    assert.equal(mode(path.join(dir, "integrity.db")), "600");
  } finally {
    process.umask(old);
    rmSync(root, { recursive: true, force: true });
  }
});

test("a state directory that is a symlink is refused, not followed", () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-modes-"));
  try {
    mkdirSync(path.join(root, "elsewhere"));
    symlinkSync(path.join(root, "elsewhere"), path.join(root, "state"));
    assert.throws(() => privateDirSync(path.join(root, "state")), /is a symlink/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
