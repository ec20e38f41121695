// Host key sizes read from the .pub blob agree with the real `ssh-keygen -l` on keys it generates (every type
// and several sizes) and on this machine's host keys; what the reader does not know is left to ssh-keygen.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseKeygenLine } from "../../src/audit/checks/ssh/hostkey-size.js";
import { publicKeySize } from "../../src/audit/checks/ssh/pubkey-size.js";

const KEYGEN = ["/usr/bin/ssh-keygen", "/bin/ssh-keygen"].find((p) => existsSync(p));

function keygenSize(pub: string) {
  const r = spawnSync(KEYGEN as string, ["-l", "-f", "-"], { input: pub, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return parseKeygenLine(r.stdout);
}

test("the same type and bits as ssh-keygen -l for generated keys of every type", {
  skip: KEYGEN ? false : "ssh-keygen is not installed",
  timeout: 120_000,
}, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "rampart-pubkey-"));
  try {
    const kinds: [string, string | undefined][] = [
      ["rsa", "1024"],
      ["rsa", "2048"],
      ["rsa", "3072"],
      ["rsa", "2047"], // a modulus whose top byte is not full
      ["ecdsa", "256"],
      ["ecdsa", "384"],
      ["ecdsa", "521"],
      ["ed25519", undefined],
      ["dsa", undefined],
    ];
    let compared = 0;
    for (const [type, bits] of kinds) {
      const file = path.join(dir, `${type}${bits ?? ""}`);
      const g = spawnSync(KEYGEN as string, ["-q", "-t", type, ...(bits ? ["-b", bits] : []), "-N", "", "-f", file]);
      if (g.status !== 0) continue; // an OpenSSH built without DSA
      const pub = await readFile(`${file}.pub`, "utf8");
      assert.deepEqual(publicKeySize(pub), keygenSize(pub), `${type} ${bits ?? ""}`);
      compared++;
    }
    assert.ok(compared >= 8, `${compared} key types compared`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("this machine's host keys: the same as ssh-keygen -l", {
  skip: KEYGEN && existsSync("/etc/ssh") ? false : "no ssh-keygen or /etc/ssh",
}, () => {
  const pubs = readdirSync("/etc/ssh").filter((n) => /^ssh_host_.*_key\.pub$/.test(n));
  for (const n of pubs) {
    const pub = readFileSync(`/etc/ssh/${n}`, "utf8");
    assert.deepEqual(publicKeySize(pub), keygenSize(pub), n);
  }
});

test("what the reader does not know or cannot parse: undefined (ssh-keygen is asked)", () => {
  const ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ root@x";
  assert.deepEqual(publicKeySize(ed), { bits: 256, type: "ED25519" });
  const blob = Buffer.from(ed.split(" ")[1] as string, "base64");
  const b64 = (b: Buffer) => b.toString("base64");
  for (const [why, line] of [
    ["not a key", "not a key"],
    ["the named type is not the blob's", `ssh-rsa ${b64(blob)}`],
    ["bytes after the key", `ssh-ed25519 ${b64(Buffer.concat([blob, Buffer.from([0])]))}`],
    ["cut short", `ssh-ed25519 ${b64(blob.subarray(0, blob.length - 1))}`],
    ["a certificate", "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29t"],
    ["a security key", "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t"],
  ] as const)
    assert.equal(publicKeySize(line), undefined, why);
});
