// How the guard runs as a service: a sandboxed systemd unit where systemd is PID 1, and on machines
// without systemd a cron @reboot line plus a detached start. The unit keeps only what banning needs:
// CAP_NET_ADMIN (nft/ipset), CAP_DAC_READ_SEARCH (read logs and the journal), writes only to
// /var/lib/rampart and /run/rampart.
import { cronWord, systemdWord } from "../system/systemd.js";

export interface UnitOptions {
  /** argv that starts rampart (node, its flags, the entry script) */
  self: string[];
  /** working directory for it */
  cwd: string;
}

/**
 * The environment the guard runs in (the unit's Environment=; `guard run --detach` gives it to the process it
 * starts; bench/guard-daemon starts it the same way). --max-semi-space-size=4 bounds V8's young generation at
 * 2 × 4 MiB instead of growing to 2 × 16 MiB under the allocation rate of a flood: what the guard keeps lives
 * long (bans), what it makes per line dies young, so more frequent young collections cost little —
 * 16 → 4 MiB: −24 MiB of peak RSS. 2 MiB saves ~2 MiB more but doubles the collections: with the daemon at
 * 84–86 MiB (the policy read apart, libraries loaded only when configured) 4 MiB buys ~0.3 s of CPU per 1M
 * lines of a flood for +1.5 MiB (bench/guard-daemon: 413k–420k → 435k–466k lines/s, 85 → 86–87 MiB).
 * NODE_OPTIONS rather than node arguments: the package starts through a launcher script.
 * MALLOC_ARENA_MAX=1: glibc gives each thread that mallocs (V8's compiler and GC helpers, libuv's pool) an
 * arena of its own, and each keeps its freed memory; the guard's C-side allocations are few (SQLite, nft
 * pipes), so one shared arena costs no measurable CPU and saves ≈3-4 MiB of peak RSS (bench/guard-daemon).
 */
export const GUARD_ENV: Readonly<Record<string, string>> = { NODE_OPTIONS: "--max-semi-space-size=4", MALLOC_ARENA_MAX: "1" };

export const GUARD_UNIT_NAME = "rampart-guard.service";
export const GUARD_CRON_PATH = "/etc/cron.d/rampart-guard";

export function guardUnit(o: UnitOptions): string {
  const exec = [...o.self, "--log-format", "json", "guard", "run"];
  return `# rampart guard: written by \`rampart apply --only guard\`; do not edit (change the policy instead).
[Unit]
Description=rampart guard: ban attackers found in the logs
Documentation=man:rampart(8)
After=network-pre.target nftables.service rampart-firewall.service systemd-journald.service

[Service]
Type=simple
WorkingDirectory=${o.cwd}
ExecStart=${exec.map(systemdWord).join(" ")}
${Object.entries(GUARD_ENV)
  .map(([k, v]) => `Environment=${systemdWord(`${k}=${v}`)}`)
  .join("\n")}
Restart=on-failure
RestartSec=2s
RuntimeDirectory=rampart
RuntimeDirectoryPreserve=yes
StateDirectory=rampart
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/lib/rampart /run/rampart
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_DAC_READ_SEARCH
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6

[Install]
WantedBy=multi-user.target
`;
}

/** Without systemd: cron starts the daemon at boot; it detaches itself and logs to /var/log/rampart/guard.log. */
export function guardCron(o: UnitOptions): string {
  const exec = [...o.self, "guard", "run", "--detach"];
  // no GUARD_ENV here: `guard run --detach` gives it to the process it starts (run.ts detachGuard), so the
  // cron line, apply's "start it now" and an admin's own --detach all run the guard the same way
  return `# rampart guard without systemd: written by \`rampart apply --only guard\`; do not edit.\n@reboot root cd ${cronWord(o.cwd)} && ${exec.map(cronWord).join(" ")}\n`;
}
