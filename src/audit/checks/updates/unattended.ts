// UPD-UNATTENDED-ENABLED: automatic updates really run — not merely "unattended-upgrades is installed":
// the package is installed, APT::Periodic::Update-Package-Lists and ::Unattended-Upgrade are non-zero
// (file:line of the setting that wins), and apt-daily.timer / apt-daily-upgrade.timer are enabled (or the
// cron fallback /etc/cron.daily/apt-compat exists on hosts without systemd timers).
import { type AptConfig, aptConfig, aptKey } from "../../../facts/apt.js";
import { packages } from "../../../facts/packages.js";
import type { Check } from "../../types.js";
import { enabledUnits } from "../../../facts/units.js";

const KEYS = ["APT::Periodic::Update-Package-Lists", "APT::Periodic::Unattended-Upgrade"] as const;

/** apt's periodic values: "0"/"" off; a number of days or "always" on. */
const periodicOn = (v: string | undefined) => v !== undefined && v.trim() !== "" && v.trim() !== "0";

export function periodic(cfg: AptConfig, key: string): { value?: string; source: string } {
  const v = cfg.scalars.get(aptKey(key));
  return v ? { value: v.value, source: v.source } : { source: "not set (default 0)" };
}

export const updUnattendedEnabled: Check = {
  id: "UPD-UNATTENDED-ENABLED",
  area: "updates",
  title: "Automatic security updates are enabled",
  severity: "medium",
  remediation:
    '`apt-get install unattended-upgrades && dpkg-reconfigure -plow unattended-upgrades` (writes /etc/apt/apt.conf.d/20auto-upgrades with APT::Periodic::Update-Package-Lists "1"; APT::Periodic::Unattended-Upgrade "1";), and `systemctl enable --now apt-daily.timer apt-daily-upgrade.timer`.',
  refs: ["CIS Ubuntu 22.04 1.9 (updates installed)", "Lynis PKGS-7420", "dev-sec os-hardening: os_auto_update"],
  async run(ctx) {
    const db = await packages(ctx);
    if (!db.present) return { status: "skip", reason: "no dpkg database (/var/lib/dpkg/status): not a Debian/Ubuntu system" };
    const pkg = db.packages.get("unattended-upgrades");
    const cfg = await aptConfig(ctx);
    const values = Object.fromEntries(KEYS.map((k) => [k, periodic(cfg, k)]));
    const units = await enabledUnits(ctx);
    const timers = ["apt-daily.timer", "apt-daily-upgrade.timer"].map((t) => ({ t, link: units.get(t) }));
    const cron = await ctx.fs.exists("/etc/cron.daily/apt-compat");
    const problems: string[] = [];
    if (!pkg?.installed) problems.push("unattended-upgrades is not installed");
    for (const k of KEYS)
      if (!periodicOn(values[k]?.value)) problems.push(`${k} is ${values[k]?.value ? `"${values[k]?.value}"` : "not set"}`);
    const timersOn = timers.every((x) => x.link);
    if (!timersOn && !cron)
      problems.push(
        `not enabled: ${timers
          .filter((x) => !x.link)
          .map((x) => x.t)
          .join(", ")} (and no /etc/cron.daily/apt-compat)`,
      );
    const observed = {
      package: pkg?.installed ? `unattended-upgrades ${pkg.version}` : "not installed",
      ...Object.fromEntries(KEYS.map((k) => [k, values[k]?.value ?? "unset"])),
      timers: timersOn ? timers.map((x) => x.link) : cron ? "cron: /etc/cron.daily/apt-compat" : "not enabled",
    };
    const source = [pkg?.source ?? "/var/lib/dpkg/status", ...KEYS.map((k) => values[k]?.source ?? "")].join(", ");
    return {
      status: problems.length === 0 ? "pass" : "fail",
      observed,
      expected: { package: "installed", [KEYS[0]]: "1", [KEYS[1]]: "1", timers: "apt-daily.timer and apt-daily-upgrade.timer enabled" },
      source,
      ...(problems.length > 0 ? { reason: problems.join("; ") } : {}),
    };
  },
};
