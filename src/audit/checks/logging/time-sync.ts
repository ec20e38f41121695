// LOG-TIME-SYNC: the clock is kept in sync (systemd-timesyncd, chrony, ntpd, ntpsec, openntpd). Log
// timestamps that drift cannot be lined up with other hosts' during an investigation, and TOTP codes and
// TLS certificates fail on a wrong clock. Live: a sync daemon runs; under --root: one is installed and not
// masked.
import { packages } from "../../../facts/packages.js";
import { processes, programName } from "../../../facts/processes.js";
import type { Check } from "../../types.js";

const DAEMONS = ["systemd-timesyncd", "chronyd", "ntpd", "openntpd", "ntpsec"];
const PACKAGES = ["systemd-timesyncd", "chrony", "ntp", "ntpsec", "openntpd"];
const UNITS: Record<string, string> = {
  "systemd-timesyncd": "systemd-timesyncd.service",
  chrony: "chrony.service",
  ntp: "ntp.service",
  ntpsec: "ntpsec.service",
  openntpd: "openntpd.service",
};

export const timeSync: Check = {
  id: "LOG-TIME-SYNC",
  area: "logging",
  title: "the clock is synchronised (NTP)",
  severity: "medium",
  remediation: "`apt-get install systemd-timesyncd && systemctl enable --now systemd-timesyncd` (or chrony), with a reachable NTP server.",
  refs: ["Lynis TIME-3104", "Lynis TIME-3185", "CIS Debian 12: Ensure time synchronization is in use"],
  async run(ctx) {
    const expected = "one of systemd-timesyncd, chronyd, ntpd, openntpd running";
    if (ctx.live) {
      const running = (await processes(ctx)).filter((p) => DAEMONS.includes(programName(p))).map((p) => `${programName(p)}[${p.pid}]`);
      if (running.length) return { status: "pass", observed: running, expected, source: "/proc/*/cmdline" };
      return { status: "fail", observed: "no time sync daemon running", expected, source: "/proc/*/cmdline" };
    }
    const db = await packages(ctx);
    const installed = PACKAGES.filter((n) => db.packages.get(n)?.installed);
    const usable: string[] = [];
    for (const n of installed) {
      // masked = /etc/systemd/system/<unit> is a symlink to /dev/null (resolved inside the image)
      const unit = `/etc/systemd/system/${UNITS[n]}`;
      const masked = (await ctx.fs.lstat(unit))?.isSymbolicLink() && (await ctx.fs.real(unit)) === (await ctx.fs.real("/dev/null"));
      if (!masked) usable.push(n);
    }
    const exp = "a time sync package installed and not masked";
    if (usable.length) return { status: "pass", observed: usable, expected: exp, source: "/var/lib/dpkg/status" };
    return {
      status: "fail",
      observed: installed.length ? `${installed.join(", ")} masked` : "none installed",
      expected: exp,
      source: "/var/lib/dpkg/status",
    };
  },
};
