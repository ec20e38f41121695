// Backups of everything an apply touches, under /var/lib/rampart/backups/<id>/: a copy of each file's bytes
// (files/0000 …), its mode, owner and whether it existed; directories the apply may create; kernel-state
// snapshots. The manifest is written last and atomically, so a backup is either complete or visibly damaged
// — a damaged manifest is reported with where the copies are, and nothing is restored from guesses.
// Restore verifies each copy's SHA-256 before it writes that file; a missing or altered copy (or a write that
// fails) leaves that one file as it is and is reported, and every other file is still put back: one bad copy
// must not keep the rest of a rollback from happening.
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { RampartError, messageOf } from "../core/errors.js";
import { type HostFs, isNotFound } from "../system/hostfs.js";
import { privateDir } from "../system/private.js";

export const STATE_DIR = "/var/lib/rampart";
export const BACKUP_DIR = `${STATE_DIR}/backups`;

export type ApplyState = "applying" | "pending" | "confirmed" | "committed" | "rolled-back" | "failed";

export interface FileRecord {
  path: string;
  existed: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  /** copy of the bytes, relative to the backup directory */
  blob?: string;
  sha256?: string;
  /** SHA-256 of the file right after the apply (null: absent), to detect later edits before an old rollback */
  after?: string | null;
}

