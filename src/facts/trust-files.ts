// .rhosts and .netrc files (any case) up to three levels below / — dev-sec os-09's `find / -maxdepth 3`:
// /.netrc, /root/.rhosts, /home/alice/.netrc. .rhosts makes r-commands trust a remote host and user;
// .netrc holds passwords in clear text. Bounded on purpose: three directory levels, never into the kernel's
// pseudo file systems (/proc, /sys, /dev, /run), symlinks not followed. Read through the audit root.
//
// Searched by `find` in its own process: the tens of thousands of entries three levels below / (most of them in
// /usr) cost this process 50-150 ms of its one thread, which every other check waits behind, where find runs
// beside it on another core for one program start (≈ 10 ms). Where find cannot run (not installed, a failure)
// the same walk is done here (walkTrustFiles).
import { type Dirent, readdirSync } from "node:fs";
import path from "node:path";
import { later } from "../core/later.js";
import type { FactContext } from "./context.js";

const NAMES = new Set([".rhosts", ".netrc"]);
const PSEUDO = ["/proc", "/sys", "/dev", "/run"];
export const TRUST_FILE_DEPTH = 3;

export function trustFiles(ctx: FactContext): Promise<string[]> {
  return ctx.memo("trust-files", async () => {
    const root = await ctx.fs.real("/").catch(() => undefined);
    if (!root) return [];
    return (await findTrustFiles(ctx, root)) ?? (await walkTrustFiles(root));
  });
}

/**
 * `find -H ROOT -maxdepth 3` pruning the pseudo file systems, names matched without regard to case, NUL-separated
 * paths turned back into target paths (the root's prefix removed); undefined when find cannot run. An unreadable
 * directory makes find say so and exit 1 after the rest: skipped, as the walk skips it.
 */
export async function findTrustFiles(ctx: FactContext, root: string): Promise<string[] | undefined> {
  const base = root.replace(/\/+$/, "");
  // -path takes a pattern: the root's own * ? [ \ matched as themselves
  const prune = PSEUDO.flatMap((p, i) => [...(i > 0 ? ["-o"] : []), "-path", `${base.replace(/[*?[\\]/g, "\\$&")}${p}`]);
  const names = [...NAMES].flatMap((n, i) => [...(i > 0 ? ["-o"] : []), "-iname", n]);
  const argv = [
    "find",
    "-H",
    base || "/",
    "-maxdepth",
    String(TRUST_FILE_DEPTH),
    "(",
    ...prune,
    ")",
    "-prune",
    "-o",
    "(",
    ...names,
    ")",
    "-print0",
  ];
  try {
    const r = await ctx.run(argv, { okCodes: [0, 1], timeoutMs: 20_000 });
    return r.stdout
      .split("\0")
      .filter((p) => p.startsWith(`${base}/`))
      .map((p) => p.slice(base.length))
      .sort();
  } catch (e) {
    ctx.log.debug("trust files: find did not run, walking here", { error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/**
 * The same search in this process. Synchronous: a few hundred readdir calls cost milliseconds this way, many
 * times that as promises — but one top-level directory at a time, each after what is ready to run (a check
 * about to start a program, a program's answer). The root is resolved once (inside the image under --root);
 * below it names are joined, and a symlink is never a directory entry of type directory, so the walk cannot
 * leave the tree.
 */
export async function walkTrustFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const pseudo = new Set(PSEUDO);
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
      if (depth < TRUST_FILE_DEPTH && e.isDirectory() && !pseudo.has(p)) {
        if (depth === 1) await later();
        await walk(path.join(real, e.name), p, depth + 1);
      }
    }
  };
  await walk(root, "/", 1);
  return found.sort();
}
