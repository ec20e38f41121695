// The one unconfirmed apply, in /var/lib/rampart/pending.json: its ID, the deadline, the session that made it
// and the timer armed for it. Confirm and rollback *claim* it by renaming the file (rename is atomic, so of a
// confirm racing the timer exactly one wins); a rollback in progress is rollback.json, finished at the next
// start (boot) if the machine died half-way. Restoring is idempotent, so finishing twice is harmless.
import { promises as fsp } from "node:fs";
import { RampartError, messageOf } from "../core/errors.js";
import { type HostFs, isNotFound } from "../system/hostfs.js";
import { privateDir } from "../system/private.js";
import { STATE_DIR } from "./backup.js";
import type { SessionInfo } from "./session.js";

export const PENDING = `${STATE_DIR}/pending.json`;
export const ROLLING_BACK = `${STATE_DIR}/rollback.json`;
const CONFIRMING = `${STATE_DIR}/confirm.json`;

export type TimerRef = { kind: "systemd"; unit: string } | { kind: "process"; pid: number; start: string } | { kind: "none" };

export interface Pending {
  version: 1;
  id: string;
  /** ms since the epoch */
  deadline: number;
  armedAt: number;
  timeoutSec: number;
  parts: string[];
  session: SessionInfo;
  timer: TimerRef;
  /** methods the confirming connection must have passed (Part.confirmRequires), e.g. publickey + keyboard-interactive */
  confirmRequires?: string[];
}

function parse(text: string, where: string): Pending {
  try {
    const p = JSON.parse(text) as Pending;
    if (p.version === 1 && typeof p.id === "string" && typeof p.deadline === "number") return p;
  } catch (e) {
    throw damaged(where, messageOf(e));
  }
  throw damaged(where, "missing fields");
}

function damaged(where: string, why: string): RampartError {
  return new RampartError("STATE", `${where} is damaged (${why})`, {
    location: where,
    hint: "Run `rampart rollback` with the newest ID from /var/lib/rampart/backups to restore, then remove the file.",
  });
}

export async function readPending(fs: HostFs, file = PENDING): Promise<Pending | undefined> {
  const text = await fs.readTextIfExists(file);
  return text === undefined ? undefined : parse(text, fs.display(file));
}

export async function writePending(fs: HostFs, p: Pending): Promise<void> {
  await privateDir(await fs.real(STATE_DIR));
  await fs.writeAtomic(PENDING, `${JSON.stringify(p, null, 2)}\n`, { mode: 0o600, uid: 0, gid: 0 });
}

/**
 * Take the pending apply for a confirm or a rollback. Returns undefined when there is none (or another
 * process took it first, or `id` is given and a different apply is pending).
 */
export async function claimPending(fs: HostFs, as: "confirm" | "rollback", id?: string): Promise<Pending | undefined> {
  const current = await readPending(fs);
  if (!current || (id !== undefined && current.id !== id)) return undefined;
  const to = as === "confirm" ? CONFIRMING : ROLLING_BACK;
  try {
    await fsp.rename(await fs.real(PENDING), await fs.real(to));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  // the file we moved is the one we read unless an apply replaced it in between: read it again
  return parse((await fs.readTextIfExists(to)) ?? "", fs.display(to));
}

/** The claim of a rollback that did not finish (the machine stopped half-way). */
export async function unfinishedRollback(fs: HostFs): Promise<Pending | undefined> {
  return readPending(fs, ROLLING_BACK);
}

export async function releaseClaim(fs: HostFs, as: "confirm" | "rollback"): Promise<void> {
  await fs.remove(as === "confirm" ? CONFIRMING : ROLLING_BACK);
}
