// Every accounts check against a fixture root where it passes and one where it fails, with the evidence
// (observed, expected, and the file:line source) it must give.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseKeyLine } from "../../src/audit/checks/accounts/authorized-keys.js";
import { ALICE_UID, check, ed25519Key, type FixtureRoot, goodRoot, NEEDS_ROOT, rsaKey } from "./helpers/root.js";

const roots: FixtureRoot[] = [];
after(async () => {
  for (const r of roots) await r.cleanup();
});
async function root(name: string, change?: (r: FixtureRoot) => Promise<void>): Promise<FixtureRoot> {
  const r = await goodRoot(name);
  roots.push(r);
  if (change) await change(r);
  return r;
}

describe("ACC-ADMIN-SUDO", () => {
  it("passes with a sudo-group member, naming the group line and the %sudo rule", async () => {
    const c = await check(await root("sudo-ok"), "ACC-ADMIN-SUDO");
    assert.equal(c.status, "pass");
    assert.deepEqual(c.evidence.observed, ["alice: group sudo (/etc/group:3) via %sudo (/etc/sudoers:7)"]);
    assert.equal(c.evidence.source, "/etc/group:3, /etc/sudoers:7");
  });
  it("fails when no non-root user is in an admin group", async () => {
    const r = await root("sudo-none", (r) => r.write("/etc/group", "root:x:0:\nshadow:x:42:\nsudo:x:27:\nalice:x:1000:\n"));
    const c = await check(r, "ACC-ADMIN-SUDO");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.observed, "no non-root user is granted ALL by sudo");
    assert.equal(c.evidence.source, "/etc/group:3");
  });
  it("fails when sudo is not installed", async () => {
    const r = await root("sudo-absent", (r) => r.remove("/etc/sudoers"));
    const c = await check(r, "ACC-ADMIN-SUDO");
    assert.equal(c.status, "fail");
    assert.match(String(c.evidence.observed), /sudo is not installed/);
  });
  it("fails when a policy admin is not a sudoer", async () => {
    const c = await check(await root("sudo-policy"), "ACC-ADMIN-SUDO", { policy: "admins:\n  - name: bob\n" });
    assert.equal(c.status, "fail");
    assert.match(c.reason ?? "", /not an admin: bob \(no such user: bob\)/);
  });
  it("counts a direct user rule from an included sudoers.d file", async () => {
    const r = await root("sudo-direct", async (r) => {
      await r.write("/etc/group", "root:x:0:\nshadow:x:42:\nsudo:x:27:\nalice:x:1000:\n");
      await r.write("/etc/sudoers.d/alice", "alice ALL=(ALL) ALL\n", { mode: 0o440 });
    });
    const c = await check(r, "ACC-ADMIN-SUDO");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/etc/sudoers.d/alice:1");
  });
});

