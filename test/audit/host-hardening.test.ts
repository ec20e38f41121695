// The checks for the Lynis findings of issue 17 (files, logging, boot, system areas; PAM strength and
// lockout): a fixture host that meets the strict profile passes all of them; an image planted with one
// weakness per check fails exactly that check; the baseline profile warns or skips where only strict
// requires something; and the readers (PAM includes, rsyslog/syslog-ng destinations, mountinfo, banners) on
// their own.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { checks as accountChecks } from "../../src/audit/checks/accounts/index.js";
import { checks as bootChecks } from "../../src/audit/checks/boot/index.js";
import { checks as fileChecks } from "../../src/audit/checks/files/index.js";
import { checks as loggingChecks } from "../../src/audit/checks/logging/index.js";
import { checks as systemChecks } from "../../src/audit/checks/system/index.js";
import { judgeBanner } from "../../src/audit/checks/system/banners.js";
import type { Check, CheckResult } from "../../src/audit/types.js";
import { parseFstab, parseMountinfo } from "../../src/facts/mounts.js";
import { ALICE_UID, audit, dpkgEntry, type FixtureRoot, goodRoot, HOST_HARDENING_IDS, MY_CHECKS, result } from "./helpers/root.js";

const STRICT = "audit:\n  profile: strict\n";
const NEW_IDS = HOST_HARDENING_IDS;
const NEW: Check[] = [...accountChecks, ...fileChecks, ...loggingChecks, ...bootChecks, ...systemChecks].filter((c) =>
  NEW_IDS.includes(c.id),
);
// every check the fixture host is built for: the existing accounts/kernel/services/mac ones and the new ones
const ALL: Check[] = [...MY_CHECKS.filter((c) => !NEW_IDS.includes(c.id)), ...NEW];

const LEGAL =
  "Authorised access only. All activity on this system is monitored and recorded; unauthorised use is prohibited and subject to criminal law.\n";
const GRUB_PW = 'set superusers="root"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.AAAA.BBBB\n';

const roots: FixtureRoot[] = [];
after(async () => {
  for (const r of roots) await r.cleanup();
});

/** goodRoot plus everything the new checks want, under the strict profile. */
async function hardRoot(name: string, change?: (r: FixtureRoot) => Promise<void>): Promise<FixtureRoot> {
  const r = await goodRoot(name);
  roots.push(r);
  await r.write(
    "/etc/pam.d/common-password",
    "password\trequisite\tpam_pwquality.so retry=3\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\npassword\trequisite\tpam_deny.so\n",
  );
  await r.write(
    "/etc/pam.d/common-auth",
    "auth required pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so nullok\nauth [default=die] pam_faillock.so authfail\n",
  );
  await r.write("/etc/pam.d/sshd", "@include common-auth\n@include common-password\n");
  await r.write("/etc/issue", LEGAL);
  await r.write("/etc/issue.net", LEGAL);
  await r.dir_("/root", { mode: 0o700 });
  await r.dir_("/root/.ssh", { mode: 0o700 });
  await r.write("/etc/hosts.allow", "sshd: ALL\n");
  await r.write("/etc/systemd/journald.conf", "[Journal]\nStorage=persistent\n");
  await r.write("/etc/systemd/journal-upload.conf", "[Upload]\nURL=https://logs.example:19532\n");
  await r.dir_("/var/log/journal");
  await r.write("/var/log/account/pacct", "");
  await r.write(
    "/var/lib/dpkg/status",
    ["openssh-server", "apparmor", "systemd-timesyncd", "systemd-journal-remote", "acct", "auditd"].map((n) => dpkgEntry(n)).join(""),
  );
  await r.write("/boot/grub/grub.cfg", `### BEGIN /etc/grub.d/00_header ###\n${GRUB_PW}menuentry 'Debian' {\n}\n`, { mode: 0o600 });
  await r.write("/etc/profile.d/tmout.sh", "TMOUT=600\nreadonly TMOUT\nexport TMOUT\n");
  await r.write(
    "/proc/self/mountinfo",
    [
      "21 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
      "22 21 0:30 / /tmp rw,nosuid,nodev,noexec - tmpfs tmpfs rw",
      "23 21 8:2 / /var rw,nosuid,nodev,relatime - ext4 /dev/sda2 rw",
      "24 21 8:3 / /home rw,nosuid,nodev,relatime - ext4 /dev/sda3 rw",
    ].join("\n"),
  );
  await proc(r, 1, "/sbin/init", "");
  await proc(r, 120, "/lib/systemd/systemd-journald", "7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n");
  await proc(r, 300, "/lib/systemd/systemd-timesyncd", "7f00-7f01 r-xp 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libssl.so.3\n");
  if (change) await change(r);
  return r;
}