export interface DirRecord {
  path: string;
  existed: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface KernelRecord {
  part: string;
  key: string;
  blob: string;
  sha256: string;
}

export interface Manifest {
  version: 1;
  id: string;
  createdAt: string;
  parts: string[];
  state: ApplyState;
  stateAt: string;
  files: FileRecord[];
  dirs: DirRecord[];
  kernel: KernelRecord[];
  /** why the state changed last (e.g. "not confirmed within 120 s") */
  note?: string;
}

export const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

/** A sortable, unique apply ID: 20260101T120000Z-3f9a. */
export function newApplyId(now: number): string {
  const t = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${t}-${randomBytes(2).toString("hex")}`;
}

const ID_RE = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;
export function checkId(id: string): string {
  if (!ID_RE.test(id)) {
    throw new RampartError("USAGE", `"${id}" is not an apply ID`, {
      hint: "IDs look like 20260101T120000Z-3f9a; list them with `ls /var/lib/rampart/backups`.",
    });
  }
  return id;
}

export const backupDir = (id: string): string => `${BACKUP_DIR}/${checkId(id)}`;

async function readBytes(fs: HostFs, target: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(await fs.real(target));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new RampartError("EXEC", `cannot read ${fs.display(target)} for the backup: ${messageOf(e)}`, { cause: e });
  }
}

export interface BackupRequest {
  id: string;
  parts: string[];
  files: string[];
  dirs: string[];
  kernel: { part: string; key: string; snapshot: string }[];
  now: number;
}

/** Copy everything, then write the manifest (state "applying"). */
export async function createBackup(fs: HostFs, req: BackupRequest): Promise<Manifest> {
  const dir = backupDir(req.id);
  await privateDir(await fs.real(STATE_DIR)); // 0700 even when it existed: backups hold sshd and sudoers files
  await fsp.mkdir(await fs.real(`${dir}/files`), { recursive: true, mode: 0o700 });
  const files: FileRecord[] = [];
  let n = 0;
  for (const target of [...new Set(req.files)]) {
    const st = await fs.stat(target);
    const bytes = st?.isFile() ? await readBytes(fs, target) : undefined;
    if (!st || bytes === undefined) {
      files.push({ path: target, existed: false });
      continue;
    }
    const blob = `files/${String(n++).padStart(4, "0")}`;
    await fs.writeAtomic(`${dir}/${blob}`, bytes, { mode: 0o600, uid: 0, gid: 0 });
    files.push({ path: target, existed: true, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, blob, sha256: sha256(bytes) });
  }
  const dirs: DirRecord[] = [];
  for (const target of [...new Set(req.dirs)]) {
    const st = await fs.stat(target);
    dirs.push(st ? { path: target, existed: true, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } : { path: target, existed: false });
  }
  const kernel: KernelRecord[] = [];
  for (const k of req.kernel) {
    const blob = `kernel/${String(kernel.length).padStart(4, "0")}`;
    await fs.writeAtomic(`${dir}/${blob}`, k.snapshot, { mode: 0o600 });
    kernel.push({ part: k.part, key: k.key, blob, sha256: sha256(k.snapshot) });
  }
  const at = new Date(req.now).toISOString();
  const manifest: Manifest = {
    version: 1,
    id: req.id,
    createdAt: at,
    parts: req.parts,
    state: "applying",
    stateAt: at,
    files,
    dirs,
    kernel,
  };
  await writeManifest(fs, manifest);
  return manifest;
}

export async function writeManifest(fs: HostFs, m: Manifest): Promise<void> {
  await fs.writeAtomic(`${backupDir(m.id)}/manifest.json`, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
}

export async function setState(fs: HostFs, m: Manifest, state: ApplyState, now: number, note?: string): Promise<Manifest> {
  const next: Manifest = { ...m, state, stateAt: new Date(now).toISOString() };
  if (note !== undefined) next.note = note;
  await writeManifest(fs, next);
  return next;
}

/** Read and check a manifest. A damaged one is a STATE error that says where the copies are. */
export async function readManifest(fs: HostFs, id: string): Promise<Manifest> {
  const dir = backupDir(id);
  const file = `${dir}/manifest.json`;
  const text = await fs.readTextIfExists(file);
  if (text === undefined) {
    throw new RampartError("NOT_FOUND", `no backup ${id}: ${fs.display(file)} does not exist`, {
      hint: "List the backups with `ls /var/lib/rampart/backups`.",
    });
  }
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw damaged(fs, dir, `manifest.json is not valid JSON (${messageOf(e)}; half-written?)`);
  }
  const ok =
    typeof m === "object" &&
    m !== null &&
    (m as Manifest).version === 1 &&
    (m as Manifest).id === id &&
    Array.isArray((m as Manifest).files) &&
    Array.isArray((m as Manifest).dirs) &&
    Array.isArray((m as Manifest).kernel);
  if (!ok) throw damaged(fs, dir, "manifest.json does not have the expected fields");
  return m as Manifest;
}

function damaged(fs: HostFs, dir: string, why: string): RampartError {
  return new RampartError("STATE", `backup ${path.posix.basename(dir)} is damaged: ${why}`, {
    location: fs.display(`${dir}/manifest.json`),
    hint: `Nothing was restored or changed. The file copies are intact in ${fs.display(`${dir}/files`)}; restore them by hand (cp -p) or choose another backup.`,
  });
}

/** A copy of the backup, read and checked against its hash; a missing or altered one is a STATE error. */
async function loadBlob(fs: HostFs, m: Manifest, what: string, blob: string | undefined, sha: string | undefined): Promise<Buffer> {
  const dir = backupDir(m.id);
  const bad = (why: string) =>
    new RampartError("STATE", `backup ${m.id} is damaged: ${why}`, {
      location: fs.display(`${dir}/manifest.json`),
      hint: `That one piece was left as it is; everything else was restored. Put it back by hand from a copy you trust.`,
    });
  if (!blob || !sha) throw bad(`the record of ${what} has no copy`);
  const bytes = await readBytes(fs, `${dir}/${blob}`);
  if (bytes === undefined) throw bad(`the copy of ${what} (${blob}) is missing`);
  if (sha256(bytes) !== sha) throw bad(`the copy of ${what} (${blob}) does not match its checksum`);
  return bytes;
}

/** A kernel snapshot of a backup: its text, or why its copy cannot be used (lost or altered). */
export type KernelSnapshot = { part: string; key: string } & ({ snapshot: string } | { damaged: RampartError });

/** Kernel snapshots of a backup, each verified on its own (a bad one does not hide the others). */
export async function kernelSnapshots(fs: HostFs, m: Manifest): Promise<KernelSnapshot[]> {
  const out: KernelSnapshot[] = [];
  for (const k of m.kernel) {
    try {
      const bytes = await loadBlob(fs, m, `${k.part} ${k.key}`, k.blob, k.sha256);
      out.push({ part: k.part, key: k.key, snapshot: bytes.toString("utf8") });
    } catch (e) {
      out.push({ part: k.part, key: k.key, damaged: e instanceof RampartError ? e : new RampartError("STATE", messageOf(e)) });
    }
  }
  return out;
}

/** A file or directory restoreFiles could not put back, and why. */
export interface RestoreFailure {
  path: string;
  why: string;
}

/**
 * Put every file and directory back as it was: content, mode, owner; files that did not exist are removed, and so
 * are the temp files of a write the killed apply left half done. Every one is tried (a bad copy, ENOSPC or EROFS
 * on one does not stop the others); returns those that could not be put back.
 */
export async function restoreFiles(fs: HostFs, m: Manifest): Promise<RestoreFailure[]> {
  const failures: RestoreFailure[] = [];
  for (const f of m.files) {
    try {
      if (f.existed) {
        const bytes = await loadBlob(fs, m, f.path, f.blob, f.sha256);
        await fs.writeAtomic(f.path, bytes, { mode: f.mode ?? 0o644, uid: f.uid ?? 0, gid: f.gid ?? 0 });
      } else {
        await fs.remove(f.path);
      }
    } catch (e) {
      failures.push({ path: f.path, why: messageOf(e) });
    }
    await fs.removeWriteLeftovers(f.path).catch(() => {});
  }
  // directories the apply created go (deepest first); ones that existed get their mode and owner back
  const dirs = [...m.dirs].sort((a, b) => b.path.length - a.path.length);
  for (const d of dirs) {
    try {
      const real = await fs.real(d.path);
      if (!d.existed) {
        if (d.path.split("/").filter(Boolean).length < 2) continue; // never / or a top-level directory
        await fsp.rm(real, { recursive: true, force: true });
      } else if (d.mode !== undefined) {
        await fsp.chmod(real, d.mode).catch(() => {});
        if (d.uid !== undefined && d.gid !== undefined) await fsp.chown(real, d.uid, d.gid).catch(() => {});
      }
    } catch (e) {
      failures.push({ path: d.path, why: messageOf(e) });
    }
  }
  return failures;
}

/** Files an apply wrote that have changed since (someone edited them): restoring would lose those edits. */
export async function changedSince(fs: HostFs, m: Manifest): Promise<string[]> {
  const out: string[] = [];
  for (const f of m.files) {
    if (f.after === undefined) continue;
    const bytes = await readBytes(fs, f.path);
    const now = bytes === undefined ? null : sha256(bytes);
    if (now !== f.after) out.push(f.path);
  }
  return out;
}

/** Record the post-apply hash of every file (for changedSince). */
export async function recordAfter(fs: HostFs, m: Manifest): Promise<Manifest> {
  const files: FileRecord[] = [];
  for (const f of m.files) {
    const bytes = await readBytes(fs, f.path);
    files.push({ ...f, after: bytes === undefined ? null : sha256(bytes) });
  }
  return { ...m, files };
}

/** Apply IDs, oldest first. */
export async function listBackups(fs: HostFs): Promise<string[]> {
  return (await fs.list(BACKUP_DIR)).filter((n) => ID_RE.test(n));
}
