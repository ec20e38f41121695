// Walk the baseline's trees and describe every entry (type, mode, owner, size, mtime, link target) without
// reading contents; hashing is done separately (hash.ts) so that it can run in parallel. Paths are target
// paths (as seen on the audited system, also under --root). Special files (sockets, devices, fifos) are
// recorded by their metadata only. The walk never follows directory symlinks (no loops, no escape).
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
}

export async function walk(options: WalkOptions): Promise<Entry[]> {
  const out: Entry[] = [];
  const excluded = (p: string) => options.exclude.some((x) => p === x || p.startsWith(x.endsWith("/") ? x : `${x}/`));
  const visit = async (target: string): Promise<void> => {
    if (excluded(target)) return;
    const real = path.join(options.root, target);
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
        await Promise.all(names.slice(i, i + 64).map((n) => visit(target === "/" ? `/${n}` : `${target}/${n}`)));
      }
    } else if (st.isFile()) {
      out.push({ ...base, type: "file" });
    } else {
      out.push({ ...base, type: "other", size: 0 });
    }
    options.onEntry?.(out.length);
  };
  for (const p of options.paths) await visit(p);
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}
