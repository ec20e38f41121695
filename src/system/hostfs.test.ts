import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { HostFs } from "./hostfs.js";

const root = mkdtempSync(path.join(tmpdir(), "rampart-hostfs-"));
after(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(path.join(root, "etc/ssh/sshd_config.d"), { recursive: true });
mkdirSync(path.join(root, "usr/share/conf"), { recursive: true });
writeFileSync(path.join(root, "etc/ssh/sshd_config"), "Port 22\n");
writeFileSync(path.join(root, "usr/share/conf/real.conf"), "inside the image\n");
// an absolute symlink inside the image must resolve inside the image, not on this machine
symlinkSync("/usr/share/conf/real.conf", path.join(root, "etc/ssh/sshd_config.d/linked.conf"));
symlinkSync("/etc/passwd", path.join(root, "etc/escape"));

test("reads target paths under the root", async () => {
  const fs = new HostFs(root);
  assert.equal(fs.live, false);
  assert.equal(await fs.readText("/etc/ssh/sshd_config"), "Port 22\n");
  assert.equal(await fs.readTextIfExists("/etc/nothing"), undefined);
  assert.deepEqual(await fs.list("/etc/ssh/sshd_config.d"), ["linked.conf"]);
  assert.deepEqual(await fs.list("/nope"), []);
});

test("absolute symlinks stay inside the root", async () => {
  const fs = new HostFs(root);
  assert.equal(await fs.readText("/etc/ssh/sshd_config.d/linked.conf"), "inside the image\n");
  // /etc/escape -> /etc/passwd of the IMAGE (which does not exist), never this machine's
  assert.equal(await fs.readTextIfExists("/etc/escape"), undefined);
  assert.equal(await fs.readTextIfExists("/../../etc/passwd"), undefined);
});

test("writeAtomic keeps the mode and leaves no temp file", async () => {
  const fs = new HostFs(root);
  await fs.writeAtomic("/etc/rampart/policy.yaml", "a: 1\n", { mode: 0o600 });
  const p = path.join(root, "etc/rampart/policy.yaml");
  assert.equal(readFileSync(p, "utf8"), "a: 1\n");
  assert.equal(statSync(p).mode & 0o777, 0o600);
  await fs.writeAtomic("/etc/rampart/policy.yaml", "a: 2\n");
  assert.equal(statSync(p).mode & 0o777, 0o600, "mode preserved on rewrite");
  assert.deepEqual(await fs.list("/etc/rampart"), ["policy.yaml"]);
});

test("remove deletes a symlink, never what it points to", async () => {
  const fs = new HostFs(root);
  symlinkSync("/usr/share/conf/real.conf", path.join(root, "etc/link-to-remove"));
  await fs.remove("/etc/link-to-remove");
  assert.equal(await fs.lstat("/etc/link-to-remove"), undefined);
  assert.equal(await fs.readText("/usr/share/conf/real.conf"), "inside the image\n");
});
