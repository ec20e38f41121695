#!/usr/bin/env node
// Install the Debian packages the test suite drives for real (sshd, nft, iptables, ipset, …) when they are
// missing. Only as root; otherwise print one line and let the lab tests skip (they fail under CI=true).
// Service start-up during installation is suppressed by the distribution's policy-rc.d when present;
// the lab starts its own daemons inside namespaces.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// binary → package. Later parts add theirs here (one list, one install step).
export const NEEDED = {
  "/usr/sbin/sshd": "openssh-server",
  "/usr/bin/ssh": "openssh-client",
  "/usr/sbin/nft": "nftables",
  "/usr/sbin/iptables-restore": "iptables",
  "/usr/sbin/ipset": "ipset",
  "/usr/sbin/ip": "iproute2",
  "/usr/bin/sshpass": "sshpass",
  "/usr/bin/fail2ban-regex": "fail2ban",
  "/usr/bin/python3": "python3",
  "/usr/bin/unshare": "util-linux",
  "/usr/bin/chromium": "chromium",
  "/usr/bin/sqlite3": "sqlite3",
  "/usr/bin/systemd-analyze": "systemd",
  "/usr/sbin/lynis": "lynis",
  "/usr/bin/iprange": "iprange",
  "/usr/bin/aide": "aide",
  "/usr/bin/journalctl": "systemd",
  "/usr/sbin/visudo": "sudo",
  "/usr/lib/systemd/systemd-journald": "systemd",
  "/usr/bin/pg_ctlcluster": "postgresql",
  "/usr/bin/ansible-playbook": "ansible",
  "/usr/bin/google-authenticator": "libpam-google-authenticator",
  "/usr/bin/oathtool": "oathtool",
  // the Debian package (npm run package, test/package): dependencies, stripping, the lint
  "/usr/bin/dpkg-shlibdeps": "dpkg-dev",
  "/usr/bin/strip": "binutils",
  "/usr/bin/lintian": "lintian",
  "/usr/bin/man": "man-db",
};

const missing = [
  ...new Set(
    Object.entries(NEEDED)
      .filter(([bin]) => !existsSync(bin))
      .map(([, pkg]) => pkg),
  ),
];
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.log(`test set-up: not root, cannot install ${missing.join(" ")}: lab tests that need them will be skipped`);
  process.exit(0);
}
console.log(`test set-up: installing ${missing.join(" ")}`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
if (update.status !== 0) console.log("test set-up: apt-get update failed; trying the install with the current lists");
const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
if (r.status !== 0) {
  console.error(`test set-up: apt-get install ${missing.join(" ")} failed (exit ${r.status})`);
  process.exit(r.status ?? 1);
}
