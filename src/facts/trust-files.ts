// .rhosts and .netrc files (any case) up to three levels below / — dev-sec os-09's `find / -maxdepth 3`:
// /.netrc, /root/.rhosts, /home/alice/.netrc. .rhosts makes r-commands trust a remote host and user;
// .netrc holds passwords in clear text. Bounded on purpose: three directory levels, never into the kernel's
// pseudo file systems (/proc, /sys, /dev, /run), symlinks not followed. Read through the audit root.
import { type Dirent, readdirSync } from "node:fs";
import path from "node:path";
import { later } from "../core/later.js";
import type { FactContext } from "./context.js";

const NAMES = new Set([".rhosts", ".netrc"]);
const PSEUDO = new Set(["/proc", "/sys", "/dev", "/run"]);
export const TRUST_FILE_DEPTH = 3;

export function trustFiles(ctx: FactContext): Promise<string[]> {
  return ctx.memo("trust-files", async () => {
    const found: string[] = [];
    // the root is resolved once (inside the image under --root); below it names are joined, and a symlink is
    // never a directory entry of type directory, so the walk cannot leave the tree. Synchronous: a few hundred
    // readdir calls cost milliseconds this way, many times that as promises holding up the rest of the audit —
    // but one top-level directory at a time, each after what is ready to run (a check about to start a program, a
    // program's answer): one walk of the whole tree held those up for hundreds of milliseconds.
    const walk = async (real: string, dir: string, depth: number): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = readdirSync(real, { withFileTypes: true });
      } catch {
        return; // unreadable or vanished: find prints an error and goes on, so do we
      }
      for (const e of entries) {
        const p = path.posix.join(dir, e.name);
        if (NAMES.has(e.name.toLowerCase())) found.push(p);
        if (depth < TRUST_FILE_DEPTH && e.isDirectory() && !PSEUDO.has(p)) {
          if (depth === 1) await later();
          await walk(path.join(real, e.name), p, depth + 1);
        }
      }
    };
    const root = await ctx.fs.real("/").catch(() => undefined);
    if (root) await walk(root, "/", 1);
    return found.sort();
  });
}
