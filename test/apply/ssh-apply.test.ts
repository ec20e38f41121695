// Safe apply of `users` and `ssh` against a real sshd and real accounts inside a lab host (issue #4):
// the hardened result works (admin key login) and shuts the rest out (password, root); rollback is proven
// three ways (confirm timeout, the applying process killed by SIGHUP, a candidate sshd rejects); every
// preflight lock-out case is refused with nothing changed; a second apply touches nothing.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { type Lab, type LabHost, labTest, makeKeyPair } from "../lab/index.js";
import { tree } from "../lab/tree.js";

const OPS_PASSWORD = "Original-login-9";

interface Setup {
  srv: LabHost;
  adm: LabHost;
  alice: { privateKey: string; publicKey: string };
  rootKey: { privateKey: string; publicKey: string };
}

/** A server as the guides find it: a user `ops` who logs in with a password, root with a key. */
async function setup(lab: Lab, policyExtra = ""): Promise<Setup> {
  const srv = await lab.host("srv", { role: "server" });
  const adm = await lab.host("adm", { role: "admin" });
  const alice = await makeKeyPair({ comment: "alice@laptop" });
  const rootKey = await makeKeyPair({ comment: "root@old" });
  await srv.addUser("ops", { password: OPS_PASSWORD });
  await put(srv, "/root/.ssh/authorized_keys", `${rootKey.publicKey}\n`, "600");
  await srv.startSshd();
  await put(
    srv,
    "/etc/rampart/policy.yaml",
    `admins:\n  - name: alice\n    keys: ["${alice.publicKey}"]\n    sudoPassword: false\n${policyExtra}`,
  );
  assert.ok((await opsLogin(adm, srv)).ok, "before: ops logs in with a password");
  assert.ok((await adm.ssh({ user: "root", host: srv.v4, key: rootKey.privateKey })).ok, "before: root logs in with a key");
  return { srv, adm, alice, rootKey };
}

/** Write a file inside the host (tee reads fd 0 itself, so the input may be a socket). */
async function put(host: LabHost, file: string, content: string, mode = "644"): Promise<void> {
  await host.exec(["mkdir", "-p", file.slice(0, file.lastIndexOf("/"))]);
  await host.exec(["tee", file], { input: content });
  await host.exec(["chmod", mode, file]);
}

const opsLogin = (adm: LabHost, srv: LabHost) => adm.ssh({ user: "ops", host: srv.v4, password: OPS_PASSWORD });

/** Every byte, mode and owner of what users/ssh may touch. */
async function fingerprint(srv: LabHost): Promise<string> {
  const r = await srv.exec(
    [
      "sh",
      "-c",
      'find /etc/ssh /etc/sudoers.d /home /root/.ssh /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/subuid /etc/subgid /etc/passwd- /etc/shadow- /etc/group- /etc/gshadow- /etc/subuid- /etc/subgid- -printf "%p %y %m %u:%g %s\\n" 2>/dev/null | sort; find /etc/ssh /etc/sudoers.d /home /root/.ssh /etc/passwd /etc/shadow /etc/group /etc/gshadow -type f -exec sha256sum {} + 2>/dev/null | sort',
    ],
    { okCodes: "any" },
  );
  return r.stdout;
}

async function mtimes(srv: LabHost, files: string[]): Promise<string> {
  return (await srv.exec(["stat", "-c", "%n %.9Y %.9Z", ...files])).stdout;
}

const FILES = [
  "/etc/ssh/sshd_config",
  "/etc/ssh/sshd_config.d/00-rampart.conf",
  "/etc/passwd",
  "/etc/shadow",
  "/etc/group",
  "/home/alice/.ssh/authorized_keys",
  "/etc/sudoers.d/rampart",
];

async function waitNoPending(srv: LabHost, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await srv.exists("/var/lib/rampart/pending.json")) && !(await srv.exists("/var/lib/rampart/rollback.json"))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail("the apply is still pending after its deadline");
}

async function assertRolledBack(s: Setup, before: string): Promise<void> {
  assert.equal(await fingerprint(s.srv), before, "files byte-identical to before the apply");
  assert.ok((await opsLogin(s.adm, s.srv)).ok, "the original password login works again");
  assert.ok((await s.adm.ssh({ user: "root", host: s.srv.v4, key: s.rootKey.privateKey })).ok, "root's key login works again");
}

