// Part `guard`: install and start the ban daemon — a sandboxed systemd unit (src/guard/unit.ts) where systemd
// runs, otherwise a cron @reboot line and a detached start. A daemon that already answers on its socket is
// restarted only when its unit changed.
import { callGuard } from "../../guard/control.js";
import { GUARD_CRON_PATH, GUARD_UNIT_NAME, guardCron, guardUnit } from "../../guard/unit.js";
import type { Part, PartContext, PartPlan } from "../plan.js";
import { selfInvocation } from "../../system/self.js";
import { noChecks, serviceChanges } from "./service-files.js";

async function running(): Promise<boolean> {
  try {
    await callGuard({ cmd: "status" }, undefined, 2000);
    return true;
  } catch {
    return false;
  }
}

export const guardPart: Part = {
  name: "guard",
  needsConfirm: false,
  async plan(ctx: PartContext): Promise<PartPlan> {
    if (!ctx.policy.guard.enabled)
      return { changes: [], notes: [{ part: "guard", message: "guard.enabled is false: nothing to install" }] };
    const { argv: self, cwd } = selfInvocation();
    const isRunning = ctx.fs.live && (await running());
    const r = await serviceChanges(ctx, {
      part: "guard",
      units: { [GUARD_UNIT_NAME]: guardUnit({ self, cwd }) },
      enable: GUARD_UNIT_NAME,
      cronPath: GUARD_CRON_PATH,
      cronText: guardCron({ self, cwd }),
      startNow: isRunning ? undefined : [...self, "guard", "run", "--detach"],
      reason: "run rampart guard at boot",
    });
    if (!ctx.policy.firewall.enabled) {
      r.notes.push({
        part: "guard",
        message: "firewall.enabled is false: the guard bans into rampart's sets, which only the firewall part creates",
      });
    }
    return r;
  },
  ...noChecks,
};
