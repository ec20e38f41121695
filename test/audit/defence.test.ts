// The defence audit checks: a fixture /proc for the ban daemon, fail2ban's real Debian 12 configuration
// files (test/fixtures/audit/defence, from fail2ban 1.0.2-2) for the sshd jail, and recorded
// `nft -j list set` outputs for the blocklist sets.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defBanDaemon } from "../../src/audit/checks/defence/ban-daemon.js";
import { defBlocklistsLoaded } from "../../src/audit/checks/defence/blocklists-loaded.js";
import { defSshdJail } from "../../src/audit/checks/defence/sshd-jail.js";
import { type FileSpec, fakeRunner, recorded, runCheck } from "./firewall.fixture.js";

async function debianFail2ban(): Promise<Record<string, FileSpec>> {
  return {
    "/etc/fail2ban/jail.conf": await recorded("defence/jail.conf"),
    "/etc/fail2ban/paths-common.conf": await recorded("defence/paths-common.conf"),
    "/etc/fail2ban/paths-debian.conf": await recorded("defence/paths-debian.conf"),
    "/etc/fail2ban/jail.d/defaults-debian.conf": await recorded("defence/defaults-debian.conf"),
  };
}

describe("DEF-BAN-DAEMON", () => {
  test("pass: fail2ban-server in /proc", async () => {
    const o = await runCheck(defBanDaemon, {
      "/proc/1/cmdline": "/sbin/init\0",
      "/proc/812/cmdline": "/usr/bin/python3\0/usr/bin/fail2ban-server\0-xf\0start\0",
    });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["fail2ban-server (pid 812)"]);
  });
  test("pass: rampart guard run", async () => {
    const o = await runCheck(defBanDaemon, { "/proc/77/cmdline": "/usr/bin/node\0/usr/lib/rampart/bin/rampart.js\0guard\0run\0" });
    assert.deepEqual(o.observed, ["rampart guard (pid 77)"]);
  });
  test("fail: neither running (a mention in an editor's argv does not count)", async () => {
    const o = await runCheck(defBanDaemon, { "/proc/1/cmdline": "/sbin/init\0", "/proc/90/cmdline": "vim\0/etc/fail2ban/jail.local\0" });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "no ban daemon among 2 processes");
  });
});

describe("DEF-SSHD-JAIL", () => {
  test("fail: Debian 12 stock fail2ban (backend auto) without /var/log/auth.log — fail2ban's known non-start", async () => {
    const o = await runCheck(defSshdJail, { ...(await debianFail2ban()), "/var/log/journal/.keep": "" }, { live: false });
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, ["fail2ban [sshd]: backend auto but logpath /var/log/auth.log does not exist — fail2ban will not start"]);
    assert.match(String(o.source), /defaults-debian.conf:2, \/etc\/fail2ban\/jail.conf:\d+, \/etc\/fail2ban\/jail.conf:\d+/);
  });
  test("pass: jail.local sets backend = systemd and the journal exists", async () => {
    const files = { ...(await debianFail2ban()), "/var/log/journal/.keep": "", "/etc/fail2ban/jail.local": "[sshd]\nbackend = systemd\n" };
    const o = await runCheck(defSshdJail, files, { live: false });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["fail2ban [sshd]: backend systemd (/var/log/journal)"]);
    assert.match(String(o.source), /jail.local:2/);
  });
  test("pass: stock fail2ban with rsyslog's /var/log/auth.log", async () => {
    const o = await runCheck(defSshdJail, { ...(await debianFail2ban()), "/var/log/auth.log": "" }, { live: false });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["fail2ban [sshd]: backend auto, /var/log/auth.log"]);
  });
  test("pass: rampart policy jail (auto) reads the journal", async () => {
    const o = await runCheck(
      defSshdJail,
      { "/run/log/journal/.keep": "" },
      { live: false, policyYaml: "guard:\n  jails:\n    sshd: { maxretry: 3 }\n" },
    );
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, ["rampart sshd jail: journald (/run/log/journal)"]);
  });
  test("fail: no jail at all", async () => {
    const o = await runCheck(defSshdJail, { "/etc/.keep": "" }, { live: false });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "no enabled sshd jail");
  });
});

describe("DEF-BLOCKLISTS-LOADED", () => {
  const policy = 'blocklists:\n  sources:\n    - { name: spamhaus-drop, url: "https://www.spamhaus.org/drop/drop.txt" }\n';
  const set = (name: string) => `nft -j list set inet rampart ${name}`;
  test("pass: rampart_block_v4 holds elements", async () => {
    const run = fakeRunner({
      [set("rampart_block_v4")]: { stdout: await recorded("firewall/nft-set-rampart_block_v4.json") },
      [set("rampart_block_v6")]: { stdout: (await recorded("firewall/nft-set-rampart_ban_v4-empty.json")).replace(/ban_v4/g, "block_v6") },
    });
    const o = await runCheck(defBlocklistsLoaded, {}, { run, policyYaml: policy });
    assert.equal(o.status, "pass");
    assert.deepEqual(o.observed, { rampart_block_v4: 2, rampart_block_v6: 0 });
  });
  test("fail: the sets do not exist", async () => {
    const err = { code: 1, stderr: "Error: No such file or directory\nlist set inet rampart rampart_block_v4\n" };
    const run = fakeRunner({ [set("rampart_block_v4")]: err, [set("rampart_block_v6")]: err });
    const o = await runCheck(defBlocklistsLoaded, {}, { run, policyYaml: policy });
    assert.equal(o.status, "fail");
    assert.equal(o.observed, "no set rampart_block_v4 in table inet rampart");
  });
  test("fail: sets empty", async () => {
    const empty = { stdout: await recorded("firewall/nft-set-rampart_ban_v4-empty.json") };
    const run = fakeRunner({ [set("rampart_block_v4")]: empty, [set("rampart_block_v6")]: empty });
    const o = await runCheck(defBlocklistsLoaded, {}, { run, policyYaml: policy });
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, { rampart_block_v4: 0, rampart_block_v6: 0 });
  });
  test("skip without blocklists in the policy", async () => {
    assert.equal((await runCheck(defBlocklistsLoaded, {}, {})).status, "skip");
  });
});
