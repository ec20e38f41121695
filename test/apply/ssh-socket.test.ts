// A port change on a socket-activated sshd (Ubuntu ≥ 22.10): without Ubuntu 24.04's generator, the plan
// writes ssh.socket's ListenStream drop-in; with the generator, it only says the reload picks the port up.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9fexamplekeyexamplekeyexamplekey alice@laptop";

function image(withGenerator: boolean): string {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-sshsock-"));
  for (const d of [
    "etc/ssh/sshd_config.d",
    "etc/rampart",
    "etc/systemd/system/sockets.target.wants",
    "lib/systemd/system",
    "usr/lib/systemd/system-generators",
  ]) {
    mkdirSync(path.join(root, d), { recursive: true });
  }
  writeFileSync(path.join(root, "etc/ssh/sshd_config"), "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\n");
  writeFileSync(path.join(root, "lib/systemd/system/ssh.socket"), "[Socket]\nListenStream=22\n");
  symlinkSync("/lib/systemd/system/ssh.socket", path.join(root, "etc/systemd/system/sockets.target.wants/ssh.socket"));
  if (withGenerator) writeFileSync(path.join(root, "usr/lib/systemd/system-generators/sshd-socket-generator"), "", { mode: 0o755 });
  writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n");
  writeFileSync(path.join(root, "etc/group"), "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n");
  writeFileSync(path.join(root, "etc/rampart/policy.yaml"), `admins: [{ name: alice, keys: ["${KEY}"] }]\nssh: { port: 2222 }\n`);
  return root;
}

test("socket-activated sshd without the generator: the plan writes ssh.socket's drop-in", async () => {
  const root = image(false);
  try {
    const r = await runCli(["plan", "--root", root, "--only", "ssh", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { changes: { kind: string; path?: string; diff?: string }[] };
    const dropIn = plan.changes.find((c) => c.path === "/etc/systemd/system/ssh.socket.d/00-rampart.conf");
    assert.ok(dropIn, r.stdout);
    assert.match(dropIn.diff ?? "", /^\+ListenStream=$/m);
    assert.match(dropIn.diff ?? "", /^\+ListenStream=0\.0\.0\.0:2222$/m);
    assert.match(dropIn.diff ?? "", /^\+ListenStream=\[::\]:2222$/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("socket-activated sshd with Ubuntu 24.04's generator: no drop-in, a note", async () => {
  const root = image(true);
  try {
    const r = await runCli(["plan", "--root", root, "--only", "ssh", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { changes: { path?: string }[]; notes: { message: string }[] };
    assert.equal(
      plan.changes.some((c) => c.path?.includes("ssh.socket.d")),
      false,
    );
    assert.ok(plan.notes.some((n) => /generator/.test(n.message)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
