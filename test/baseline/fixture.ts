// Fixture roots for the host-baseline parts (sysctl, updates, services, mac): a temp directory used as
// `--root`, with just the files a part reads — os-release, dpkg status, unit files, and a fake proc/sys
// that says which kernel keys the image's kernel has.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FakeClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { PartContext } from "../../src/apply/plan.js";
import { type PolicyInput, policySchema } from "../../src/policy/schema.js";
import { run, type Runner } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";
import { SYSCTL_GROUPS } from "../../src/policy/sysctl.js";

export const DEBIAN_OS = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n';
export const UBUNTU_OS = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=noble\n';
const TIMER = (what: string) => `[Unit]\nDescription=${what}\n[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n`;

export interface Pkg {
  name: string;
  version?: string;
  status?: string;
}

export function dpkgStatus(pkgs: readonly Pkg[]): string {
  return pkgs
    .map(
      (p) =>
        `Package: ${p.name}\nStatus: ${p.status ?? "install ok installed"}\nVersion: ${p.version ?? "1.0"}\nDescription: x\n multi-line\n`,
    )
    .join("\n");
}

export class Root {
  readonly dir: string;
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "rampart-baseline-"));
  }
  write(target: string, content: string): this {
    const p = path.join(this.dir, target);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    return this;
  }
  /** a fake kernel: every recommended key plus forwarding/IPv6 keys, each with this value, minus `without` */
  kernel(value = "1", without: string[] = []): this {
    const keys = [
      ...SYSCTL_GROUPS.flatMap((g) => g.keys.map((k) => k.key)),
      "net.ipv4.ip_forward",
      "net.ipv6.conf.all.forwarding",
      "net.ipv6.conf.all.disable_ipv6",
      "net.ipv6.conf.default.disable_ipv6",
      "net.ipv6.conf.lo.disable_ipv6",
    ];
    for (const k of keys) if (!without.includes(k)) this.write(`/proc/sys/${k.replace(/\./g, "/")}`, `${value}\n`);
    return this;
  }
  debian(pkgs: readonly Pkg[] = [{ name: "bash" }]): this {
    this.write("/etc/os-release", DEBIAN_OS).write("/var/lib/dpkg/status", dpkgStatus(pkgs));
    this.write("/lib/systemd/system/apt-daily.timer", TIMER("Daily apt download activities"));
    this.write("/lib/systemd/system/apt-daily-upgrade.timer", TIMER("Daily apt upgrade and clean activities"));
    return this;
  }
  path(target: string): string {
    return path.join(this.dir, target);
  }
  ctx(policy: PolicyInput = {}, runner: Runner = run): PartContext {
    return {
      fs: new HostFs(this.dir),
      run: runner,
      policy: policySchema.parse(policy),
      log: silentLogger,
      clock: new FakeClock(Date.parse("2026-01-01T12:00:00Z")),
      live: false,
      session: {},
    };
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
