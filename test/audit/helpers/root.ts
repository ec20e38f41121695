// Fixture roots for audit tests: a temporary directory laid out like a small Debian host (files, modes,
// owners), built by the test so that modes and owners are exact (git keeps neither). `goodRoot()` passes
// every accounts/kernel/services/mac check; each test breaks one thing and asserts the check that notices.
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { checks as accountChecks } from "../../../src/audit/checks/accounts/index.js";
import { checks as kernelChecks } from "../../../src/audit/checks/kernel/index.js";
import { SYSCTL_GROUPS } from "../../../src/audit/checks/kernel/recommended.js";
import { checks as macChecks } from "../../../src/audit/checks/mac/index.js";
import { checks as serviceChecks } from "../../../src/audit/checks/services/index.js";
import { runAudit } from "../../../src/audit/run.js";
import type { Area, Check, CheckResult } from "../../../src/audit/types.js";
import { FakeClock } from "../../../src/core/clock.js";
import { silentLogger } from "../../../src/core/logger.js";
import { defaultPolicy, parsePolicy } from "../../../src/policy/load.js";
import type { Policy } from "../../../src/policy/schema.js";
import type { AuditReport } from "../../../src/report/model.js";
import type { Runner } from "../../../src/system/exec.js";
import { HostFs } from "../../../src/system/hostfs.js";

export const IS_ROOT = process.getuid?.() === 0;
export const NEEDS_ROOT = IS_ROOT ? false : "needs root to give fixture files root ownership";
export const MY_CHECKS: Check[] = [...accountChecks, ...kernelChecks, ...serviceChecks, ...macChecks];

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
  "net.ipv6.conf.all.forwarding": "0",
  ...Object.fromEntries(
    SYSCTL_GROUPS.flatMap((g) => g.keys.map((k) => [k.key, "equals" in k.want ? k.want.equals : (k.want.oneOf.at(-1) as string)])),
  ),
};

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
  await r.write("/etc/login.defs", "UMASK\t\t022\n# ENCRYPT_METHOD DES\nENCRYPT_METHOD YESCRYPT\n");
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
  for (const [k, v] of Object.entries(SYSCTL_GOOD)) await r.write(`/proc/sys/${k.replace(/\./g, "/")}`, `${v}\n`);
  await r.write("/var/lib/dpkg/status", [dpkgEntry("openssh-server", "1:9.2p1-2"), dpkgEntry("apparmor", "3.0.8-3")].join(""));
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
