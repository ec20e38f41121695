// ACC-ADMIN-SUDO: a non-root admin exists and sudo grants them ALL — the guides' first step, so that root
// never has to log in. With admins in the policy, each of them must be such a user.
import type { Check } from "../../types.js";
import { ADMIN_GROUPS, sudoAdmins } from "./admins.js";

export const adminSudo: Check = {
  id: "ACC-ADMIN-SUDO",
  area: "accounts",
  title: "A non-root admin can use sudo",
  severity: "high",
  remediation:
    "Create an admin and give it sudo: `adduser alice && usermod -aG sudo alice` (and keep `%sudo ALL=(ALL:ALL) ALL` in /etc/sudoers), or run `rampart apply --only users`.",
  refs: ["Lynis AUTH-9250", "CIS Debian 12: Ensure sudo is installed"],
  async run(ctx) {
    const { sudo, admins, db } = await sudoAdmins(ctx);
    if (!sudo.present) {
      return {
        status: "fail",
        observed: "sudo is not installed (no /etc/sudoers)",
        expected: "sudo installed, a non-root user granted ALL",
        source: "/etc/sudoers",
      };
    }
    const wanted = ctx.policy.admins.map((a) => a.name);
    const observed = admins.map((a) => `${a.name}: ${a.via}`);
    if (wanted.length > 0) {
      const missing = wanted.filter((n) => !admins.some((a) => a.name === n));
      if (missing.length > 0) {
        const absent = missing.filter((n) => !db.user(n));
        return {
          status: "fail",
          observed: observed.length ? observed : "no user is granted ALL by sudo",
          expected: `policy admins with sudo: ${wanted.join(", ")}`,
          source: admins[0]?.sources.join(", ") ?? "/etc/sudoers",
          reason: `not an admin: ${missing.join(", ")}${absent.length ? ` (no such user: ${absent.join(", ")})` : ""}`,
        };
      }
    }
    if (admins.length === 0) {
      const groups = ADMIN_GROUPS.map((g) => db.group(g)).filter((g) => g !== undefined);
      return {
        status: "fail",
        observed: "no non-root user is granted ALL by sudo",
        expected: `a non-root user in ${ADMIN_GROUPS.join("/")} (or a sudoers rule) granted ALL`,
        source: groups.map((g) => g.source).join(", ") || "/etc/sudoers",
      };
    }
    return {
      status: "pass",
      observed,
      expected: "at least one non-root user granted ALL by sudo",
      source: [...new Set(admins.flatMap((a) => a.sources))].join(", "),
    };
  },
};
