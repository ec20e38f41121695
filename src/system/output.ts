// The one writer behind every --output FILE (audit reports, init's policy, fleet pages, fail2ban imports).
import { randomBytes } from "node:crypto";
import { lstat, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RampartError } from "../core/errors.js";

/**
 * Write a command's result to --output FILE; returns the absolute path. One writer for every command: a temp
 * file in the target's directory, fsync, rename — a crash never leaves half a report, and the target is
 * replaced, never written through. A target that is a symlink (or not a regular file) is refused: as root,
 * writing through a link planted in a shared directory would overwrite whatever it points at.
 */
export async function writeOutputFile(file: string, text: string, mode = 0o640): Promise<string> {
  const out = resolve(file);
  const st = await lstat(out).catch(() => undefined);
  if (st?.isSymbolicLink()) {
    throw new RampartError("REFUSED", `--output ${out} is a symlink: refusing to write through it`, {
      hint: "Remove the link or choose another --output path.",
    });
  }
  if (st && !st.isFile()) {
    throw new RampartError("REFUSED", `--output ${out} exists and is not a regular file`, { hint: "Choose another --output path." });
  }
  const tmp = join(dirname(out), `.${basename(out)}.rampart-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(text);
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw new RampartError("EXEC", `cannot write ${out}: ${(e as Error).message}`, {
      hint: "Choose a writable path with --output.",
      cause: e,
    });
  }
  return out;
}
