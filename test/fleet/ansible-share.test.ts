// The Ansible role's fleet-share tasks (contrib/ansible/roles/rampart/tasks/share.yml) against a real
// PostgreSQL on loopback: Debian's ansible-playbook, on the machine itself with a local connection for two
// inventory hosts, runs the tasks as the schema owner — schema migrated, one login role per host with its
// generated password, registered as its host name, the password written root-only (to a scratch directory
// here instead of /etc/rampart) — and each host's login then writes in its own name only. No secret in the
// output. Needs root, PostgreSQL and ansible-playbook.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { run } from "../../src/system/exec.js";
import { REPO } from "../helpers/cli.js";
import { makePostgres, machine, PG_BIN, type PgServer } from "./postgres-server.js";

const skip =
  process.getuid?.() !== 0
    ? "needs root"
    : !PG_BIN
      ? "PostgreSQL is not installed"
      : !existsSync("/usr/bin/ansible-playbook")
        ? "ansible-playbook is not installed"
        : undefined;
if (skip && process.env.CI === "true") throw new Error(`ansible share test cannot run in CI: ${skip}`);

let dir = "";
let server: PgServer;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), "rampart-ansible-share-"));
  chmodSync(dir, 0o755);
  server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", 20_000 + ((process.pid + 4409) % 20_000));
  await server.start();
});

after(async () => {
  await server?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("ansible: share.yml gives each host its own database role, and the host writes in its own name only", {
  skip: skip ?? false,
  timeout: 240_000,
}, async () => {
  const ownerSecret = path.join(dir, "owner.secret");
  writeFileSync(ownerSecret, `${server.password}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, "inventory.ini"), "web1 ansible_connection=local\nweb2 ansible_connection=local\n");
  writeFileSync(
    path.join(dir, "share.yml"),
    `- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: ${path.join(REPO, "contrib/ansible/roles/rampart")}
        tasks_from: share
      vars:
        rampart_source: ${REPO}
        rampart_node: ${process.execPath}
        rampart_node_args: ["--import", "${path.join(REPO, "node_modules/tsx/dist/loader.mjs")}"]
        rampart_entry: ${path.join(REPO, "src/cli/entry.ts")}
        rampart_share_owner_url: "${server.url}"
        rampart_share_owner_credentials: ${ownerSecret}
        rampart_share_secret_file: "${dir}/{{ inventory_hostname }}.secret"
`,
  );
  const r = await run(["ansible-playbook", "-i", path.join(dir, "inventory.ini"), path.join(dir, "share.yml")], {
    cwd: dir,
    env: { ...process.env, ANSIBLE_NOCOLOR: "1", ANSIBLE_HOST_KEY_CHECKING: "False" },
    timeoutMs: 220_000,
    okCodes: "any",
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const passwords: Record<string, string> = {};
  for (const h of ["web1", "web2"]) {
    const file = path.join(dir, `${h}.secret`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    passwords[h] = readFileSync(file, "utf8").trim();
    assert.match(passwords[h] ?? "", /^[A-Za-z0-9]{32}$/);
    assert.ok(!(r.stdout + r.stderr).includes(passwords[h] ?? "-"), "no secret in the output");
  }
  assert.ok(!(r.stdout + r.stderr).includes(server.password), "the owner's password is not in the output");
  const login = async (role: string, password: string) => {
    const u = new URL(server.url);
    u.username = role;
    u.password = password;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    return c;
  };
  const web1 = await login("web1", passwords.web1 ?? "");
  try {
    assert.deepEqual((await web1.query("SELECT rampart_host() AS host")).rows, [{ host: "web1" }]);
    const insert =
      "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires) VALUES ($1, 'ban', '198.51.100.9', 'sshd', 'r', $2, 'n', now(), now() + interval '1 hour')";
    await web1.query(insert, ["a", "web1"]);
    await assert.rejects(web1.query(insert, ["b", "web2"]), /role web1 writes decisions as host web1, not as web2/);
  } finally {
    await web1.end();
  }
  // a second run keeps the same passwords (kept on the controller) and the hosts still log in
  const again = await run(["ansible-playbook", "-i", path.join(dir, "inventory.ini"), path.join(dir, "share.yml")], {
    cwd: dir,
    env: { ...process.env, ANSIBLE_NOCOLOR: "1" },
    timeoutMs: 220_000,
    okCodes: "any",
  });
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal(readFileSync(path.join(dir, "web2.secret"), "utf8").trim(), passwords.web2);
  await (await login("web2", passwords.web2 ?? "")).end();
});
