// How a long-running or scheduled rampart job is installed, shared by the `guard` and `blocklists` parts:
// where systemd is PID 1 (or under --root of an image that has systemd), unit files plus
// `systemctl enable --now`; on machines without systemd, a cron file plus an immediate start. Every file is
// a FileChange (diffed, backed up, restored on rollback); the unit text is checked with
// `systemd-analyze verify` in the tests. The plan notes what they call (system/self.ts: package or checkout).
import type { Change, Note, Part, PartContext } from "../plan.js";
import { describeSelf, selfInvocation } from "../../system/self.js";
import { systemdRunning } from "../../system/systemd.js";

export interface ServiceSpec {
  part: string;
  /** units by file name ("rampart-guard.service" → text); the first is enabled, or the timer when there is one */
  units: Record<string, string>;
  /** the unit to `systemctl enable --now` (a .service, or a .timer) */
  enable: string;
  cronPath: string;
  cronText: string;
  /** without systemd: argv that starts the job now (undefined: nothing to start) */
  startNow?: string[] | undefined;
  reason: string;
}

const ROOT = { user: "root", group: "root" };
export const UNIT_DIR = "/etc/systemd/system";

export async function serviceChanges(ctx: PartContext, spec: ServiceSpec): Promise<{ changes: Change[]; notes: Note[] }> {
  const changes: Change[] = [];
  const notes: Note[] = [];
  const live = await systemdRunning(ctx.fs);
  const imageWithSystemd = !ctx.fs.live && (await ctx.fs.stat(UNIT_DIR))?.isDirectory() === true;
  if (live || imageWithSystemd) {
    let changed = false;
    for (const [name, text] of Object.entries(spec.units)) {
      const path = `${UNIT_DIR}/${name}`;
      const before = await ctx.fs.readTextIfExists(path);
      if (before === text) continue;
      changed = true;
      changes.push({ kind: "file", part: spec.part, path, content: text, mode: 0o644, owner: ROOT, before, reason: spec.reason });
    }
    const wants = `${UNIT_DIR}/${spec.enable.endsWith(".timer") ? "timers.target.wants" : "multi-user.target.wants"}/${spec.enable}`;
    const enabled = (await ctx.fs.lstat(wants)) !== undefined;
    if (changed || !enabled) {
      changes.push({
        kind: "command",
        part: spec.part,
        argv: live ? ["systemctl", "enable", "--now", spec.enable] : ["systemctl", `--root=${ctx.fs.root}`, "enable", spec.enable],
        reason: live ? `enable and (re)start ${spec.enable}` : `enable ${spec.enable} in the image`,
        touches: [wants],
        creates: [],
      });
      if (live && enabled)
        changes.push({
          kind: "command",
          part: spec.part,
          argv: ["systemctl", "restart", spec.enable],
          reason: "pick up the new unit",
          touches: [],
          creates: [],
        });
    }
    if (changes.length) notes.push({ part: spec.part, message: describeSelf(selfInvocation()) });
    return { changes, notes };
  }
  const before = await ctx.fs.readTextIfExists(spec.cronPath);
  if (before !== spec.cronText) {
    changes.push({
      kind: "file",
      part: spec.part,
      path: spec.cronPath,
      content: spec.cronText,
      mode: 0o644,
      owner: ROOT,
      before,
      reason: `${spec.reason} (no systemd here: cron)`,
    });
  }
  if (spec.startNow && ctx.fs.live) {
    changes.push({
      kind: "command",
      part: spec.part,
      argv: spec.startNow,
      reason: "start it now (cron starts it at the next boot)",
      touches: [],
      creates: [],
    });
  }
  notes.push({ part: spec.part, message: "systemd is not running here: installed through cron instead of a unit" });
  if (changes.length) notes.push({ part: spec.part, message: describeSelf(selfInvocation()) });
  return { changes, notes };
}

/** Parts that only install files and start jobs have nothing to preflight, validate or reload. */
export const noChecks: Pick<Part, "preflight" | "validate" | "reload"> = {
  async preflight() {
    return [];
  },
  async validate() {
    return { refusals: [], notes: [] };
  },
  async reload() {},
};
