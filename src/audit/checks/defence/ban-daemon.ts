// DEF-BAN-DAEMON: something bans brute-forcing addresses right now — rampart guard or fail2ban running,
// found in /proc/*/cmdline (installed-but-stopped does not count).
import { processes } from "../../../facts/processes.js";
import type { Check } from "../../types.js";

export const defBanDaemon: Check = {
  id: "DEF-BAN-DAEMON",
  area: "defence",
  title: "A ban daemon is running (rampart guard or fail2ban)",
  severity: "medium",
  live: true,
  remediation:
    "`rampart apply --only guard` (installs and starts rampart-guard.service), or `apt-get install fail2ban && systemctl enable --now fail2ban`.",
  refs: ["Lynis TOOL-5190 (intrusion prevention tool)", "dev-sec ssh-hardening: fail2ban recommended"],
  async run(ctx) {
    const procs = await processes(ctx);
    const found: string[] = [];
    for (const p of procs) {
      const base = p.argv.slice(0, 2).map((a) => a.slice(a.lastIndexOf("/") + 1));
      if (base.includes("fail2ban-server")) found.push(`fail2ban-server (pid ${p.pid})`);
      const g = p.argv.indexOf("guard");
      if (g > 0 && p.argv[g + 1] === "run" && p.argv.slice(0, g).some((a) => /rampart/.test(a))) found.push(`rampart guard (pid ${p.pid})`);
    }
    const expected = "rampart guard run or fail2ban-server";
    if (found.length > 0) return { status: "pass", observed: found, expected, source: "/proc/*/cmdline" };
    return { status: "fail", observed: `no ban daemon among ${procs.length} processes`, expected, source: "/proc/*/cmdline" };
  },
};
