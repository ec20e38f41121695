// Part `integrity`: check the file-integrity baseline daily — a systemd timer + oneshot service where systemd
// runs (the audit's INT-LAST-CHECK then reports what the last check found), otherwise a cron line; and the
// first baseline recorded right away when there is none.
import { INTEGRITY_DB } from "../../integrity/store.js";
import type { Part, PartContext, PartPlan } from "../plan.js";
import { selfInvocation } from "../../system/self.js";
import { cronWord, systemdWord } from "../../system/systemd.js";
import { noChecks, serviceChanges } from "./service-files.js";

export const INTEGRITY_SERVICE = "rampart-integrity.service";
export const INTEGRITY_TIMER = "rampart-integrity.timer";
export const INTEGRITY_CRON = "/etc/cron.d/rampart-integrity";

export function integrityUnits(self: string[], cwd: string): Record<string, string> {
  return {
    [INTEGRITY_SERVICE]: `# rampart integrity: written by \`rampart apply --only integrity\`; do not edit.
[Unit]
Description=rampart: compare system files with the integrity baseline
Documentation=man:rampart(8)

[Service]
Type=oneshot
WorkingDirectory=${cwd}
ExecStart=${[...self, "--log-format", "json", "integrity", "check"].map(systemdWord).join(" ")}
# exit 1 means "changes found": the result is recorded for the audit, not a unit failure
SuccessExitStatus=1
Nice=10
IOSchedulingClass=idle
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/lib/rampart
PrivateTmp=yes
`,
    [INTEGRITY_TIMER]: `# rampart integrity: written by \`rampart apply --only integrity\`; do not edit.
[Unit]
Description=rampart: daily integrity check

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
`,
  };
}

export function integrityCron(self: string[], cwd: string): string {
  return `# rampart integrity without systemd: written by \`rampart apply --only integrity\`; do not edit.\n43 3 * * * root cd ${cronWord(cwd)} && ${[...self, "integrity", "check"].map(cronWord).join(" ")} >>/var/log/rampart/integrity.log 2>&1\n`;
}

export const integrityPart: Part = {
  name: "integrity",
  needsConfirm: false,
  async plan(ctx: PartContext): Promise<PartPlan> {
    const { argv: self, cwd } = selfInvocation();
    const hasBaseline = await ctx.fs.exists(INTEGRITY_DB);
    const r = await serviceChanges(ctx, {
      part: "integrity",
      units: integrityUnits(self, cwd),
      enable: INTEGRITY_TIMER,
      cronPath: INTEGRITY_CRON,
      cronText: integrityCron(self, cwd),
      startNow: undefined,
      reason: "check the integrity baseline daily",
    });
    if (!hasBaseline) {
      r.changes.push({
        kind: "command",
        part: "integrity",
        argv: ctx.fs.live ? [...self, "integrity", "init"] : [...self, "integrity", "init", "--root", ctx.fs.root],
        reason: `record the first baseline of ${ctx.policy.integrity.paths.join(", ")}`,
        touches: [],
        creates: [],
      });
    }
    return r;
  },
  ...noChecks,
};
