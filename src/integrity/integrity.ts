// src/integrity/ — the file baseline. Imports core/ and system/; imported by apply/, audit/ and cli/.
// `rampart integrity init | check`: record a baseline of hashes, modes and owners of system files, then
// report what was added, removed and changed since — and whether the package manager made each change.
import path from "node:path";
import type { Clock } from "../core/clock.js";
import type { HostFs } from "../system/hostfs.js";
import { privateDir, privateFileSync } from "../system/private.js";
import { type Difference, compare } from "./compare.js";
import { dpkgChecksums } from "./dpkg.js";
import { hashFiles } from "./hash.js";
import { BaselineStore, INTEGRITY_DB } from "./store.js";
import { type Entry, walk } from "./walk.js";

export interface Progress {
  start(phase: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export const noProgress: Progress = { start() {}, update() {}, stop() {} };

export interface IntegrityOptions {
  fs: HostFs;
  clock: Clock;
  paths: string[];
  exclude: string[];
  progress?: Progress;
  /** on-disk path of the database (default: /var/lib/rampart/integrity.db under the root) */
  database?: string;
  /** a configured path left out (it cannot be resolved inside the root), and why */
  onSkip?: (path: string, why: string) => void;
}

/** The database itself and other volatile state never belong to the baseline. */
const ALWAYS_EXCLUDED = ["/var/lib/rampart", "/proc", "/sys", "/dev", "/run", "/tmp"];

async function scan(o: IntegrityOptions): Promise<Entry[]> {
  const progress = o.progress ?? noProgress;
  const disk = new Map<string, string>();
  const entries = await walk({
    root: o.fs.root,
    paths: o.paths,
    exclude: [...ALWAYS_EXCLUDED, ...o.exclude],
    // an image's absolute symlinks resolve inside the image: never hash the auditing host's files
    real: (p) => o.fs.real(p),
    disk,
    onSkip: (p, why) => o.onSkip?.(p, why),
  });
  const files = entries.filter((e) => e.type === "file");
  progress.start("hashing", files.length);
  const digests = await hashFiles(
    files.map((f) => disk.get(f.path) ?? path.join(o.fs.root, f.path)),
    { onProgress: (n) => progress.update(n) },
  );
  progress.stop();
  files.forEach((f, i) => {
    const d = digests[i];
    if (d) f.sha256 = d;
  });
  return entries;
}

async function dbPath(o: { fs: HostFs; database?: string }): Promise<string> {
  return o.database ? path.resolve(o.database) : o.fs.real(INTEGRITY_DB);
}

export interface InitResult {
  database: string;
  files: number;
  entries: number;
  durationMs: number;
}

export async function integrityInit(o: IntegrityOptions): Promise<InitResult> {
  const started = o.clock.now();
  const t0 = performance.now();
  const entries = await scan(o);
  const file = await dbPath(o);
  // the default place is rampart's private state directory; a --database elsewhere keeps its directory's mode
  if (!o.database) await privateDir(path.dirname(file));
  else await (await import("node:fs/promises")).mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const store = BaselineStore.open(file, { create: true });
  privateFileSync(file);
  try {
    store.replace(entries, { paths: JSON.stringify(o.paths), exclude: JSON.stringify(o.exclude), createdAt: String(started) });
    const files = entries.filter((e) => e.type === "file").length;
    store.recordRun({ kind: "init", startedAt: started, finishedAt: o.clock.now(), files, added: 0, removed: 0, changed: 0, local: 0 });
    return {
      database: o.database ?? o.fs.display(INTEGRITY_DB),
      files,
      entries: entries.length,
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    store.close();
  }
}

export interface CheckResult {
  database: string;
  baselineAt: number;
  paths: string[];
  added: Difference[];
  removed: Difference[];
  changed: Difference[];
  durationMs: number;
}

export async function integrityCheck(
  o: Omit<IntegrityOptions, "paths" | "exclude"> & { paths?: string[]; exclude?: string[] },
): Promise<CheckResult> {
  const started = o.clock.now();
  const t0 = performance.now();
  const store = BaselineStore.open(await dbPath(o), { create: false });
  try {
    const meta = store.meta();
    const paths = o.paths ?? (JSON.parse(meta.paths ?? "[]") as string[]);
    const exclude = o.exclude ?? (JSON.parse(meta.exclude ?? "[]") as string[]);
    const current = await scan({ ...o, paths, exclude });
    const diffs = compare(store.entries(), current);
    await attribute(o.fs, diffs);
    const pick = (k: Difference["kind"]) => diffs.filter((d) => d.kind === k);
    const result: CheckResult = {
      database: o.database ?? o.fs.display(INTEGRITY_DB),
      baselineAt: Number(meta.createdAt ?? 0),
      paths,
      added: pick("added"),
      removed: pick("removed"),
      changed: pick("changed"),
      durationMs: 0,
    };
    store.recordRun({
      kind: "check",
      startedAt: started,
      finishedAt: o.clock.now(),
      files: current.length,
      added: result.added.length,
      removed: result.removed.length,
      changed: result.changed.length,
      local: diffs.filter((d) => d.by !== "package").length,
    });
    result.durationMs = Math.round(performance.now() - t0);
    return result;
  } finally {
    store.close();
  }
}

/** Mark content changes and added files that match an installed package's md5sum as the package manager's. */
async function attribute(fs: HostFs, diffs: Difference[]): Promise<void> {
  const candidates = diffs.filter((d) => d.type === "file" && (d.kind === "added" || d.what.includes("content")));
  if (candidates.length === 0) return;
  const sums = await dpkgChecksums(fs);
  const known = candidates.filter((d) => sums.has(d.path));
  const md5 = await hashFiles(await Promise.all(known.map((d) => fs.real(d.path).catch(() => path.join(fs.root, "/nonexistent")))), {
    algo: "md5",
  });
  for (const d of candidates) d.by = "local";
  known.forEach((d, i) => {
    const s = sums.get(d.path);
    if (s && md5[i] === s.md5) {
      d.by = "package";
      d.package = s.pkg;
    }
  });
}
