// File access "as if DIR were /" (`--root DIR`): every path rampart reads or writes is an absolute path on
// the target system, mapped under the root here. Absolute symlinks inside an image are followed relative to
// the image, never out of it (an image's /etc/ssh/… -> /usr/… must not read the auditing host's /usr).
// Writes are atomic (temp file + fsync + rename) and keep owner and mode, so a crash never leaves a
// half-written sshd_config or state file.
//
// Reads are synchronous behind the async API: what rampart reads is small local files (/etc, /proc, /sys, dpkg's
// status), where a synchronous read costs microseconds and a promise read four thread-pool round trips (open,
// fstat, read, close). An audit makes ~500 reads at once, and that queue held up every program it starts (sshd
// -T, nft, apt-helper) by hundreds of milliseconds. Files are opened O_NONBLOCK, so a FIFO planted in an image
// at a path rampart reads fails or reads empty instead of blocking the process. Writes stay asynchronous.
import {
  accessSync,
  closeSync,
  constants,
  promises as fsp,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
} from "node:fs";
import type { Stats } from "node:fs";
import path from "node:path";
import { RampartError } from "../core/errors.js";

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

export class HostFs {
  /** absolute path of the root on this machine ("/" for the live system) */
  readonly root: string;

  constructor(root = "/") {
    this.root = path.resolve(root);
  }

  /** true when operating on the running system (not an image under --root) */
  get live(): boolean {
    return this.root === "/";
  }

  /** Map a target path to a real path, following symlinks inside the root. */
  async real(target: string): Promise<string> {
    return this.realNow(target);
  }

  // The …Now forms answer synchronously (every method here reads synchronously inside): for a chain of reads
  // that must not wait, at each step, behind all the other work queued meanwhile (the audit's checks run at once).

  realNow(target: string): string {
    if (this.live) return target;
    const parts = path.posix.normalize(`/${target}`).split("/").filter(Boolean);
    let resolved = "";
    for (let hops = 0, i = 0; i < parts.length; i++) {
      const next = `${resolved}/${parts[i]}`;
      let link: string | undefined;
      try {
        link = readlinkSync(path.join(this.root, next));
      } catch {
        link = undefined;
      }
      if (link === undefined) {
        resolved = next;
        continue;
      }
      if (++hops > 40) throw new RampartError("INPUT", `too many symlinks resolving ${target} under ${this.root}`);
      const base = link.startsWith("/") ? link : `${resolved}/${link}`;
      const rest = parts.slice(i + 1);
      parts.splice(0, parts.length, ...path.posix.normalize(base).split("/").filter(Boolean), ...rest);
      i = -1;
      resolved = "";
    }
    return path.join(this.root, resolved || "/");
  }

  /** The on-disk path for messages: the target path, prefixed by the root when not live. */
  display(target: string): string {
    return this.live ? target : path.join(this.root, target);
  }

  async readText(target: string): Promise<string> {
    try {
      return readUtf8(await this.real(target));
    } catch (e) {
      throw fsError(e, this.display(target), "read");
    }
  }

  /** Contents, or undefined when the file does not exist (other errors still throw). */
  async readTextIfExists(target: string): Promise<string | undefined> {
    return this.readTextIfExistsNow(target);
  }

  readTextIfExistsNow(target: string): string | undefined {
    try {
      return readUtf8(this.realNow(target));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fsError(e, this.display(target), "read");
    }
  }

  async exists(target: string): Promise<boolean> {
    try {
      accessSync(await this.real(target), constants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async stat(target: string): Promise<Stats | undefined> {
    return this.statNow(target);
  }

  statNow(target: string): Stats | undefined {
    try {
      return statSync(this.realNow(target));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fsError(e, this.display(target), "stat");
    }
  }

  async lstat(target: string): Promise<Stats | undefined> {
    try {
      const dir = await this.real(path.posix.dirname(target));
      return lstatSync(path.join(dir, path.posix.basename(target)));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw fsError(e, this.display(target), "stat");
    }
  }

  /** Entry names of a directory, sorted; [] when it does not exist. */
  async list(target: string): Promise<string[]> {
    return this.listNow(target);
  }

  listNow(target: string): string[] {
    try {
      return readdirSync(this.realNow(target)).sort();
    } catch (e) {
      if (isNotFound(e) || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw fsError(e, this.display(target), "list");
    }
  }

  /**
   * Atomic write: temp file in the same directory, fsync, rename. Keeps the existing file's mode and owner
   * unless given; parents are created (0755) when missing.
   */
  async writeAtomic(target: string, data: string | Buffer, options: WriteOptions = {}): Promise<void> {
    const real = await this.real(target);
    const dir = path.dirname(real);
    await fsp.mkdir(dir, { recursive: true, mode: 0o755 });
    const before = await fsp.stat(real).catch(() => undefined);
    const mode = options.mode ?? (before ? before.mode & 0o7777 : 0o644);
    const tmp = path.join(dir, `.${path.basename(real)}.rampart-${process.pid}-${Date.now()}`);
    const fh = await fsp.open(tmp, "wx", mode);
    try {
      await fh.writeFile(data);
      await fh.chmod(mode);
      const uid = options.uid ?? before?.uid;
      const gid = options.gid ?? before?.gid;
      if (uid !== undefined && gid !== undefined) await fh.chown(uid, gid);
      await fh.sync();
    } catch (e) {
      await fh.close();
      await fsp.rm(tmp, { force: true });
      throw fsError(e, this.display(target), "write");
    }
    await fh.close();
    await fsp.rename(tmp, real);
    const dh = await fsp.open(dir, "r");
    await dh.sync().catch(() => {});
    await dh.close();
  }

  /**
   * Remove the temp files an interrupted writeAtomic of `target` left beside it (the process was killed between
   * creating its temp file and the rename): a rollback puts the directory back as it was, leftovers included.
   */
  async removeWriteLeftovers(target: string): Promise<void> {
    const real = await this.real(target).catch(() => undefined);
    if (!real) return;
    const dir = path.dirname(real);
    const prefix = `.${path.basename(real)}.rampart-`;
    const names = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith(prefix) && /^\d+-\d+$/.test(n.slice(prefix.length))) await fsp.rm(path.join(dir, n), { force: true });
    }
  }

  /** Remove a file or symlink itself (a final symlink is not followed: removing a link never removes its target). */
  async remove(target: string): Promise<void> {
    const dir = await this.real(path.posix.dirname(target));
    await fsp.rm(path.join(dir, path.posix.basename(target)), { force: true });
  }
}

function readUtf8(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

export function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

function fsError(e: unknown, where: string, verb: string): RampartError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new RampartError("NOT_FOUND", `cannot ${verb} ${where}: no such file`, { cause: e });
  if (code === "EACCES" || code === "EPERM") {
    return new RampartError("PERMISSION", `cannot ${verb} ${where}: permission denied`, {
      hint: "Run rampart as root (sudo rampart …).",
      cause: e,
    });
  }
  return new RampartError("EXEC", `cannot ${verb} ${where}: ${(e as Error).message}`, { cause: e });
}
