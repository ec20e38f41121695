import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { RampartError } from "../core/errors.js";
import { HostFs } from "../system/hostfs.js";
import { backupDir, changedSince, checkId, createBackup, newApplyId, readManifest, recordAfter, restoreFiles } from "./backup.js";

let root: string;
let fs: HostFs;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), "rampart-backup-"));
  fs = new HostFs(root);
  mkdirSync(path.join(root, "etc/ssh"), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const real = (p: string) => path.join(root, p);

test("apply IDs sort by time and are checked", () => {
  const a = newApplyId(Date.UTC(2026, 0, 1, 12, 0, 0));
  assert.match(a, /^20260101T120000Z-[0-9a-f]{4}$/);
  assert.equal(checkId(a), a);
  assert.throws(() => checkId("../../etc"), RampartError);
});

test("backup → change → restore is byte for byte, with mode and owner; new files and dirs are removed", async () => {
  const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 10]);
  writeFileSync(real("etc/ssh/sshd_config"), bytes);
  chmodSync(real("etc/ssh/sshd_config"), 0o640);
  const id = newApplyId(Date.now());
  const m = await createBackup(fs, {
    id,
    parts: ["ssh"],
    files: ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/00-rampart.conf"],
    dirs: ["/etc/ssh/sshd_config.d"],
    kernel: [{ part: "firewall", key: "nft", snapshot: "table inet rampart {}\n" }],
    now: Date.now(),
  });
  assert.equal(m.files[0]?.existed, true);
  assert.equal(m.files[1]?.existed, false);
  assert.equal(statSync(real(`${backupDir(id)}/manifest.json`)).mode & 0o777, 0o600);
  // the apply
  await fs.writeAtomic("/etc/ssh/sshd_config", "Include x\n", { mode: 0o644 });
  await fs.writeAtomic("/etc/ssh/sshd_config.d/00-rampart.conf", "PermitRootLogin no\n");
  const after = await recordAfter(fs, m);
  assert.deepEqual(await changedSince(fs, after), []);
  writeFileSync(real("etc/ssh/sshd_config"), "edited later\n");
  assert.deepEqual(await changedSince(fs, after), ["/etc/ssh/sshd_config"]);
  // the restore
  await restoreFiles(fs, await readManifest(fs, id));
  assert.deepEqual(readFileSync(real("etc/ssh/sshd_config")), bytes);
  assert.equal(statSync(real("etc/ssh/sshd_config")).mode & 0o7777, 0o640);
  assert.equal(existsSync(real("etc/ssh/sshd_config.d/00-rampart.conf")), false);
  assert.equal(existsSync(real("etc/ssh/sshd_config.d")), false);
});

test("restore removes the temp file of a write the killed apply left half done", async () => {
  writeFileSync(real("etc/ssh/sshd_config"), "Port 22\n");
  const id = newApplyId(Date.now());
  await createBackup(fs, {
    id,
    parts: ["ssh"],
    files: ["/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/00-rampart.conf"],
    dirs: [],
    kernel: [],
    now: Date.now(),
  });
  mkdirSync(real("etc/ssh/sshd_config.d"));
  const leftover = real("etc/ssh/sshd_config.d/.00-rampart.conf.rampart-1863-1796539896136");
  writeFileSync(leftover, "half");
  const unrelated = real("etc/ssh/sshd_config.d/.00-rampart.conf.rampart-notours");
  writeFileSync(unrelated, "keep");
  await restoreFiles(fs, await readManifest(fs, id));
  assert.equal(existsSync(leftover), false);
  assert.equal(existsSync(unrelated), true);
  assert.equal(readFileSync(real("etc/ssh/sshd_config"), "utf8"), "Port 22\n");
});

test("a half-written manifest is a clear STATE error and nothing is touched", async () => {
  writeFileSync(real("etc/ssh/sshd_config"), "Port 22\n");
  const id = newApplyId(Date.now());
  await createBackup(fs, { id, parts: ["ssh"], files: ["/etc/ssh/sshd_config"], dirs: [], kernel: [], now: Date.now() });
  const manifest = real(`${backupDir(id)}/manifest.json`);
  const text = readFileSync(manifest, "utf8");
  writeFileSync(manifest, text.slice(0, Math.floor(text.length / 2)));
  writeFileSync(real("etc/ssh/sshd_config"), "Port 2222\n");
  await assert.rejects(readManifest(fs, id), (e: unknown) => {
    assert.ok(e instanceof RampartError);
    assert.equal(e.code, "STATE");
    assert.match(e.message, /damaged: manifest.json is not valid JSON/);
    assert.match(e.hint ?? "", /Nothing was restored.*files/);
    return true;
  });
  assert.equal(readFileSync(real("etc/ssh/sshd_config"), "utf8"), "Port 2222\n");
  // the copy is still there to restore by hand
  assert.equal(readFileSync(real(`${backupDir(id)}/files/0000`), "utf8"), "Port 22\n");
});

test("an altered or missing copy leaves that file as it is and is reported; every other file is restored", async () => {
  for (const f of ["a", "b", "c"]) writeFileSync(real(`etc/${f}`), `${f}\n`);
  const id = newApplyId(Date.now());
  const m = await createBackup(fs, { id, parts: ["x"], files: ["/etc/a", "/etc/b", "/etc/c"], dirs: [], kernel: [], now: Date.now() });
  for (const f of ["a", "b", "c"]) writeFileSync(real(`etc/${f}`), `${f}2\n`);
  writeFileSync(real(`${backupDir(id)}/files/0000`), "tampered\n");
  rmSync(real(`${backupDir(id)}/files/0001`));
  const failed = await restoreFiles(fs, m);
  assert.deepEqual(
    failed.map((f) => f.path),
    ["/etc/a", "/etc/b"],
  );
  assert.match(failed[0]?.why ?? "", /the copy of \/etc\/a \(files\/0000\) does not match its checksum/);
  assert.match(failed[1]?.why ?? "", /the copy of \/etc\/b \(files\/0001\) is missing/);
  assert.equal(readFileSync(real("etc/a"), "utf8"), "a2\n", "never written from a bad copy");
  assert.equal(readFileSync(real("etc/b"), "utf8"), "b2\n");
  assert.equal(readFileSync(real("etc/c"), "utf8"), "c\n", "restored although copies before it are bad");
});

test("a missing backup is NOT_FOUND", async () => {
  await assert.rejects(readManifest(fs, "20260101T000000Z-0000"), (e: unknown) => e instanceof RampartError && e.code === "NOT_FOUND");
});
