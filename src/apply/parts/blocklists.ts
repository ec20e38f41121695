// Part `blocklists`: refresh the configured lists on a schedule — a systemd timer + oneshot service where
// systemd runs (every `blocklists.refresh`, randomised so a fleet does not hit a list's server at once),
// otherwise a cron line; and a first `rampart blocklist update` right away.
import { formatDuration } from "../../policy/units.js";
import type { Part, PartContext, PartPlan } from "../plan.js";
import { selfInvocation } from "../../system/self.js";
import { cronWord, systemdWord } from "../../system/systemd.js";
import { noChecks, serviceChanges } from "./service-files.js";

export const BLOCKLIST_SERVICE = "rampart-blocklist.service";
export const BLOCKLIST_TIMER = "rampart-blocklist.timer";
export const BLOCKLIST_CRON = "/etc/cron.d/rampart-blocklist";

export function blocklistUnits(self: string[], cwd: string, refreshSec: number): Record<string, string> {
  return {
    [BLOCKLIST_SERVICE]: `# rampart blocklists: written by \`rampart apply --only blocklists\`; do not edit.
[Unit]
Description=rampart: fetch, merge and load the blocklists
Documentation=man:rampart(8)
Wants=network-online.target
After=network-online.target rampart-firewall.service

[Service]
Type=oneshot
WorkingDirectory=${cwd}
ExecStart=${[...self, "--log-format", "json", "blocklist", "update"].map(systemdWord).join(" ")}
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/lib/rampart /var/cache/rampart
ProtectHome=yes
PrivateTmp=yes
CapabilityBoundingSet=CAP_NET_ADMIN
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6
`,
    [BLOCKLIST_TIMER]: `# rampart blocklists: written by \`rampart apply --only blocklists\`; do not edit.
[Unit]
Description=rampart: refresh the blocklists every ${formatDuration(refreshSec)}

[Timer]
OnBootSec=5min
OnUnitActiveSec=${refreshSec}s
RandomizedDelaySec=15min

[Install]
WantedBy=timers.target
`,
  };
}

export function blocklistCron(self: string[], cwd: string, refreshSec: number): string {
  const hours = Math.max(1, Math.round(refreshSec / 3600));
  const when = hours >= 24 ? "17 4 * * *" : `17 */${hours} * * *`;
  return `# rampart blocklists without systemd: written by \`rampart apply --only blocklists\`; do not edit.\n${when} root cd ${cronWord(cwd)} && ${[...self, "blocklist", "update"].map(cronWord).join(" ")} >>/var/log/rampart/blocklist.log 2>&1\n`;
}

export const blocklistsPart: Part = {
  name: "blocklists",
  needsConfirm: false,
  async plan(ctx: PartContext): Promise<PartPlan> {
    const b = ctx.policy.blocklists;
    if (b.sources.length === 0)
      return { changes: [], notes: [{ part: "blocklists", message: "no blocklist sources in the policy: nothing to schedule" }] };
    const { argv: self, cwd } = selfInvocation();
    return serviceChanges(ctx, {
      part: "blocklists",
      units: blocklistUnits(self, cwd, b.refresh),
      enable: BLOCKLIST_TIMER,
      cronPath: BLOCKLIST_CRON,
      cronText: blocklistCron(self, cwd, b.refresh),
      startNow: [...self, "blocklist", "update"],
      reason: `refresh ${b.sources.length} list(s) every ${formatDuration(b.refresh)}`,
    });
  },
  ...noChecks,
};
