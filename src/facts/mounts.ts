// Mount points: live from /proc/self/mountinfo (what is mounted now), under --root from the image's
// /etc/fstab (what will be mounted at boot). Only the mount point, file system type and options are kept.
import type { AuditContext } from "../audit/types.js";

export interface Mount {
  target: string;
  fstype: string;
  options: string[];
  source: string;
}

export function mounts(ctx: AuditContext): Promise<{ from: string; list: Mount[] }> {
  return ctx.memo("mounts", async () => {
    if (ctx.live) {
      const text = await ctx.fs.readTextIfExists("/proc/self/mountinfo");
      if (text !== undefined) return { from: "/proc/self/mountinfo", list: parseMountinfo(text) };
    }
    return { from: "/etc/fstab", list: parseFstab((await ctx.fs.readTextIfExists("/etc/fstab")) ?? "") };
  });
}

// octal escapes in mount paths (\040 for a space)
const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  text.split("\n").forEach((line, i) => {
    const sep = line.indexOf(" - ");
    if (sep === -1) return;
    const left = line.slice(0, sep).split(" ");
    const right = line.slice(sep + 3).split(" ");
    const target = left[4];
    if (!target) return;
    const options = [...(left[5] ?? "").split(","), ...(right[2] ?? "").split(",")].filter(Boolean);
    out.push({
      target: unescapeOctal(target),
      fstype: right[0] ?? "",
      options: [...new Set(options)],
      source: `/proc/self/mountinfo:${i + 1}`,
    });
  });
  return out;
}

export function parseFstab(text: string): Mount[] {
  const out: Mount[] = [];
  text.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith("#")) return;
    const [, target, fstype, opts] = t.split(/\s+/);
    if (!target?.startsWith("/")) return;
    out.push({
      target: unescapeOctal(target),
      fstype: fstype ?? "",
      options: (opts ?? "defaults").split(","),
      source: `/etc/fstab:${i + 1}`,
    });
  });
  return out;
}
