// rampart's own state is private: /var/lib/rampart (bans, fleet outbox, backups of sshd and sudoers files,
// the integrity baseline, blocklist state) is 0700 and its files 0600, whatever existed before. mkdir's mode
// only applies to a directory it creates, and SQLite creates its database (and -wal/-shm/-journal) with the
// process umask — so an existing 0755 directory or the default umask 022 would leave them world-readable.
// These helpers set the modes explicitly, after creating.
import { chmodSync, lstatSync, mkdirSync, promises as fsp } from "node:fs";
import { RampartError } from "../core/errors.js";

/** SQLite's companion files, which hold the same data as the database. */
const SQLITE_SIDECARS = ["-wal", "-shm", "-journal"];

function refuseLink(dir: string, isLink: boolean): void {
  if (isLink) {
    throw new RampartError("REFUSED", `${dir} is a symlink: rampart keeps its private state only in a real directory`, {
      hint: `Move the link aside (mv ${dir} ${dir}.link) and run rampart again; it recreates the directory 0700.`,
    });
  }
}

/** Create `dir` (parents 0755 as usual) and make it 0700, also when it already existed. */
export function privateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  refuseLink(dir, lstatSync(dir).isSymbolicLink());
  chmodSync(dir, 0o700);
}

export async function privateDir(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  refuseLink(dir, (await fsp.lstat(dir)).isSymbolicLink());
  await fsp.chmod(dir, 0o700);
}

/** Make a file (and its SQLite companions, when present) 0600. */
export function privateFileSync(file: string): void {
  for (const f of [file, ...SQLITE_SIDECARS.map((s) => file + s)]) {
    try {
      chmodSync(f, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
}