describe("ACC-ADMIN-KEYS", () => {
  it("passes with a valid key and StrictModes-safe modes", async () => {
    const c = await check(await root("keys-ok"), "ACC-ADMIN-KEYS");
    assert.equal(c.status, "pass", JSON.stringify(c.evidence));
    assert.deepEqual(c.evidence.observed, [{ user: "alice", file: "/home/alice/.ssh/authorized_keys", validKeys: 1 }]);
    assert.equal(c.evidence.source, "/home/alice/.ssh/authorized_keys");
  });
  it("fails when authorized_keys is group-readable", async () => {
    const r = await root("keys-mode", (r) => r.own("/home/alice/.ssh/authorized_keys", { mode: 0o644, uid: ALICE_UID, gid: 1000 }, 0o644));
    const c = await check(r, "ACC-ADMIN-KEYS");
    assert.equal(c.status, "fail");
    assert.deepEqual((c.evidence.observed as { problems: string[] }[])[0]?.problems, [
      "/home/alice/.ssh/authorized_keys is 0644, not 0600 or stricter",
    ]);
    assert.equal(c.evidence.source, "/home/alice/.ssh/authorized_keys");
  });
  it("fails when ~/.ssh is 0755 and the home is world-writable", async () => {
    const r = await root("keys-dir", async (r) => {
      await r.own("/home/alice/.ssh", { mode: 0o755, uid: ALICE_UID, gid: 1000 }, 0o755);
      await r.own("/home/alice", { mode: 0o777, uid: ALICE_UID, gid: 1000 }, 0o755);
    });
    const c = await check(r, "ACC-ADMIN-KEYS");
    assert.equal(c.status, "fail");
    const problems = (c.evidence.observed as { problems: string[] }[])[0]?.problems ?? [];
    assert.ok(problems.includes("home /home/alice is group/world-writable (0777)"), problems.join("\n"));
    assert.ok(problems.includes("/home/alice/.ssh is 0755, not 0700"), problems.join("\n"));
    assert.equal(c.evidence.source, "/home/alice");
  });
  it("fails when the file is owned by someone else", { skip: NEEDS_ROOT }, async () => {
    const r = await root("keys-owner", (r) => r.own("/home/alice/.ssh/authorized_keys", { mode: 0o600, uid: 0, gid: 0 }, 0o600));
    const c = await check(r, "ACC-ADMIN-KEYS");
    assert.equal(c.status, "fail");
    assert.match(JSON.stringify(c.evidence.observed), /owned by uid 0, not alice/);
  });
  it("fails when no line is a usable key, pointing at the bad line", async () => {
    const r = await root("keys-bad", (r) =>
      r.write("/home/alice/.ssh/authorized_keys", `# comment\nssh-ed25519 not-base64!\n${rsaKey(1024)}\n`, {
        mode: 0o600,
        uid: ALICE_UID,
        gid: 1000,
      }),
    );
    const c = await check(r, "ACC-ADMIN-KEYS");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/home/alice/.ssh/authorized_keys:2");
    const o = (c.evidence.observed as { validKeys: number; warnings: string[] }[])[0];
    assert.equal(o?.validKeys, 0);
    assert.deepEqual(o?.warnings, [
      "/home/alice/.ssh/authorized_keys:2: ssh-ed25519 key without a base64 key",
      "/home/alice/.ssh/authorized_keys:3: RSA key of 1024 bits (under 2048)",
    ]);
  });
  it("fails when the admin has no authorized_keys at all", async () => {
    const r = await root("keys-missing", (r) => r.remove("/home/alice/.ssh/authorized_keys"));
    const c = await check(r, "ACC-ADMIN-KEYS");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/home/alice/.ssh/authorized_keys");
  });
  it("warns when the policy's key for the admin is not installed", async () => {
    const c = await check(await root("keys-policy"), "ACC-ADMIN-KEYS", {
      policy: `admins:\n  - name: alice\n    keys: ["${ed25519Key("other", 9)}"]\n`,
    });
    assert.equal(c.status, "warn");
    assert.match(JSON.stringify(c.evidence.observed), /1 of the policy's keys for alice are not in/);
  });
  it("parses key lines as sshd does", () => {
    assert.deepEqual(parseKeyLine(`from="10.0.0.1",no-pty ${ed25519Key()}`), { kind: "key", type: "ssh-ed25519" });
    assert.deepEqual(parseKeyLine(rsaKey(4096)), { kind: "key", type: "ssh-rsa", bits: 4096 });
    assert.equal(parseKeyLine("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA== x").kind, "invalid");
    assert.equal(parseKeyLine("   ").kind, "blank");
  });
});

describe("ACC-ROOT-PASSWORD-LOCKED", () => {
  it("passes when root's shadow field is !", async () => {
    const c = await check(await root("rootpw-ok"), "ACC-ROOT-PASSWORD-LOCKED");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/etc/shadow:1");
  });
  it("fails with a usable hash, without showing it", async () => {
    const r = await root("rootpw-bad", (r) =>
      r.write("/etc/shadow", "root:$6$salt$secretsecretsecret:19000:0:99999:7:::\n", { mode: 0o640, gid: 42 }),
    );
    const c = await check(r, "ACC-ROOT-PASSWORD-LOCKED");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.observed, "a usable sha512 password hash");
    assert.equal(c.evidence.source, "/etc/shadow:1");
    assert.doesNotMatch(JSON.stringify(c), /secret/);
  });
});

describe("ACC-UID0-ONLY-ROOT", () => {
  it("passes when only root has UID 0", async () => {
    const c = await check(await root("uid0-ok"), "ACC-UID0-ONLY-ROOT");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/etc/passwd:1");
  });
  it("fails on a second UID 0 account, naming its line", async () => {
    const r = await root("uid0-bad", (r) =>
      r.write(
        "/etc/passwd",
        `root:x:0:0:root:/root:/bin/bash\nalice:x:${ALICE_UID}:1000::/home/alice:/bin/bash\ntoor:x:0:0::/root:/bin/sh\n`,
      ),
    );
    const c = await check(r, "ACC-UID0-ONLY-ROOT");
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.observed, ["root", "toor"]);
    assert.equal(c.evidence.source, "/etc/passwd:3");
  });
});

