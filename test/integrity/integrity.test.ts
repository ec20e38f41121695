// integrity init/check through the CLI on a tree under --root: exactly the changes made are reported,
// package-manager changes are told apart with dpkg's md5sums, a corrupt baseline is a clear error.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runCli } from "../helpers/cli.js";

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function tree(): string {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-integrity-"));
  made.push(root);
  for (const d of ["etc/ssh", "usr/bin", "usr/sbin", "var/lib/dpkg/info"]) mkdirSync(path.join(root, d), { recursive: true });
  writeFileSync(path.join(root, "etc/hostname"), "web1\n");
  writeFileSync(path.join(root, "etc/ssh/sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\n");
  writeFileSync(path.join(root, "etc/ssh/ssh_host_ed25519_key"), "PRIVATE\n", { mode: 0o600 });
  for (let i = 0; i < 300; i++) writeFileSync(path.join(root, `usr/bin/tool${i}`), `#!/bin/sh\necho ${i}\n`, { mode: 0o755 });
  writeFileSync(path.join(root, "usr/sbin/sshd"), "sshd v1\n", { mode: 0o755 });
  return root;
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");
const args = (root: string) => ["--root", root, "--paths", "/etc,/usr/bin,/usr/sbin"];

test("check reports exactly one changed file in /etc and one added binary", async () => {
  const root = tree();
  const init = await runCli(["integrity", "init", ...args(root), "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(JSON.parse(init.stdout).files, 304);

  const clean = await runCli(["integrity", "check", "--root", root]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /0 added, 0 removed, 0 changed/);

  writeFileSync(path.join(root, "etc/ssh/sshd_config"), "PermitRootLogin yes\n");
  writeFileSync(path.join(root, "usr/bin/backdoor"), "\x7fELF...", { mode: 0o755 });
  const r = await runCli(["integrity", "check", "--root", root, "--json"]);
  assert.equal(r.code, 1, "local changes exit 1");
  const out = JSON.parse(r.stdout) as {
    added: { path: string; by: string }[];
    removed: unknown[];
    changed: { path: string; what: string[]; by: string }[];
  };
  assert.deepEqual(
    out.added.map((d) => [d.path, d.by]),
    [["/usr/bin/backdoor", "local"]],
  );
  assert.deepEqual(out.removed, []);
  assert.deepEqual(
    out.changed.map((d) => [d.path, d.what, d.by]),
    [["/etc/ssh/sshd_config", ["content"], "local"]],
  );
});

test("mode, owner and removal are reported; package updates are told apart", async () => {
  const root = tree();
  assert.equal((await runCli(["integrity", "init", ...args(root)])).code, 0);
  chmodSync(path.join(root, "etc/ssh/ssh_host_ed25519_key"), 0o644);
  rmSync(path.join(root, "usr/bin/tool7"));
  // an upgrade of openssh-server: the new sshd is exactly what dpkg says the package ships
  writeFileSync(path.join(root, "usr/sbin/sshd"), "sshd v2\n");
  writeFileSync(path.join(root, "var/lib/dpkg/info/openssh-server.md5sums"), `${md5("sshd v2\n")}  usr/sbin/sshd\n`);
  const r = await runCli(["integrity", "check", "--root", root, "--json"]);
  const out = JSON.parse(r.stdout) as {
    removed: { path: string }[];
    changed: { path: string; what: string[]; by?: string; package?: string }[];
  };
  assert.deepEqual(
    out.removed.map((d) => d.path),
    ["/usr/bin/tool7"],
  );
  const key = out.changed.find((d) => d.path === "/etc/ssh/ssh_host_ed25519_key");
  assert.deepEqual(key?.what, ["mode"]);
  const sshd = out.changed.find((d) => d.path === "/usr/sbin/sshd");
  assert.equal(sshd?.by, "package");
  assert.equal(sshd?.package, "openssh-server");
  const text = await runCli(["integrity", "check", "--root", root]);
  assert.match(text.stdout, /~ \/etc\/ssh\/ssh_host_ed25519_key \(mode\) 600 → 644/);
  assert.match(text.stdout, /\[package openssh-server\]/);
});

test("no baseline, and a corrupt baseline, are clear errors that lose nothing", async () => {
  const root = tree();
  const none = await runCli(["integrity", "check", "--root", root]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no integrity baseline[\s\S]*rampart integrity init/);

  mkdirSync(path.join(root, "var/lib/rampart"), { recursive: true });
  writeFileSync(path.join(root, "var/lib/rampart/integrity.db"), "this is not sqlite ".repeat(100));
  const bad = await runCli(["integrity", "check", "--root", root]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /is corrupt; it was moved to .*integrity\.db\.corrupt-\d+/);
  const aside = readdirSync(path.join(root, "var/lib/rampart")).filter((n) => n.startsWith("integrity.db.corrupt-"));
  assert.equal(aside.length, 1, "the corrupt file is kept for inspection");
  assert.equal(existsSync(path.join(root, "var/lib/rampart/integrity.db")), false);
});

test("--root never leaves the image: an absolute symlink resolves inside it, a looping one is left out", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-integrity-links-"));
  made.push(root);
  // usr -> /usr points at itself inside the image (on the host it would be the host's /usr);
  // etc -> /image-etc is the image's own directory, written as an absolute link
  mkdirSync(path.join(root, "image-etc"));
  writeFileSync(path.join(root, "image-etc/hostname"), "image\n");
  symlinkSync("/usr", path.join(root, "usr"));
  symlinkSync("/image-etc", path.join(root, "etc"));
  const init = await runCli(["integrity", "init", "--root", root, "--paths", "/etc,/usr/bin", "--json"]);
  assert.equal(init.code, 0, init.stderr);
  assert.equal(JSON.parse(init.stdout).files, 1, "only the image's one file, none of the host's /usr/bin");
  assert.match(init.stderr, /\/usr\/bin left out: too many symlinks/);
  const check = await runCli(["integrity", "check", "--root", root, "--json"]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  writeFileSync(path.join(root, "image-etc/hostname"), "changed\n");
  const changed = JSON.parse((await runCli(["integrity", "check", "--root", root, "--json"])).stdout) as { changed: { path: string }[] };
  assert.deepEqual(
    changed.changed.map((c) => c.path),
    ["/etc/hostname"],
  );
});