labTest("apply hardens sshd and accounts; confirm from a NEW ssh connection keeps it; a second apply changes nothing", async (lab) => {
  const s = await setup(lab, "ssh:\n  allowUsers: [alice]\n");
  const plan = await s.srv.rampart(["plan", "--only", "users,ssh"]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /\$ useradd -m -s \/bin\/bash -G sudo alice/);
  assert.match(plan.stdout, /\+PasswordAuthentication no/);
  // the admin's safety net: a root login opened BEFORE the apply, kept open, that runs `rampart confirm` later
  const go = path.join(path.dirname(s.rootKey.privateKey), `go-${process.pid}`);
  const early = s.adm.spawn([
    "ssh",
    ...["-F", "/dev/null", "-i", s.rootKey.privateKey, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
    ...["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-l", "root", s.srv.v4],
    `echo ready; while [ ! -e ${go} ]; do sleep 0.2; done; cd ${REPO} && ${CLI_ARGV.join(" ")} confirm`,
  ]);
  await early.waitFor("ready", 15_000);

  const r = await s.srv.rampart(["apply", "--only", "users,ssh", "--yes", "--confirm-timeout", "60", "--no-wait"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /applied \d{8}T\d{6}Z-[0-9a-f]{4}/);
  // the hardened result, from the admin host
  const key = await s.adm.ssh({ user: "alice", host: s.srv.v4, key: s.alice.privateKey, command: ["id", "-nG"] });
  assert.ok(key.ok, `alice logs in with her key: ${key.stderr}`);
  assert.match(key.stdout, /\bsudo\b/);
  assert.equal((await opsLogin(s.adm, s.srv)).ok, false, "password login refused");
  assert.equal((await s.adm.ssh({ user: "root", host: s.srv.v4, key: s.rootKey.privateKey })).ok, false, "root login refused");
  assert.match((await s.srv.exec(["passwd", "-S", "root"])).stdout, /^root L/, "root's password locked");
  assert.equal(
    (await s.srv.exec(["stat", "-c", "%a %U", "/home/alice/.ssh", "/home/alice/.ssh/authorized_keys", "/etc/sudoers.d/rampart"])).stdout,
    "700 alice\n600 alice\n440 root\n",
  );

  // confirm from the session that applied: refused
  const same = await s.srv.rampart(["confirm"]);
  assert.equal(same.code, 1);
  assert.match(same.stderr, /cannot tell whether this is a new connection|from the session that made it/);
  // confirm from the root login opened before the apply (another connection, but let in under the old rules;
  // new root logins are refused now): refused
  writeFileSync(go, "");
  const exit = await Promise.race([early.exited, new Promise((res) => setTimeout(res, 40_000, "timeout"))]);
  assert.deepEqual(exit, { code: 1, signal: null }, early.stdout + early.stderr);
  assert.match(early.stderr, /refusing to confirm apply .* from an ssh login opened before its changes went live/);
  assert.ok(await s.srv.exists("/var/lib/rampart/pending.json"), "still pending");
  // confirm over a NEW ssh connection, as alice through sudo (NOPASSWD from the policy)
  const confirm = await s.adm.ssh({
    user: "alice",
    host: s.srv.v4,
    key: s.alice.privateKey,
    command: ["cd", REPO, "&&", "sudo", "-n", ...CLI_ARGV, "confirm"],
    timeoutMs: 30_000,
  });
  assert.equal(confirm.code, 0, confirm.stderr + confirm.stdout);
  assert.match(confirm.stdout, /confirmed/);
  assert.equal(await s.srv.exists("/var/lib/rampart/pending.json"), false);

  // idempotence: nothing to change, no file touched, no new backup
  const stamps = await mtimes(s.srv, FILES);
  const backups = (await s.srv.exec(["ls", "/var/lib/rampart/backups"])).stdout;
  const again = await s.srv.rampart(["apply", "--only", "users,ssh", "--yes", "--no-wait"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to change/);
  assert.equal(await mtimes(s.srv, FILES), stamps);
  assert.equal((await s.srv.exec(["ls", "/var/lib/rampart/backups"])).stdout, backups);
});

labTest(
  "rollback 1: not confirmed within --confirm-timeout → the detached timer restores everything (users, ssh, firewall)",
  async (lab) => {
    const s = await setup(lab);
    const before = await fingerprint(s.srv);
    // every part that changes access, at once: all of /etc, /var/lib (but rampart's own backups) and the
    // loaded ruleset must be exactly as before — boot hooks, drop-ins, tables and all
    const etc = await tree(s.srv, "/etc");
    const varLib = await tree(s.srv, "/var/lib", "/var/lib/rampart");
    const ruleset = (await s.srv.exec(["nft", "list", "ruleset"])).stdout;
    // 10 s: the two checks of "applied" below must run before the rollback, on a loaded machine too (with 3 s
    // a CI run at load 12 saw the rollback first)
    const r = await s.srv.rampart(["apply", "--only", "users,ssh,firewall", "--yes", "--confirm-timeout", "10", "--no-wait"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await opsLogin(s.adm, s.srv)).ok, false, "applied: password login is off");
    assert.match((await s.srv.exec(["nft", "list", "ruleset"])).stdout, /table inet rampart/, "applied: the firewall is loaded");
    await waitNoPending(s.srv, 30_000);
    const m = JSON.parse(await s.srv.readFile(`/var/lib/rampart/backups/${/applied (\S+?)\./.exec(r.stdout)?.[1]}/manifest.json`));
    assert.equal(m.state, "rolled-back");
    await assertRolledBack(s, before);
    assert.equal(await tree(s.srv, "/etc"), etc, "/etc exactly as before");
    assert.equal(await tree(s.srv, "/var/lib", "/var/lib/rampart"), varLib, "/var/lib exactly as before");
    assert.equal((await s.srv.exec(["nft", "list", "ruleset"])).stdout, ruleset, "the ruleset exactly as before");
  },
);

labTest(
  "no systemd and no /etc/cron.d: no boot hook could roll back after a reboot → the apply is refused, nothing changed",
  async (lab) => {
    const s = await setup(lab);
    // inside the host only (its /etc is an overlay): a host whose init is neither systemd nor cron
    await s.srv.exec(["rm", "-rf", "/etc/cron.d", "/etc/systemd/system"]);
    const etc = await tree(s.srv, "/etc");
    const varLib = await tree(s.srv, "/var/lib", "/var/lib/rampart");
    const ruleset = (await s.srv.exec(["nft", "list", "ruleset"])).stdout;
    const r = await s.srv.rampart(["apply", "--only", "users,ssh,firewall", "--yes", "--confirm-timeout", "30", "--no-wait"]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /no place for the boot hook that rolls back an unconfirmed apply after a reboot/);
    assert.match(r.stderr, /apt-get install cron/);
    assert.equal(await s.srv.exists("/var/lib/rampart/pending.json"), false);
    assert.equal(await tree(s.srv, "/etc"), etc, "/etc exactly as before");
    assert.equal(await tree(s.srv, "/var/lib", "/var/lib/rampart"), varLib, "/var/lib exactly as before");
    assert.equal((await s.srv.exec(["nft", "list", "ruleset"])).stdout, ruleset, "the ruleset exactly as before");
    assert.ok((await opsLogin(s.adm, s.srv)).ok, "the password login still works");
  },
);

labTest("rollback 2: the applying process killed with SIGHUP while it waits → still rolled back", async (lab) => {
  const s = await setup(lab);
  const before = await fingerprint(s.srv);
  const apply = s.srv.spawn([...CLI_ARGV, "apply", "--only", "users,ssh", "--yes", "--confirm-timeout", "4"], { cwd: REPO });
  // wait until it is armed and waiting
  const deadline = Date.now() + 30_000;
  while (!(await s.srv.exists("/var/lib/rampart/pending.json"))) {
    assert.ok(Date.now() < deadline, "apply never became pending");
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 500));
  apply.kill("SIGHUP");
  await waitNoPending(s.srv, 30_000);
  await assertRolledBack(s, before);
});

labTest("rollback 3: a candidate sshd rejects is never installed (a dormant drop-in the new Include would read)", async (lab) => {
  const s = await setup(lab);
  // a main file without the Include, and a broken drop-in sshd does not read today
  const main = await s.srv.readFile("/etc/ssh/sshd_config");
  await put(s.srv, "/etc/ssh/sshd_config", main.replace(/^Include .*\n/m, "").concat("Include /etc/ssh/sshd_config.d/05-lab.conf\n"));
  await put(s.srv, "/etc/ssh/sshd_config.d/10-stale.conf", "NoSuchOption yes\n");
  const before = await fingerprint(s.srv);
  const r = await s.srv.rampart(["apply", "--only", "users,ssh", "--yes", "--confirm-timeout", "30", "--no-wait"]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /sshd rejects the candidate configuration: .*10-stale.conf.*Bad configuration option: NoSuchOption/);
  assert.match(r.stderr, /nothing was changed/);
  assert.equal(await s.srv.exists("/var/lib/rampart/pending.json"), false);
  await assertRolledBack(s, before);
});

// (An admin left out of AllowUsers/AllowGroups is already a policy error, exit 2, before any preflight.)
const PREFLIGHT: { name: string; extra: string; env?: Record<string, string>; policy?: string; want: RegExp; code?: number }[] = [
  {
    name: "passwords off while an admin has no key",
    extra: "",
    policy: "admins:\n  - name: carol\n",
    want: /admin carol has no valid SSH key/,
  },
  {
    name: "AllowUsers excludes the admin",
    extra: "ssh:\n  allowUsers: [ops]\n",
    want: /allowUsers does not include the admin `alice`/,
    code: 2,
  },
  {
    name: "AllowUsers excludes the user running the apply",
    extra: "ssh:\n  allowUsers: [alice]\n",
    env: { SUDO_USER: "ops" },
    want: /you \(ops, applying this\) could not log in/,
  },
  {
    name: "AllowGroups excludes the user running the apply",
    extra: "ssh:\n  allowGroups: [sudo]\n",
    env: { SUDO_USER: "ops" },
    want: /AllowGroups sudo does not include any group of ops/,
  },
  {
    name: "the session's password login removed with no key for that user",
    extra: "",
    env: { SSH_CONNECTION: "203.0.113.10 40000 192.0.2.10 22", USER: "ops" },
    want: /your session \(ops\) logged in without a key/,
  },
];

for (const c of PREFLIGHT) {
  labTest(`preflight refuses (${c.name}) and changes nothing`, async (lab) => {
    const s = await setup(lab, c.extra);
    if (c.policy) await put(s.srv, "/etc/rampart/policy.yaml", c.policy);
    const before = await fingerprint(s.srv);
    const r = await s.srv.rampart(["apply", "--only", "users,ssh", "--yes", "--no-wait"], c.env ? { env: c.env } : {});
    assert.equal(r.code, c.code ?? 1, r.stdout + r.stderr);
    assert.match(r.stderr, c.want);
    if (r.code === 1) assert.match(r.stderr, /nothing was changed/);
    assert.equal(await fingerprint(s.srv), before);
    assert.equal(await s.srv.exists("/var/lib/rampart/backups"), false, "no backup: nothing was started");
    assert.ok((await opsLogin(s.adm, s.srv)).ok);
  });
}

labTest("rampart rollback ID restores a confirmed apply; edits made since are protected without --force", async (lab) => {
  const s = await setup(lab);
  const before = await fingerprint(s.srv);
  const r = await s.srv.rampart(["apply", "--only", "users,ssh", "--yes", "--no-wait"]);
  assert.equal(r.code, 0, r.stderr);
  const id = /applied (\S+?)\./.exec(r.stdout)?.[1] ?? "";
  assert.equal((await s.srv.rampart(["confirm", "--allow-same-session"])).code, 0);
  await s.srv.exec(["sh", "-c", "echo '# edited by hand' >> /etc/ssh/sshd_config.d/00-rampart.conf"]);
  const refused = await s.srv.rampart(["rollback", id]);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /files changed since apply .*00-rampart.conf/);
  const rb = await s.srv.rampart(["rollback", id, "--force"]);
  assert.equal(rb.code, 0, rb.stderr);
  await assertRolledBack(s, before);
});
