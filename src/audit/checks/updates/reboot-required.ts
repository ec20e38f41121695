// UPD-REBOOT-REQUIRED: an installed update (kernel, libc, systemd …) only takes effect after a reboot;
// Debian's packages announce that in /var/run/reboot-required and name themselves in reboot-required.pkgs.
import type { Check } from "../../types.js";

const FLAG = "/var/run/reboot-required";

export const updRebootRequired: Check = {
  id: "UPD-REBOOT-REQUIRED",
  area: "updates",
  title: "No reboot is pending for installed updates",
  severity: "medium",
  remediation:
    'Reboot at a convenient time (`systemctl reboot`), or let unattended-upgrades do it: Unattended-Upgrade::Automatic-Reboot "true"; (policy updates.reboot.enabled).',
  refs: ["Lynis KRNL-5830"],
  async run(ctx) {
    const flag = await ctx.fs.readTextIfExists(FLAG);
    if (flag === undefined) return { status: "pass", observed: "no reboot-required flag", expected: `no ${FLAG}`, source: FLAG };
    const pkgs = (await ctx.fs.readTextIfExists(`${FLAG}.pkgs`)) ?? "";
    const list = [
      ...new Set(
        pkgs
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    const st = await ctx.fs.stat(FLAG);
    const since = st ? ` since ${st.mtime.toISOString().slice(0, 10)}` : "";
    return {
      status: "fail",
      observed: list.length > 0 ? `reboot required${since} by: ${list.join(", ")}` : `reboot required${since}`,
      expected: `no ${FLAG}`,
      source: list.length > 0 ? `${FLAG}, ${FLAG}.pkgs` : FLAG,
    };
  },
};
