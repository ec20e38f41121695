// How the guard runs as a service: a sandboxed systemd unit where systemd is PID 1, and on machines
// without systemd a cron @reboot line plus a detached start. The unit keeps only what banning needs:
// CAP_NET_ADMIN (nft/ipset), CAP_DAC_READ_SEARCH (read logs and the journal), writes only to
// /var/lib/rampart and /run/rampart.
export interface UnitOptions {
  /** absolute path of node */
  node: string;
  /** absolute path of bin/rampart.js */
  entry: string;
  policy?: string;
}

export const GUARD_UNIT_NAME = "rampart-guard.service";
export const GUARD_UNIT_PATH = `/etc/systemd/system/${GUARD_UNIT_NAME}`;
export const GUARD_CRON_PATH = "/etc/cron.d/rampart-guard";

export function guardUnit(o: UnitOptions): string {
  const exec = [o.node, o.entry, "--log-format", "json", "guard", "run", ...(o.policy ? ["--policy", o.policy] : [])];
  return `# rampart guard: written by \`rampart apply --only guard\`; do not edit (change the policy instead).
[Unit]
Description=rampart guard: ban attackers found in the logs
Documentation=https://github.com/rampart-sec/rampart
After=network-pre.target nftables.service rampart-firewall.service systemd-journald.service
Wants=network-pre.target

[Service]
Type=simple
ExecStart=${exec.join(" ")}
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

/** Without systemd: cron starts the daemon at boot (it detaches itself and logs to a file). */
export function guardCron(o: UnitOptions): string {
  const exec = [o.node, o.entry, "guard", "run", "--detach", ...(o.policy ? ["--policy", o.policy] : [])];
  return `# rampart guard without systemd: written by \`rampart apply --only guard\`; do not edit.\n@reboot root ${exec.join(" ")}\n`;
}