describe("ACC-EMPTY-PASSWORDS", () => {
  it("passes when every account has a hash or is locked", async () => {
    assert.equal((await check(await root("empty-ok"), "ACC-EMPTY-PASSWORDS")).status, "pass");
  });
  it("fails on an empty shadow field", async () => {
    const r = await root("empty-bad", (r) =>
      r.write("/etc/shadow", "root:!:19000::::::\ndaemon:*:19000::::::\nalice::19000:0:99999:7:::\n", { mode: 0o640, gid: 42 }),
    );
    const c = await check(r, "ACC-EMPTY-PASSWORDS");
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.observed, ["alice"]);
    assert.equal(c.evidence.source, "/etc/shadow:3");
  });
});

describe("ACC-SUDO-NOPASSWD-ALL", () => {
  it("passes with password-protected rules", async () => {
    const c = await check(await root("nopw-ok"), "ACC-SUDO-NOPASSWD-ALL");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.observed, "no NOPASSWD: ALL rule");
  });
  it("fails on cloud-init's NOPASSWD:ALL drop-in, with its file:line", async () => {
    const r = await root("nopw-cloud", (r) =>
      r.write("/etc/sudoers.d/90-cloud-init-users", "# Created by cloud-init\n\n# User rules for alice\nalice ALL=(ALL) NOPASSWD:ALL\n", {
        mode: 0o440,
      }),
    );
    const c = await check(r, "ACC-SUDO-NOPASSWD-ALL");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/sudoers.d/90-cloud-init-users:4");
  });
  it("fails on a global %group NOPASSWD and on Defaults !authenticate", async () => {
    const r = await root("nopw-group", (r) =>
      r.write("/etc/sudoers", "Defaults !authenticate\n%sudo ALL=(ALL:ALL) \\\n  NOPASSWD: ALL\n", { mode: 0o440 }),
    );
    const c = await check(r, "ACC-SUDO-NOPASSWD-ALL");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/sudoers:2, /etc/sudoers:1");
  });
  it("ignores NOPASSWD for specific commands and files sudo skips (names with a dot)", async () => {
    const r = await root("nopw-cmd", async (r) => {
      await r.write("/etc/sudoers.d/nagios", "nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_disk\n", { mode: 0o440 });
      await r.write("/etc/sudoers.d/old.bak", "alice ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 });
    });
    assert.equal((await check(r, "ACC-SUDO-NOPASSWD-ALL")).status, "pass");
  });
  it("allows NOPASSWD for a policy admin with sudoPassword: false", async () => {
    const r = await root("nopw-policy", (r) => r.write("/etc/sudoers.d/alice", "alice ALL=(ALL) NOPASSWD: ALL\n", { mode: 0o440 }));
    const c = await check(r, "ACC-SUDO-NOPASSWD-ALL", { policy: "admins:\n  - name: alice\n    sudoPassword: false\n" });
    assert.equal(c.status, "pass");
    assert.match(JSON.stringify(c.evidence.observed), /allowed by the policy/);
  });
});

describe("ACC-SUDO-NOPASSWD", () => {
  it("passes when every rule reaching the admin asks for the password", async () => {
    const c = await check(await root("adm-nopw-ok"), "ACC-SUDO-NOPASSWD");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.observed, "no NOPASSWD rule reaches alice (admins from sudo)");
  });
  it("fails on NOPASSWD for a single command reaching the admin through %sudo, with the file:line", async () => {
    const r = await root("adm-nopw-cmd", (r) =>
      r.write("/etc/sudoers.d/restart", "# ops shortcut\n%sudo ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx\n", { mode: 0o440 }),
    );
    const c = await check(r, "ACC-SUDO-NOPASSWD");
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.observed, ["alice: /etc/sudoers.d/restart:2: %sudo ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx"]);
    assert.equal(c.evidence.source, "/etc/sudoers.d/restart:2");
  });
  it("fails on Defaults:alice !authenticate; ignores rules for other users", async () => {
    const r = await root("adm-nopw-defaults", async (r) => {
      await r.write("/etc/sudoers.d/x", "Defaults:alice !authenticate\nnagios ALL=(root) NOPASSWD: /usr/lib/nagios/check\n", {
        mode: 0o440,
      });
    });
    const c = await check(r, "ACC-SUDO-NOPASSWD");
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.observed, ["alice: /etc/sudoers.d/x:1: Defaults:alice !authenticate"]);
  });
  it("warns (not fails) when the policy declares sudoPassword: false for that admin — a waiver records why", async () => {
    const r = await root("adm-nopw-policy", (r) =>
      r.write("/etc/sudoers.d/rampart", "alice ALL=(ALL:ALL) NOPASSWD: ALL\n", { mode: 0o440 }),
    );
    const c = await check(r, "ACC-SUDO-NOPASSWD", { policy: "admins:\n  - name: alice\n    sudoPassword: false\n" });
    assert.equal(c.status, "warn");
    assert.match(c.reason ?? "", /waive this check/);
    const waived = await check(r, "ACC-SUDO-NOPASSWD", {
      policy: 'admins:\n  - name: alice\n    sudoPassword: false\nwaivers:\n  - { check: ACC-SUDO-NOPASSWD, reason: "CI deploy user" }\n',
    });
    assert.equal(waived.waiver?.reason, "CI deploy user");
  });
});