async function proc(r: FixtureRoot, pid: number, exe: string, maps: string): Promise<void> {
  await r.write(`/proc/${pid}/cmdline`, `${exe}\0`);
  await r.write(`/proc/${pid}/maps`, maps);
}

async function run(r: FixtureRoot, policy = STRICT, checks = ALL): Promise<CheckResult[]> {
  return (await audit(r, { checks, policy, live: true })).checks;
}
const one = async (r: FixtureRoot, id: string, policy = STRICT) =>
  result(await audit(r, { checks: NEW.filter((c) => c.id === id), policy, live: true }), id);

// one weakness per new check
const PLANTS: Record<string, (r: FixtureRoot) => Promise<void>> = {
  "ACC-PAM-PWQUALITY": (r) =>
    r.write(
      "/etc/pam.d/common-password",
      "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\npassword requisite pam_deny.so\n",
    ),
  "ACC-PAM-FAILLOCK": (r) => r.write("/etc/pam.d/common-auth", "auth [success=1 default=ignore] pam_unix.so nullok\n"),
  "SYS-BANNER-ISSUE": (r) => r.write("/etc/issue", "Debian GNU/Linux 12 \\n \\l\n\n"),
  "SYS-BANNER-ISSUE-NET": (r) => r.write("/etc/issue.net", `${LEGAL}Kernel \\r on \\m\n`),
  "SYS-COMPILERS": (r) => r.write("/usr/bin/gcc-12", "\x7fELF", { mode: 0o755 }).then(() => r.link("/usr/bin/gcc", "gcc-12")),
  "SYS-SHELL-TIMEOUT": (r) => r.write("/etc/profile.d/tmout.sh", "TMOUT=600\nexport TMOUT\n"),
  "SYS-STALE-CODE": (r) =>
    proc(r, 300, "/lib/systemd/systemd-timesyncd", "7f00-7f01 r-xp 00000000 08:01 43 /usr/lib/x86_64-linux-gnu/libssl.so.3 (deleted)\n"),
  "LOG-DAEMON": (r) => r.remove("/proc/120"),
  "LOG-PERSISTENT": (r) => r.write("/etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n"),
  "LOG-REMOTE": (r) => r.remove("/etc/systemd/journal-upload.conf"),
  "LOG-TIME-SYNC": (r) => r.remove("/proc/300"),
  "LOG-PROCESS-ACCOUNTING": (r) => r.remove("/var/log/account"),
  "BOOT-GRUB-PASSWORD": (r) => r.write("/boot/grub/grub.cfg", "menuentry 'Debian' {\n}\n", { mode: 0o600 }),
  "BOOT-GRUB-CFG-MODES": (r) => r.write("/boot/grub/grub.cfg", `${GRUB_PW}menuentry 'Debian' {\n}\n`, { mode: 0o644 }),
  "FILE-HOME-MODES": (r) => r.dir_("/home/alice", { mode: 0o755, uid: ALICE_UID, gid: 1000 }),
  "FILE-SENSITIVE-MODES": (r) => r.write("/etc/hosts.allow", "ALL: ALL\n", { mode: 0o664 }),
  "FILE-WORLD-WRITABLE": (r) => r.write("/usr/local/sbin/backup.sh", "#!/bin/sh\n", { mode: 0o777 }),
  "FILE-PARTITIONS": (r) =>
    r.write(
      "/proc/self/mountinfo",
      "21 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n22 21 0:30 / /tmp rw,nosuid,nodev,noexec - tmpfs tmpfs rw\n",
    ),
};

