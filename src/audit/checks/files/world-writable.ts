// FILE-WORLD-WRITABLE: nothing in the system's own paths is writable by every user — a world-writable file
// under /etc, /boot, /usr/local or in a PATH directory (or such a directory without the sticky bit) lets any
// local account change what root runs or reads. The trees are searched MAX_DEPTH levels deep; /usr/bin-style
// PATH directories one level deep (packages ship files there, not trees). Searched by one `find` in its own
// process: the thousands of lstat calls cost this process 40-200 ms of its one thread, which every other
// check waits behind; where find cannot run the walk is done here, bounded (entries) to keep the audit fast.
import { type Dirent, lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { later } from "../../../core/later.js";
import type { AuditContext, Check } from "../../types.js";
import { oct } from "../../mode.js";

const TREES = ["/etc", "/boot", "/usr/local"];
const FLAT = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/lib/systemd/system", "/lib/systemd/system"];
const MAX_DEPTH = 8;
const MAX_ENTRIES = 60_000;

export const worldWritable: Check = {
  id: "FILE-WORLD-WRITABLE",
  area: "files",
  title: "no world-writable files in system paths",
  severity: "high",
  remediation: "`chmod o-w PATH` for each listed path (or `chmod +t` for a directory that must be shared), then find who made it writable.",
  refs: ["CIS Debian 12: Ensure world writable files and directories are secured"],
  async run(ctx) {
    const found: string[] = [];
    const budget = { left: MAX_ENTRIES };
    // /bin -> /usr/bin on merged-/usr systems: walk each real directory once
    const flat = (await Promise.all(FLAT.map(async (d) => ((await ctx.fs.lstat(d))?.isDirectory() ? d : undefined)))).filter(
      (d) => d !== undefined,
    );
    const byFind = await findWritable(ctx, TREES, flat);
    if (byFind) found.push(...byFind);
    else
      await Promise.all([
        ...TREES.map((d) => walk(ctx, d, 0, MAX_DEPTH, found, budget)),
        ...flat.map((d) => walk(ctx, d, 0, 0, found, budget)),
      ]);
    found.sort();
    const expected = "none (directories that must be shared carry the sticky bit)";
    const source = [...TREES, ...FLAT].join(", ");
    const note = budget.left <= 0 ? `stopped after ${MAX_ENTRIES} entries` : undefined;
    if (found.length)
      return {
        status: "fail",
        observed: found.slice(0, 50),
        expected,
        source: found.slice(0, 5).join(", "),
        ...(note ? { reason: note } : {}),
      };
    return { status: "pass", observed: "none", expected, source, ...(note ? { reason: note } : {}) };
  },
};

/** a find -path pattern matching `p` itself (its * ? [ \ as themselves) */
const literal = (p: string) => p.replace(/[*?[\\]/g, "\\$&");

/**
 * What walk finds, by `find -P` (symlinks never followed) from each existing directory's on-disk path: files
 * world-writable, directories world-writable without the sticky bit, below the trees down to MAX_DEPTH levels
 * under them, in the flat directories their entries only; the target paths with their modes in `oct` form.
 * undefined when find cannot run (not installed, a failure): then walk.
 */
async function findWritable(ctx: AuditContext, trees: readonly string[], flat: readonly string[]): Promise<string[] | undefined> {
  const starts = (
    await Promise.all(
      [...trees.map((d) => ({ d, flat: false })), ...flat.map((d) => ({ d, flat: true }))].map(async (s) => {
        const real = await ctx.fs.real(s.d).catch(() => undefined);
        return real && (await ctx.fs.lstat(s.d).catch(() => undefined))?.isDirectory()
          ? { ...s, real: real.replace(/\/+$/, "") || "/" }
          : undefined;
      }),
    )
  ).filter((s) => s !== undefined);
  if (starts.length === 0) return [];
  // the flat directories' subdirectories are checked, not entered (-prune after the check, joined by ",")
  const flatSubdirs = starts.filter((s) => s.flat).flatMap((s, i) => [...(i > 0 ? ["-o"] : []), "-path", `${literal(s.real)}/*`]);
  const argv = [
    "find",
    ...starts.map((s) => s.real),
    "-mindepth",
    "1",
    "-maxdepth",
    String(MAX_DEPTH + 1),
    "(",
    "(",
    "-type",
    "f",
    "-perm",
    "-0002",
    "-printf",
    "f %m %p\\0",
    ")",
    "-o",
    "(",
    "-type",
    "d",
    "-perm",
    "-0002",
    "!",
    "-perm",
    "-1000",
    "-printf",
    "d %m %p\\0",
    ")",
    ")",
    ...(flatSubdirs.length > 0 ? [",", "(", "-type", "d", "(", ...flatSubdirs, ")", "-prune", ")"] : []),
  ];
  try {
    // exit 1: a directory it could not read, said on stderr and skipped, as walk skips it
    const r = await ctx.run(argv, { okCodes: [0, 1], timeoutMs: 20_000 });
    const out: string[] = [];
    for (const rec of r.stdout.split("\0")) {
      const m = /^([fd]) ([0-7]+) (.*)$/s.exec(rec);
      if (!m) continue;
      const p = m[3] as string;
      const s = starts.find((x) => p.startsWith(`${x.real}/`));
      if (!s) continue;
      const target = `${s.d}${p.slice(s.real.length)}`;
      const mode = oct(Number.parseInt(m[2] as string, 8));
      out.push(m[1] === "d" ? `${target}/ ${mode}` : `${target} ${mode}`);
    }
    return out;
  } catch (e) {
    ctx.log.debug("world-writable: find did not run, walking here", { error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

/**
 * Walk `dir` (a target path) reading entry types from readdir, so symlinks (most of /etc/alternatives and
 * /usr/bin) cost no stat; the on-disk path is resolved once at the top (inside the image under --root) and
 * symlinks are never followed, so the walk cannot leave the tree.
 */
async function walk(
  ctx: AuditContext,
  dir: string,
  depth: number,
  maxDepth: number,
  found: string[],
  budget: { left: number },
): Promise<void> {
  const real = await ctx.fs.real(dir).catch(() => undefined);
  // each tree after what is ready to run (a check about to start a program, a program's answer): walked first,
  // they held those up for hundreds of milliseconds
  await later();
  if (real) walkReal(real, dir, depth, maxDepth, found, budget);
}

// Synchronous on purpose: a few thousand lstat calls cost ≈ 20 ms this way, and ten times that as promises
// (one thread-pool round trip and one promise each), which held up every other check of the audit.
function walkReal(real: string, dir: string, depth: number, maxDepth: number, found: string[], budget: { left: number }): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(real, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (budget.left-- <= 0) return;
    if (!(e.isFile() || e.isDirectory())) continue;
    let mode: number;
    let isDir: boolean;
    try {
      const st = lstatSync(path.join(real, e.name));
      mode = st.mode & 0o7777;
      isDir = st.isDirectory();
      if (!isDir && !st.isFile()) continue;
    } catch {
      continue;
    }
    const p = `${dir}/${e.name}`;
    if (isDir) {
      if (mode & 0o002 && !(mode & 0o1000)) found.push(`${p}/ ${oct(mode)}`);
      if (depth < maxDepth) walkReal(path.join(real, e.name), p, depth + 1, maxDepth, found, budget);
    } else if (mode & 0o002) found.push(`${p} ${oct(mode)}`);
  }
}
