// Walk the baseline's trees and describe every entry (type, mode, owner, size, mtime, link target) without
// reading contents; hashing is done separately (hash.ts) so that it can run in parallel. Paths are target
// paths (as seen on the audited system, also under --root). Special files (sockets, devices, fifos) are
// recorded by their metadata only. The walk never follows directory symlinks (no loops, no escape). A start
// path is resolved through `real` (HostFs.real: an image's absolute symlink `usr -> /usr` is followed inside
// the image, never onto the auditing host); a start path that cannot be resolved inside the image (a loop) is
// reported through `onSkip` and left out. Each entry's on-disk path is kept in `disk` for the hashing.
import { lstat, readdir, readlink } from "node:fs/promises";
import path from "node:path";

export type EntryType = "file" | "dir" | "link" | "other";

export interface Entry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** symlink target */
  link?: string;
  /** sha256 of the contents, for regular files (filled by hash.ts) */
  sha256?: string;
}

export interface WalkOptions {
  /** on-disk root ("/" live, or the --root DIR) */
  root: string;
  /** target paths to walk */
  paths: string[];
  /** target path prefixes to skip */
  exclude: string[];
  onEntry?: (count: number) => void;
  /** maps a start path to its on-disk path inside the root (default: root + path, which follows host links) */
  real?: (target: string) => Promise<string>;
  /** filled with each entry's on-disk path (target path → disk path) */
  disk?: Map<string, string>;
  /** a start path left out, and why */
  onSkip?: (target: string, why: string) => void;
}

export async function walk(options: WalkOptions): Promise<Entry[]> {
  const out: Entry[] = [];
  const excluded = (p: string) => options.exclude.some((x) => p === x || p.startsWith(x.endsWith("/") ? x : `${x}/`));
  const visit = async (target: string, real: string): Promise<void> => {
    if (excluded(target)) return;
    options.disk?.set(target, real);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(real);
    } catch {
      return; // vanished or unreadable while walking: not part of the baseline
    }
    const base = { path: target, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
    if (st.isSymbolicLink()) {
      out.push({ ...base, type: "link", link: await readlink(real).catch(() => "") });
    } else if (st.isDirectory()) {
      out.push({ ...base, type: "dir", size: 0 });
      let names: string[] = [];
      try {
        names = await readdir(real);
      } catch {
        return;
      }
      names.sort();
      // bounded concurrency per directory keeps file descriptors in check on huge trees
      for (let i = 0; i < names.length; i += 64) {
        await Promise.all(names.slice(i, i + 64).map((n) => visit(target === "/" ? `/${n}` : `${target}/${n}`, path.join(real, n))));
      }
    } else if (st.isFile()) {
      out.push({ ...base, type: "file" });
    } else {
      out.push({ ...base, type: "other", size: 0 });
    }
    options.onEntry?.(out.length);
  };
  for (const p of options.paths) {
    let real: string;
    try {
      real = options.real ? await options.real(p) : path.join(options.root, p);
    } catch (e) {
      options.onSkip?.(p, (e as Error).message);
      continue;
    }
    await visit(p, real);
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}
