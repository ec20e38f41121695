// FILE-MOUNT-OPTIONS: the mount points dev-sec names carry nodev, nosuid and noexec where they should — a
// device node, setuid program or executable on /tmp, /dev/shm or /var/tmp (world-writable) is the classic
// way a local foothold becomes root. Only mount points that are separate mounts are judged (as dev-sec
// does). Baseline fails a world-writable mount point without nodev or nosuid; every other missing option
// (noexec on /tmp breaks some installers, /boot and /var are often not separate) warns; strict fails all.
import { mounts } from "../../../facts/mounts.js";
import { isStrict } from "../../profile.js";
import type { Check } from "../../types.js";

/** dev-sec linux-baseline's mount_{exec,suid,dev}_blocklist inputs, as a table */
export const MOUNT_RULES: Record<string, ("nodev" | "nosuid" | "noexec")[]> = {
  "/boot": ["nodev", "noexec", "nosuid"],
  "/dev": ["noexec", "nosuid"],
  "/dev/shm": ["nodev", "noexec", "nosuid"],
  "/home": ["nodev", "nosuid"],
  "/run": ["nodev", "nosuid"],
  "/tmp": ["nodev", "noexec", "nosuid"],
  "/var": ["nodev", "nosuid"],
  "/var/log": ["nodev", "noexec", "nosuid"],
  "/var/log/audit": ["nodev", "noexec", "nosuid"],
  "/var/tmp": ["nodev", "noexec", "nosuid"],
};
const WORLD_WRITABLE = new Set(["/tmp", "/var/tmp", "/dev/shm"]);

export const mountOptions: Check = {
  id: "FILE-MOUNT-OPTIONS",
  area: "files",
  title: "Temporary, log and boot file systems are mounted nodev, nosuid, noexec",
  severity: "medium",
  remediation:
    "Add the missing options in /etc/fstab (for /tmp on tmpfs: `systemctl edit tmp.mount`, Options=…), then `mount -o remount PATH`.",
  refs: [
    "dev-sec linux-baseline os-14",
    "dev-sec linux-baseline os-15",
    "dev-sec linux-baseline os-16",
    "CIS Debian 12: Ensure nodev/nosuid/noexec option set on /tmp, /dev/shm, /var/tmp",
  ],
  strict: "every option of the dev-sec table on every separately mounted point (noexec on /tmp and /dev too)",
  async run(ctx) {
    const table = await mounts(ctx);
    if (!table.present) return { status: "skip", reason: `no mount table (${table.from})` };
    const observed: Record<string, string> = {};
    const expected: Record<string, string> = {};
    const hard: string[] = [];
    const soft: string[] = [];
    const sources: string[] = [];
    for (const [point, want] of Object.entries(MOUNT_RULES)) {
      const m = table.at(point);
      if (!m) continue;
      expected[point] = want.join(",");
      const missing = want.filter((o) => !m.options.has(o));
      observed[point] = missing.length ? `${m.fstype}, missing ${missing.join(",")}` : `${m.fstype}, ${want.join(",")}`;
      if (!missing.length) continue;
      sources.push(m.source);
      for (const o of missing) (WORLD_WRITABLE.has(point) && o !== "noexec" ? hard : soft).push(`${point} ${o}`);
    }
    if (Object.keys(observed).length === 0)
      return { status: "skip", reason: `none of ${Object.keys(MOUNT_RULES).join(", ")} is a separate mount (${table.from})` };
    const source = sources.length ? sources.join(", ") : table.from;
    if (hard.length || (soft.length && isStrict(ctx)))
      return { status: "fail", observed, expected, source, reason: `missing: ${[...hard, ...soft].join("; ")}` };
    if (soft.length)
      return { status: "warn", observed, expected, source, reason: `missing: ${soft.join("; ")} (audit.profile: strict fails this)` };
    return { status: "pass", observed, expected, source };
  },
};