describe("ACC-SUDOERS-MODES", () => {
  it("passes with 0440 root:root files", { skip: NEEDS_ROOT }, async () => {
    const c = await check(await root("sudomode-ok"), "ACC-SUDOERS-MODES");
    assert.equal(c.status, "pass", JSON.stringify(c.evidence));
    assert.deepEqual(c.evidence.observed, {
      "/etc/sudoers": "0440 0:0",
      "/etc/sudoers.d": "0755 0:0",
      "/etc/sudoers.d/README": "0440 0:0",
    });
  });
  it("fails on a group-writable drop-in", async () => {
    const r = await root("sudomode-bad", (r) => r.write("/etc/sudoers.d/extra", "alice ALL=(ALL) ALL\n", { mode: 0o660 }));
    const c = await check(r, "ACC-SUDOERS-MODES");
    assert.equal(c.status, "fail");
    assert.match(c.evidence.source, /\/etc\/sudoers\.d\/extra/);
    assert.match(String((c.evidence.observed as Record<string, string>)["/etc/sudoers.d/extra"]), /^0660 /);
  });
});

describe("ACC-PASSWORD-HASHING", () => {
  it("passes with YESCRYPT in login.defs, yescrypt in PAM and modern hashes", async () => {
    const c = await check(await root("hash-ok"), "ACC-PASSWORD-HASHING");
    assert.equal(c.status, "pass");
    assert.deepEqual(c.evidence.observed, { ENCRYPT_METHOD: "YESCRYPT", pam_unix: "yescrypt", weakHashes: [] });
    assert.equal(c.evidence.source, "/etc/login.defs:13");
  });
  it("fails on ENCRYPT_METHOD MD5, pam md5 and an MD5 hash, naming each line", async () => {
    const r = await root("hash-bad", async (r) => {
      await r.write("/etc/login.defs", "ENCRYPT_METHOD MD5\n");
      await r.write("/etc/pam.d/common-password", "password [success=1 default=ignore] pam_unix.so obscure md5\n");
      await r.write("/etc/shadow", "root:!:19000::::::\nalice:$1$salt$abcdefghijklmnopqrstuv:19000::::::\nbob:abcdefghijklm:1::::::\n", {
        mode: 0o640,
        gid: 42,
      });
    });
    const c = await check(r, "ACC-PASSWORD-HASHING");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/login.defs:1, /etc/pam.d/common-password:1, /etc/shadow:2, /etc/shadow:3");
    assert.deepEqual((c.evidence.observed as { weakHashes: string[] }).weakHashes, ["alice (md5)", "bob (des)"]);
  });
});

describe("ACC-SHADOW-MODES", () => {
  it("passes with Debian's modes", { skip: NEEDS_ROOT }, async () => {
    const c = await check(await root("shadow-ok"), "ACC-SHADOW-MODES");
    assert.equal(c.status, "pass", JSON.stringify(c.evidence));
    assert.equal((c.evidence.observed as Record<string, string>)["/etc/shadow"], "0640 root:shadow");
  });
  it("fails on a world-readable /etc/shadow", async () => {
    const r = await root("shadow-bad", (r) => r.own("/etc/shadow", { mode: 0o644, gid: 42 }, 0o644));
    const c = await check(r, "ACC-SHADOW-MODES");
    assert.equal(c.status, "fail");
    assert.match(c.evidence.source, /^\/etc\/shadow/);
    assert.match(String((c.evidence.observed as Record<string, string>)["/etc/shadow"]), /^0644 /);
  });
});
