// .rhosts and .netrc files (any case) up to three levels below / — dev-sec os-09's `find / -maxdepth 3`:
// /.netrc, /root/.rhosts, /home/alice/.netrc. .rhosts makes r-commands trust a remote host and user;
// .netrc holds passwords in clear text. Bounded on purpose: three directory levels, never into the kernel's
// pseudo file systems (/proc, /sys, /dev, /run), symlinks not followed. Read through the audit root.
import { promises as fsp } from "node:fs";
import path from "node:path";
import type { FactContext } from "./context.js";

const NAMES = new Set([".rhosts", ".netrc"]);
const PSEUDO = new Set(["/proc", "/sys", "/dev", "/run"]);
export const TRUST_FILE_DEPTH = 3;

export function trustFiles(ctx: FactContext): Promise<string[]> {
  return ctx.memo("trust-files", async () => {
    const found: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await fsp.readdir(await ctx.fs.real(dir), { withFileTypes: true });
      } catch {
        return; // unreadable or vanished: find prints an error and goes on, so do we
      }
      const subdirs: Promise<void>[] = [];
      for (const e of entries) {
        const p = path.posix.join(dir, e.name);
        if (NAMES.has(e.name.toLowerCase())) found.push(p);
        if (depth < TRUST_FILE_DEPTH && e.isDirectory() && !PSEUDO.has(p)) subdirs.push(walk(p, depth + 1));
      }
      await Promise.all(subdirs);
    };
    await walk("/", 1);
    return found.sort();
  });
}
