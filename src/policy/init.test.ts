import assert from "node:assert/strict";
import { test } from "node:test";
import { type InitFacts, parseAuthorizedKeys, renderInitPolicy } from "./init.js";
import { parsePolicy } from "./load.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9fexamplekeyexamplekeyexamplekey alice@laptop";

test("authorized_keys: options stripped, junk skipped", () => {
  const text = `# comment\n\nfrom="203.0.113.0/24",no-pty ${KEY}\nnot a key\nssh-rsa !!!! bad\n`;
  assert.deepEqual(parseAuthorizedKeys(text), [KEY]);
});

test("the generated policy is valid and carries the host's facts", () => {
  const facts: InitFacts = {
    hostname: "web1",
    admin: { name: "alice", how: "SUDO_USER", keys: [KEY], keysSource: "/home/alice/.ssh/authorized_keys" },
    sshPort: 2222,
    sshPortSource: "sshd -T",
    listening: [
      { proto: "tcp", port: 443, address: "0.0.0.0", process: "nginx" },
      { proto: "udp", port: 51820, address: "::" },
    ],
    ownAddresses: ["192.0.2.10", "2001:db8:0:1::10"],
    adminSource: "203.0.113.5",
    notes: [],
  };
  const text = renderInitPolicy(facts, new Date("2026-11-22T00:00:00Z"));
  const r = parsePolicy(text, "init.yaml");
  assert.deepEqual(r.errors, []);
  const p = r.policy;
  assert.ok(p);
  assert.equal(p.admins[0]?.name, "alice");
  assert.deepEqual(p.admins[0]?.keys, [KEY]);
  assert.equal(p.ssh.port, 2222);
  assert.deepEqual(p.ssh.allowUsers, ["alice"]);
  assert.deepEqual(p.firewall.inbound[0]?.ports, [2222]);
  assert.ok(p.guard.ignore.includes("203.0.113.5"));
  assert.ok(p.guard.ignore.includes("2001:db8:0:1::10"));
  assert.ok(p.blocklists.never.includes("192.0.2.10"));
  assert.match(text, /# - \{ ports: \[443\] \}.*nginx/);
  assert.match(text, /# - \{ ports: \[51820\], proto: udp \}/);
});

test("without an admin the policy is still valid and says what to add", () => {
  const text = renderInitPolicy(
    { hostname: "h", sshPort: 22, sshPortSource: "default", listening: [], ownAddresses: [], notes: ["no admin user found"] },
    new Date(),
  );
  const r = parsePolicy(text, "init.yaml");
  assert.deepEqual(r.errors, []);
  assert.match(text, /NOTE: no admin user found/);
});
