// Fixture roots for audit tests: a temporary directory laid out like a small Debian host (files, modes,
// owners), built by the test so that modes and owners are exact (git keeps neither). `goodRoot()` passes
// every accounts/kernel/services/mac check; each test breaks one thing and asserts the check that notices.
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { checks as accountChecks } from "../../../src/audit/checks/accounts/index.js";
import { checks as fileChecks } from "../../../src/audit/checks/files/index.js";
import { checks as kernelChecks } from "../../../src/audit/checks/kernel/index.js";
import { STRICT_ONLY_SYSCTL_GROUPS, SYSCTL_GROUPS } from "../../../src/audit/checks/kernel/recommended.js";
import { checks as loggingChecks } from "../../../src/audit/checks/logging/index.js";
import { checks as macChecks } from "../../../src/audit/checks/mac/index.js";
import { checks as serviceChecks } from "../../../src/audit/checks/services/index.js";
import { checks as systemChecks } from "../../../src/audit/checks/system/index.js";
import { runAudit } from "../../../src/audit/run.js";
import type { Area, Check, CheckResult } from "../../../src/audit/types.js";
import { FakeClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { defaultPolicy, parsePolicy } from "../../../src/policy/load.js";
import type { Policy } from "../../../src/policy/schema.js";
import type { AuditReport } from "../../../src/audit/report.js";
import type { Runner } from "../../../src/system/exec.js";
import { HostFs } from "../../../src/system/hostfs.js";

export const IS_ROOT = process.getuid?.() === 0;
export const NEEDS_ROOT = IS_ROOT ? false : "needs root to give fixture files root ownership";
export const MY_CHECKS: Check[] = [
  ...accountChecks,
  ...kernelChecks,
  ...serviceChecks,
  ...macChecks,
  ...fileChecks,
  ...loggingChecks,
  ...systemChecks,
];

/**
 * The checks of the Lynis findings (test/audit/host-hardening.test.ts): their fixture host adds banners, PAM
 * modules, a GRUB password… that goodRoot leaves out, so other suites judge goodRoot without them.
 */
export const HOST_HARDENING_IDS = [
  "ACC-PAM-PWQUALITY",
  "ACC-PAM-FAILLOCK",
  "FILE-HOME-MODES",
  "FILE-SENSITIVE-MODES",
  "FILE-WORLD-WRITABLE",
  "FILE-PARTITIONS",
  "LOG-DAEMON",
  "LOG-PERSISTENT",
  "LOG-REMOTE",
  "LOG-TIME-SYNC",
  "LOG-PROCESS-ACCOUNTING",
  "BOOT-GRUB-CFG-MODES",
  "BOOT-GRUB-PASSWORD",
  "SYS-STALE-CODE",
  "SYS-COMPILERS",
  "SYS-BANNER-ISSUE",
  "SYS-BANNER-ISSUE-NET",
  "SYS-SHELL-TIMEOUT",
];

/** the admin's uid: 1000 as root; our own uid otherwise (so ownership checks can still pass) */
export const ALICE_UID = IS_ROOT ? 1000 : (process.getuid?.() ?? 1000);

export interface FileOpts {
  mode?: number;
  uid?: number;
  gid?: number;
}

export class FixtureRoot {
  constructor(readonly dir: string) {}
  p(target: string): string {
    return path.join(this.dir, target);
  }
  async write(target: string, text: string, o: FileOpts = {}): Promise<void> {
    await mkdir(path.dirname(this.p(target)), { recursive: true });
    await writeFile(this.p(target), text);
    await this.own(target, o, 0o644);
  }
  async dir_(target: string, o: FileOpts = {}): Promise<void> {
    await mkdir(this.p(target), { recursive: true });
    await this.own(target, o, 0o755);
  }
  async own(target: string, o: FileOpts, defMode: number): Promise<void> {
    await chmod(this.p(target), o.mode ?? defMode);
    if (IS_ROOT) await chown(this.p(target), o.uid ?? 0, o.gid ?? 0);
  }
  async link(target: string, to: string): Promise<void> {
    await mkdir(path.dirname(this.p(target)), { recursive: true });
    await symlink(to, this.p(target));
  }
  async remove(target: string): Promise<void> {
    await rm(this.p(target), { recursive: true, force: true });
  }
  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function emptyRoot(name: string): Promise<FixtureRoot> {
  return new FixtureRoot(await mkdtemp(path.join(os.tmpdir(), `rampart-audit-${name}-`)));
}

// ---- keys: built byte by byte so the fixture needs no ssh-keygen

function sshString(b: Buffer | string): Buffer {
  const body = typeof b === "string" ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}
export function ed25519Key(comment = "alice@laptop", seed = 7): string {
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(Buffer.alloc(32, seed))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}
export function rsaKey(bits: number, comment = "old@box"): string {
  const n = Buffer.alloc(bits / 8 + 1, 0xab);
  n[0] = 0;
  n[1] = 0xc1;
  const blob = Buffer.concat([sshString("ssh-rsa"), sshString(Buffer.from([1, 0, 1])), sshString(n)]);
  return `ssh-rsa ${blob.toString("base64")} ${comment}`;
}

// ---- the baseline host

export const SYSCTL_GOOD: Record<string, string> = {
  "net.ipv4.ip_forward": "0",
  "net.ipv4.conf.all.forwarding": "0",
  "net.ipv6.conf.all.forwarding": "0",
  ...Object.fromEntries(
    SYSCTL_GROUPS.flatMap((g) => g.keys.map((k) => [k.key, "equals" in k.want ? k.want.equals : (k.want.oneOf.at(-1) as string)])),
  ),
};

/** the dev-sec values only `audit.profile: strict` demands (runtime only: apply never writes them) */
export const SYSCTL_STRICT_GOOD: Record<string, string> = Object.fromEntries(
  STRICT_ONLY_SYSCTL_GROUPS.flatMap((g) => g.keys.map((k) => [k.key, "equals" in k.want ? k.want.equals : (k.want.oneOf[0] as string)])),
);

/** /etc/login.defs as dev-sec linux-baseline os-05 wants it */
export const LOGIN_DEFS_GOOD = [
  "MAIL_DIR\t\t/var/mail",
  "ENV_SUPATH\tPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "ENV_PATH\tPATH=/usr/local/bin:/usr/bin:/bin:/usr/games",
  "UMASK\t\t027",
  "PASS_MAX_DAYS\t60",
  "PASS_MIN_DAYS\t7",
  "PASS_WARN_AGE\t7",
  "UID_MIN\t\t\t 1000",
  "GID_MIN\t\t\t 1000",
  "LOGIN_RETRIES\t\t5",
  "LOGIN_TIMEOUT\t\t60",
  "# ENCRYPT_METHOD DES",
  "ENCRYPT_METHOD YESCRYPT",
  "SHA_CRYPT_MIN_ROUNDS 5000",
  "SHA_CRYPT_MAX_ROUNDS 5000",
  "",
].join("\n");

/** /proc/self/mountinfo of a host with hardened /tmp, /dev/shm and /dev */
export const MOUNTINFO_GOOD = [
  "21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro",
  "22 21 0:5 / /dev rw,nosuid,noexec,relatime shared:2 - devtmpfs udev rw,size=4096k,mode=755",
  "23 22 0:23 / /dev/shm rw,nosuid,nodev,noexec shared:3 - tmpfs tmpfs rw",
  "24 21 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:4 - tmpfs tmpfs rw,size=400k,mode=755",
  "25 21 0:25 / /tmp rw,nosuid,nodev,noexec shared:5 - tmpfs tmpfs rw",
  "26 21 0:26 / /proc rw,nosuid,nodev,noexec,relatime shared:6 - proc proc rw",
  "",
].join("\n");

/** dev-sec package-08's auditd.conf */
export const AUDITD_CONF_GOOD = [
  "log_file = /var/log/audit/audit.log",
  "log_format = RAW",
  "flush = INCREMENTAL_ASYNC",
  "max_log_file_action = keep_logs",
  "space_left = 75",
  "action_mail_acct = root",
  "space_left_action = SYSLOG",
  "admin_space_left = 50",
  "admin_space_left_action = SUSPEND",
  "disk_full_action = SUSPEND",
  "disk_error_action = SUSPEND",
  "",
].join("\n");

export const MODPROBE_GOOD = [
  "# dev-sec os-10, Lynis USB-1000, STRG-1846, NETW-3200",
  ...[
    "cramfs",
    "freevxfs",
    "jffs2",
    "hfs",
    "hfsplus",
    "squashfs",
    "udf",
    "vfat",
    "usb-storage",
    "firewire-core",
    "dccp",
    "sctp",
    "rds",
    "tipc",
  ].map((m) => `install ${m} /bin/true`),
  "",
].join("\n");

export const PROC_NET_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
/** a /proc/net/tcp line: 0.0.0.0:port LISTEN */
export function tcpListenLine(slot: number, port: number): string {
  return `   ${slot}: 00000000:${port.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${1000 + slot} 1 0000000000000000 100 0 0 10 0\n`;
}

export function dpkgEntry(name: string, version = "1.0-1", status = "install ok installed"): string {
  return `Package: ${name}\nStatus: ${status}\nPriority: optional\nVersion: ${version}\nDescription: ${name}\n multi-line description\n\n`;
}

export async function goodRoot(name: string): Promise<FixtureRoot> {
  const r = await emptyRoot(name);
  await r.write("/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  await r.write("/etc/hostname", "fixture-host\n");
  await r.write(
    "/etc/passwd",
    `root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:${ALICE_UID}:1000:Alice:/home/alice:/bin/bash\n`,
  );
  await r.write(
    "/etc/shadow",
    "root:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nalice:$y$j9T$saltsaltsalt$hashhashhashhashhash:19000:0:99999:7:::\n",
    {
      mode: 0o640,
      gid: 42,
    },
  );
  await r.write("/etc/group", "root:x:0:\nshadow:x:42:\nsudo:x:27:alice\nalice:x:1000:\n");
  await r.write("/etc/gshadow", "root:*::\nshadow:*::\nsudo:*::alice\nalice:!::\n", { mode: 0o640, gid: 42 });
  await r.write(
    "/etc/sudoers",
    "Defaults\tenv_reset\nDefaults\tuse_pty\n\n# User privilege specification\nroot\tALL=(ALL:ALL) ALL\n\n%sudo\tALL=(ALL:ALL) ALL\n\n@includedir /etc/sudoers.d\n",
    { mode: 0o440 },
  );
  await r.dir_("/etc/sudoers.d", { mode: 0o755 });
  await r.write("/etc/sudoers.d/README", "# files in this directory are read by sudo\n", { mode: 0o440 });
  await r.write("/etc/login.defs", LOGIN_DEFS_GOOD);
  await r.write(
    "/etc/pam.d/common-password",
    "password\trequisite\tpam_pwquality.so retry=3\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok yescrypt\npassword\trequisite\tpam_deny.so\n",
  );
  await r.dir_("/home/alice", { mode: 0o750, uid: ALICE_UID, gid: 1000 });
  await r.dir_("/home/alice/.ssh", { mode: 0o700, uid: ALICE_UID, gid: 1000 });
  await r.write("/home/alice/.ssh/authorized_keys", `# alice\n${ed25519Key()}\n`, { mode: 0o600, uid: ALICE_UID, gid: 1000 });
  await r.write(
    "/etc/sysctl.d/60-rampart.conf",
    `# rampart\n${Object.entries(SYSCTL_GOOD)
      .map(([k, v]) => `${k} = ${v}`)
      .join("\n")}\n`,
  );
  for (const [k, v] of Object.entries({ ...SYSCTL_GOOD, ...SYSCTL_STRICT_GOOD }))
    await r.write(`/proc/sys/${k.replace(/\./g, "/")}`, `${v}\n`);
  await r.write("/proc/sys/kernel/core_pattern", "|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h\n");
  await r.write(
    "/proc/cpuinfo",
    "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep nx lm\n\n",
  );
  await r.write("/sys/devices/system/cpu/vulnerabilities/meltdown", "Mitigation: PTI\n");
  await r.write("/sys/devices/system/cpu/vulnerabilities/mds", "Not affected\n");
  await r.write("/proc/self/mountinfo", MOUNTINFO_GOOD);
  await r.write("/etc/fstab", "UUID=0a1b / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs nosuid,nodev,noexec 0 0\n");
  await r.write("/etc/modprobe.d/dev-sec.conf", MODPROBE_GOOD);
  await r.write("/etc/security/limits.conf", "# /etc/security/limits.conf\n*\thard\tcore\t0\n");
  await r.write("/etc/audit/auditd.conf", AUDITD_CONF_GOOD, { mode: 0o640 });
  await r.write("/proc/812/cmdline", "/sbin/auditd\0");
  await r.dir_("/var/log", { mode: 0o755 });
  await r.write("/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n", { mode: 0o600 });
  for (const d of ["/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly", "/etc/cron.d"])
    await r.dir_(d, { mode: 0o700 });
  await r.write("/etc/environment", 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\n');
  await r.write(
    "/etc/profile",
    'if [ "$(id -u)" -eq 0 ]; then\n  PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"\nfi\nexport PATH\n',
  );
  await r.write(
    "/var/lib/dpkg/status",
    [dpkgEntry("openssh-server", "1:9.2p1-2"), dpkgEntry("apparmor", "3.0.8-3"), dpkgEntry("auditd", "1:3.0.9-1")].join(""),
  );
  await r.write("/proc/net/tcp", PROC_NET_HEADER + tcpListenLine(0, 22));
  for (const t of ["tcp6", "udp", "udp6"]) await r.write(`/proc/net/${t}`, PROC_NET_HEADER);
  await r.write("/sys/module/apparmor/parameters/enabled", "Y\n");
  await r.write("/sys/kernel/security/apparmor/profiles", "/usr/sbin/ntpd (enforce)\nnvidia_modprobe (enforce)\n");
  return r;
}

export interface AuditOpts {
  live?: boolean;
  policy?: Policy | string;
  only?: Area[];
  checks?: Check[];
  clock?: FakeClock;
  run?: Runner;
}

const noRun: Runner = async (argv) => {
  throw new Error(`unexpected process in a fixture audit: ${argv.join(" ")}`);
};

export function policyFrom(yaml: string): Policy {
  const r = parsePolicy(yaml, "test-policy.yaml", new Date(Date.UTC(2026, 0, 1)));
  if (!r.policy) throw new Error(`bad test policy: ${JSON.stringify(r.errors)}`);
  return r.policy;
}

/** Audit a fixture root. `live: true` treats the root as the running system (so /proc and /sys fixtures are read). */
export async function audit(r: FixtureRoot, o: AuditOpts = {}): Promise<AuditReport> {
  const policy = typeof o.policy === "string" ? policyFrom(o.policy) : (o.policy ?? defaultPolicy());
  return runAudit({
    fs: new HostFs(r.dir),
    run: o.run ?? noRun,
    live: o.live ?? true,
    policy,
    policyFromFile: o.policy !== undefined,
    clock: o.clock ?? new FakeClock(Date.UTC(2026, 0, 1)),
    log: silentLogger,
    only: o.only,
    checks: o.checks ?? MY_CHECKS,
  });
}

export function result(report: AuditReport, id: string): CheckResult {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no result for ${id}; have ${report.checks.map((x) => x.id).join(", ")}`);
  return c;
}

/** One check's result on a fixture root. */
export async function check(r: FixtureRoot, id: string, o: AuditOpts = {}): Promise<CheckResult> {
  const only = MY_CHECKS.filter((c) => c.id === id);
  if (only.length === 0) throw new Error(`unknown check ${id}`);
  return result(await audit(r, { ...o, checks: only }), id);
}