describe("host hardening checks (Lynis findings, issue 17)", () => {
  it("every new check has a planted weakness", () => {
    assert.deepEqual(Object.keys(PLANTS).sort(), [...NEW_IDS].sort());
    for (const c of NEW) assert.ok(c.refs.length > 0, c.id);
  });

  it("a host meeting the strict profile passes every check", async () => {
    const res = await run(await hardRoot("strict-good"));
    const notPass = res.filter((c) => c.status !== "pass" && !(c.id.startsWith("KERN-") && c.status === "skip"));
    assert.deepEqual(
      notPass.map((c) => `${c.id}: ${c.status} ${c.reason ?? ""} ${JSON.stringify(c.evidence.observed)}`),
      [],
    );
  });

  for (const [id, plant] of Object.entries(PLANTS)) {
    it(`an image planted with one weakness fails exactly ${id}`, async () => {
      const res = await run(await hardRoot(`plant-${id}`, plant));
      const bad = res.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error").map((c) => `${c.id}:${c.status}`);
      assert.deepEqual(bad, [`${id}:fail`]);
    });
  }

  it("the baseline profile skips what only strict requires, and warns where strict fails", async () => {
    const r = await hardRoot("baseline", async (r) => {
      for (const id of ["ACC-PAM-FAILLOCK", "LOG-PROCESS-ACCOUNTING", "BOOT-GRUB-PASSWORD", "FILE-PARTITIONS", "SYS-SHELL-TIMEOUT"])
        await PLANTS[id]?.(r);
      for (const id of ["ACC-PAM-PWQUALITY", "SYS-COMPILERS", "LOG-REMOTE"]) await PLANTS[id]?.(r);
      await r.write("/etc/issue", "Welcome\n"); // no legal words: only strict minds
      await r.dir_("/home/alice", { mode: 0o755, uid: ALICE_UID, gid: 1000 }); // world-readable home: only strict minds
    });
    const res = await run(r, "");
    const status = Object.fromEntries(res.filter((c) => NEW_IDS.includes(c.id)).map((c) => [c.id, c.status]));
    for (const id of ["ACC-PAM-FAILLOCK", "LOG-PROCESS-ACCOUNTING", "BOOT-GRUB-PASSWORD", "FILE-PARTITIONS", "SYS-SHELL-TIMEOUT"]) {
      assert.equal(status[id], "skip", id);
      assert.match(res.find((c) => c.id === id)?.reason ?? "", /only audit\.profile: strict requires/);
    }
    for (const id of ["ACC-PAM-PWQUALITY", "SYS-COMPILERS", "LOG-REMOTE"]) assert.equal(status[id], "warn", id);
    assert.equal(status["SYS-BANNER-ISSUE"], "pass");
    assert.equal(status["FILE-HOME-MODES"], "pass");
    assert.equal((await one(r, "SYS-BANNER-ISSUE")).status, "fail", "strict wants legal words");
  });

  it("the baseline still fails a group-writable home, an OS-revealing banner, a world-readable grub.cfg with a hash", async () => {
    const r = await hardRoot("baseline-fails", async (r) => {
      await r.dir_("/home/alice", { mode: 0o775, uid: ALICE_UID, gid: 1000 });
      await PLANTS["SYS-BANNER-ISSUE"]?.(r);
      await PLANTS["BOOT-GRUB-CFG-MODES"]?.(r);
    });
    for (const id of ["FILE-HOME-MODES", "SYS-BANNER-ISSUE", "BOOT-GRUB-CFG-MODES"])
      assert.equal((await one(r, id, "")).status, "fail", id);
    const banner = await one(r, "SYS-BANNER-ISSUE", "");
    assert.deepEqual((banner.evidence.observed as { leaks: string[] }).leaks, ["Debian"]);
    assert.equal(banner.evidence.source, "/etc/issue");
  });

  it("grub.cfg without a password may be world-readable under the baseline (grub-mkconfig's 0444), not under strict", async () => {
    const r = await hardRoot("grub-0444", (r) => r.write("/boot/grub/grub.cfg", "menuentry 'Debian' {\n}\n", { mode: 0o444 }));
    assert.equal((await one(r, "BOOT-GRUB-CFG-MODES", "")).status, "pass");
    assert.equal((await one(r, "BOOT-GRUB-CFG-MODES")).status, "fail");
    const none = await hardRoot("no-grub", (r) => r.remove("/boot/grub"));
    assert.equal((await one(none, "BOOT-GRUB-PASSWORD")).status, "skip");
  });

  it("logging: rsyslog with a file destination keeps logs; its @@ line is a remote destination; no imklog warns", async () => {
    const r = await hardRoot("rsyslog", async (r) => {
      await r.write("/etc/systemd/journald.conf", "[Journal]\nStorage=volatile\n");
      await r.remove("/etc/systemd/journal-upload.conf");
      await r.write("/var/lib/dpkg/status", ["openssh-server", "rsyslog"].map((n) => dpkgEntry(n)).join(""));
      await r.write(
        "/etc/rsyslog.conf",
        '# rsyslog\nmodule(load="imuxsock")\n*.*;auth,authpriv.none\t\t-/var/log/syslog\n$IncludeConfig /etc/rsyslog.d/*.conf\n',
      );
      await r.write("/etc/rsyslog.d/90-remote.conf", "# forward\n*.* @@logs.example:6514\n");
      await r.remove("/proc/120");
      await proc(r, 130, "/usr/sbin/rsyslogd", "");
    });
    assert.equal((await one(r, "LOG-PERSISTENT")).status, "pass");
    const remote = await one(r, "LOG-REMOTE");
    assert.equal(remote.status, "pass");
    assert.equal(remote.evidence.source, "/etc/rsyslog.d/90-remote.conf:2");
    const d = await one(r, "LOG-DAEMON");
    assert.equal(d.status, "warn");
    assert.match(d.reason ?? "", /kernel messages/);
  });

  it("time sync under --root: an installed, unmasked timesyncd passes; masked fails", async () => {
    const r = await hardRoot("timesync-root");
    const ok = result(
      await audit(r, { checks: NEW.filter((c) => c.id === "LOG-TIME-SYNC"), policy: STRICT, live: false }),
      "LOG-TIME-SYNC",
    );
    assert.equal(ok.status, "pass");
    await r.link("/etc/systemd/system/systemd-timesyncd.service", "/dev/null");
    const masked = result(
      await audit(r, { checks: NEW.filter((c) => c.id === "LOG-TIME-SYNC"), policy: STRICT, live: false }),
      "LOG-TIME-SYNC",
    );
    assert.equal(masked.status, "fail");
  });

  it("world-writable: a sticky shared directory passes, one without the sticky bit fails; symlinks are not followed", async () => {
    const ok = await hardRoot("ww-sticky", async (r) => {
      await r.dir_("/etc/shared", { mode: 0o1777 });
      await r.link("/etc/to-tmp", "/tmp");
    });
    assert.equal((await one(ok, "FILE-WORLD-WRITABLE")).status, "pass");
    const bad = await hardRoot("ww-dir", (r) => r.dir_("/etc/shared", { mode: 0o777 }));
    const c = await one(bad, "FILE-WORLD-WRITABLE");
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.observed, ["/etc/shared/ 0777"]);
  });

  it("home directories: only accounts with a login shell (/etc/shells) count; Debian's sync account (/bin) does not", async () => {
    const sync = "sync:x:4:65534:sync:/bin:/bin/sync\n";
    const r = await hardRoot("home-sync", async (r) => {
      await r.write("/etc/passwd", `root:x:0:0:root:/root:/bin/bash\n${sync}alice:x:${ALICE_UID}:1000:Alice:/home/alice:/bin/bash\n`);
      await r.dir_("/bin", { mode: 0o775 });
    });
    assert.equal((await one(r, "FILE-HOME-MODES")).status, "pass", "no /etc/shells: /bin/sync is not a login shell");
    await r.write("/etc/shells", "# valid login shells\n/bin/sh\n/bin/bash\n");
    await r.dir_("/home/alice", { mode: 0o770, uid: ALICE_UID, gid: 1000 });
    const c = await one(r, "FILE-HOME-MODES", "");
    assert.equal(c.status, "fail");
    assert.deepEqual(Object.keys(c.evidence.observed as object), ["/home/alice"]);
  });

  it("PAM: the strength checker is found through @include in another service", async () => {
    const r = await hardRoot("pam-include", async (r) => {
      await r.write("/etc/pam.d/common-password", "@include common-pwq\npassword requisite pam_deny.so\n");
      await r.write(
        "/etc/pam.d/common-pwq",
        "# site policy\npassword  requisite  /lib/x86_64-linux-gnu/security/pam_passwdqc.so min=disabled,24,12,8,7\n",
      );
    });
    const c = await one(r, "ACC-PAM-PWQUALITY");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/etc/pam.d/common-pwq:2");
  });

  it("readers: banners, mountinfo, fstab", () => {
    assert.deepEqual(judgeBanner("Ubuntu 22.04.3 LTS \\n \\l").leaks, ["Ubuntu"]);
    assert.deepEqual(judgeBanner("\\S\nKernel \\r on an \\m").leaks.sort(), ["\\S", "\\m", "\\r"]);
    assert.equal(judgeBanner(LEGAL).legal.length >= 5, true);
    const m = parseMountinfo(
      "36 35 98:0 /x /mnt\\040disk rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n",
      "/proc/self/mountinfo",
    ).at("/mnt disk");
    assert.equal(m?.fstype, "ext3");
    assert.deepEqual([...(m?.options ?? [])].sort(), ["errors=continue", "noatime", "rw"]);
    assert.equal(m?.source, "/proc/self/mountinfo:1");
    const f = parseFstab("# x\nUUID=1 / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs nodev,nosuid 0 0\n", "/etc/fstab");
    assert.equal(f.at("/")?.fstype, "ext4");
    assert.equal(f.at("/tmp")?.source, "/etc/fstab:3");
  });
});
