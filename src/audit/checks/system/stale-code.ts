// SYS-STALE-CODE: no running process still executes a program or shared library that an upgrade has
// replaced (deleted on disk, still mapped). Until such a service restarts, the security update it got is
// not in effect — what needrestart reports (Lynis DEB-0831), and the part of Lynis LOGG-2190 ("deleted files
// in use") that matters for security. Read from /proc/<pid>/maps and /proc/<pid>/exe, like needrestart.
import { readlink } from "node:fs/promises";
import { processes, programName } from "../../../facts/processes.js";
import type { Check } from "../../types.js";

// mapped code: a shared object or an executable in a system directory; not memfd/shm/tmp scratch files
const CODE = /\.so(?:\.\d+)*$|^\/(?:usr\/)?(?:bin|sbin|libexec)\//;

export const staleCode: Check = {
  id: "SYS-STALE-CODE",
  area: "system",
  title: "no process runs replaced (upgraded) code",
  severity: "medium",
  live: true,
  remediation:
    "Restart the listed services (`apt-get install needrestart` then `needrestart -r a` does it after every upgrade); reboot if it is PID 1 or the list is long.",
  refs: ["Lynis DEB-0831", "Lynis LOGG-2190", "https://github.com/liske/needrestart"],
  async run(ctx) {
    const stale = new Map<string, Set<string>>();
    await Promise.all(
      (await processes(ctx)).map(async (p) => {
        const files = new Set<string>();
        const maps = await ctx.fs.readTextIfExists(`/proc/${p.pid}/maps`).catch(() => undefined);
        for (const line of (maps ?? "").split("\n")) {
          const at = line.indexOf("/");
          if (at === -1 || !line.endsWith(" (deleted)")) continue;
          const file = line.slice(at, -" (deleted)".length);
          if (CODE.test(file)) files.add(file);
        }
        const exe = await ctx.fs
          .real(`/proc/${p.pid}/exe`)
          .then((r) => readlink(r))
          .catch(() => "");
        if (exe.endsWith(" (deleted)") && !exe.startsWith("/memfd:")) files.add(exe.slice(0, -" (deleted)".length));
        if (files.size) stale.set(`${programName(p)}[${p.pid}]`, files);
      }),
    );
    const expected = "no process mapping a deleted program or library";
    if (!stale.size) return { status: "pass", observed: "none", expected, source: "/proc/*/maps" };
    const observed = Object.fromEntries([...stale].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort().slice(0, 5)]));
    return { status: "fail", observed, expected, source: "/proc/*/maps", reason: `${stale.size} process(es) still run replaced code` };
  },
};
