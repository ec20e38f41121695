// The file systems mounted at each mount point and their options: on the running system from
// /proc/self/mountinfo (what is mounted now; the last line for a mount point is the one on top), for an
// image under --root from /etc/fstab (what boot mounts). Options merge the per-mount and the per-superblock
// fields of mountinfo (nodev/nosuid/noexec are per-mount; some file systems report them per superblock too).
import type { FactContext } from "./context.js";

export const MOUNTINFO = "/proc/self/mountinfo";
export const FSTAB = "/etc/fstab";

export interface Mount {
  point: string;
  fstype: string;
  options: Set<string>;
  /** "/proc/self/mountinfo:23" or "/etc/fstab:4" */
  source: string;
}

export interface Mounts {
  /** where the table came from */
  from: string;
  /** false when there is no table to read */
  present: boolean;
  at(point: string): Mount | undefined;
}

export function mounts(ctx: FactContext): Promise<Mounts> {
  return ctx.memo("mounts", async () => {
    if (ctx.live) {
      const text = await ctx.fs.readTextIfExists(MOUNTINFO);
      if (text !== undefined) return parseMountinfo(text, MOUNTINFO);
    }
    return parseFstab(await ctx.fs.readTextIfExists(FSTAB), FSTAB);
  });
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

function table(from: string, present: boolean, list: Mount[]): Mounts {
  const byPoint = new Map<string, Mount>();
  for (const m of list) byPoint.set(m.point, m); // the last mount at a point is the visible one
  return { from, present, at: (p) => byPoint.get(p) };
}

/** `36 35 98:0 / /mnt1 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`; exported for tests. */
export function parseMountinfo(text: string, file: string): Mounts {
  const list: Mount[] = [];
  text.split("\n").forEach((l, i) => {
    const f = l.split(" ");
    const dash = f.indexOf("-", 6);
    if (dash === -1 || f.length < dash + 3) return;
    const options = new Set([...(f[5] ?? "").split(","), ...(f[dash + 3] ?? "").split(",")]);
    list.push({ point: unescapeOctal(f[4] ?? ""), fstype: f[dash + 1] ?? "", options, source: `${file}:${i + 1}` });
  });
  return table(file, true, list);
}

/** fstab: `device point type options dump pass`; swap and comments left out; exported for tests. */
export function parseFstab(text: string | undefined, file: string): Mounts {
  const list: Mount[] = [];
  (text ?? "").split("\n").forEach((l, i) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 3 || f[0]?.startsWith("#") || f[2] === "swap") return;
    list.push({
      point: unescapeOctal(f[1] ?? ""),
      fstype: f[2] ?? "",
      options: new Set((f[3] ?? "defaults").split(",")),
      source: `${file}:${i + 1}`,
    });
  });
  return table(file, text !== undefined, list);
}
