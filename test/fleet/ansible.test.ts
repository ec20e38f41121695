// The Ansible role (contrib/ansible) against three lab servers over real SSH (issue #10): Debian's
// ansible-playbook runs inside an admin lab host, logs in as the admin `alice` (sudo for become), plans in
// check mode without changing anything, applies `users,ssh` with the confirm sent over a fresh connection,
// fetches every host's audit JSON and builds the fleet report; a second run changes nothing.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { type LabHost, labTest } from "../lab/index.js";

const SITE = path.join(REPO, "contrib/ansible/site.yml");
const SERVERS = ["srv1", "srv2", "srv3"] as const;

/** PLAY RECAP counters per inventory host: { srv1: { ok: 12, changed: 3, failed: 0, … } }. */
function recap(stdout: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const at = stdout.lastIndexOf("PLAY RECAP");
  for (const line of stdout.slice(at).split("\n").slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const counts: Record<string, number> = {};
    for (const kv of (m[2] as string).trim().split(/\s+/)) {
      const [k, v] = kv.split("=");
      if (k && v) counts[k] = Number(v);
    }
    out[m[1] as string] = counts;
  }
  return out;
}

labTest(
  "ansible role: check mode plans only; apply + confirm over a fresh connection on three hosts; fleet report; second run changes nothing",
  async (lab) => {
    const adm = await lab.host("adm", { role: "admin" });
    const alice = await lab.keyPair();
    const servers: LabHost[] = [];
    for (const name of SERVERS) {
      const srv = await lab.host(name, { role: "server" });
      await srv.addUser("alice", { groups: ["sudo"], keys: [alice.publicKey] });
      await srv.writeFile("/etc/sudoers.d/lab-alice", "alice ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 });
      await srv.startSshd();
      servers.push(srv);
    }
    // the controller's files live in the lab's dir (under /tmp, seen by every host at the same path)
    const dir = path.join(lab.dir, "ansible");
    mkdirSync(path.join(dir, "tmp"), { recursive: true });
    const inventory = {
      all: {
        hosts: Object.fromEntries(servers.map((s) => [s.name, { ansible_host: s.v4 }])),
        vars: {
          ansible_user: "alice",
          ansible_ssh_private_key_file: alice.privateKey,
          ansible_python_interpreter: "/usr/bin/python3",
        },
      },
    };
    writeFileSync(path.join(dir, "inventory.json"), JSON.stringify(inventory));
    const vars = {
      rampart_source: REPO,
      // run from source: the test must not depend on whether dist/ is current
      rampart_node_args: ["--import", path.join(REPO, "node_modules/tsx/dist/loader.mjs")],
      rampart_entry: path.join(REPO, "src/cli/entry.ts"),
      rampart_parts: ["users", "ssh"],
      rampart_confirm_timeout: 90,
      rampart_policy: { admins: [{ name: "alice", keys: [alice.publicKey], sudoPassword: false }], ssh: { allowUsers: ["alice"] } },
      rampart_audit_fetch_dir: path.join(dir, "audits"),
      rampart_report_output: path.join(dir, "fleet.html"),
    };
    writeFileSync(path.join(dir, "vars.json"), JSON.stringify(vars));
    const playbook = (extra: string[] = []) =>
      adm.exec(["ansible-playbook", "-i", path.join(dir, "inventory.json"), "-e", `@${path.join(dir, "vars.json")}`, ...extra, SITE], {
        okCodes: "any",
        timeoutMs: 240_000,
        env: {
          HOME: path.join(dir, "home"),
          ANSIBLE_HOME: path.join(dir, "home"),
          ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"),
          ANSIBLE_REMOTE_TEMP: "/tmp/.ansible-remote",
          ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, "cp"),
          ANSIBLE_HOST_KEY_CHECKING: "False",
          ANSIBLE_NOCOLOR: "1",
          ANSIBLE_FORCE_COLOR: "0",
          ANSIBLE_RETRY_FILES_ENABLED: "False",
        },
      });

    // check mode: the plan is reported as changes, nothing is written
    const check = await playbook(["--check"]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    for (const s of servers) {
      assert.ok((recap(check.stdout)[s.name]?.changed ?? 0) >= 1, `check mode reports the planned changes on ${s.name}`);
      assert.equal(await s.exists("/etc/ssh/sshd_config.d/00-rampart.conf"), false, "check mode changed nothing");
      assert.equal(await s.exists("/etc/rampart/policy.yaml"), false, "check mode wrote no policy");
    }
    assert.match(
      check.stdout,
      /"2 change\(s\)",\s*"users create \/etc\/sudoers\.d\/rampart",\s*"ssh create \/etc\/ssh\/sshd_config\.d\/00-rampart\.conf"/,
    );

    // apply: confirmed from a fresh connection, so nothing is pending and the manifest says confirmed
    const first = await playbook();
    assert.equal(first.code, 0, first.stdout + first.stderr);
    for (const s of servers) {
      const counts = recap(first.stdout)[s.name];
      assert.ok(
        counts && counts.changed !== undefined && counts.changed >= 2 && counts.failed === 0,
        `${s.name}: ${JSON.stringify(counts)}`,
      );
      assert.equal(await s.exists("/var/lib/rampart/pending.json"), false, `${s.name}: confirmed, not pending`);
      const ids = (await s.exec(["ls", "/var/lib/rampart/backups"])).stdout.trim().split("\n");
      assert.equal(ids.length, 1);
      const manifest = JSON.parse(await s.readFile(`/var/lib/rampart/backups/${ids[0]}/manifest.json`));
      assert.equal(manifest.state, "confirmed", `${s.name}: the apply was kept by rampart confirm`);
      assert.match(await s.readFile("/etc/ssh/sshd_config.d/00-rampart.conf"), /PasswordAuthentication no/);
      assert.equal((await s.exec(["stat", "-c", "%a", "/etc/rampart/policy.yaml"])).stdout.trim(), "600");
      // the hardened host still lets the admin in over a new connection
      assert.ok((await adm.ssh({ user: "alice", host: s.v4, key: alice.privateKey, command: ["true"] })).ok);
    }
    const html = readFileSync(path.join(dir, "fleet.html"), "utf8");
    assert.match(html, /<h1>3 hosts<\/h1>/);
    for (const name of SERVERS) assert.ok(html.includes(`(${name})`) || html.includes(`>${name}<`), `the report lists ${name}`);
    for (const name of SERVERS) {
      const audit = JSON.parse(readFileSync(path.join(dir, "audits", `${name}.json`), "utf8"));
      assert.equal(audit.tool.name, "rampart");
    }

    // idempotence: the same policy again changes nothing on any server
    const second = await playbook();
    assert.equal(second.code, 0, second.stdout + second.stderr);
    for (const s of servers) assert.equal(recap(second.stdout)[s.name]?.changed, 0, `${s.name} unchanged:\n${second.stdout}`);
    for (const s of servers) assert.equal((await s.exec(["ls", "/var/lib/rampart/backups"])).stdout.trim().split("\n").length, 1);
  },
  { timeout: 360_000, needs: ["ansible-playbook"] },
);
