// The only code that changes the system for `rampart apply`, whatever the part: back up everything the plan
// touches, arm the detached rollback timer, make the changes (commands, atomic file writes, directories,
// kernel state), reload the services, and keep the result only when `rampart confirm` arrives from a new
// connection. Any failure on the way restores the backup at once. Rollback (timer, boot, by hand) and
// confirm live here too, so there is exactly one implementation of "undo".
import { promises as fsp } from "node:fs";
import path from "node:path";
import { RampartError, messageOf } from "../core/errors.js";
import { describe } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { readAccounts, resolveOwner } from "../facts/accounts.js";
import {
  type Manifest,
  backupDir,
  changedSince,
  createBackup,
  kernelSnapshots,
  listBackups,
  newApplyId,
  readManifest,
  recordAfter,
  restoreFiles,
  setState,
} from "./backup.js";
import type { Change, Owner, Part, PartContext, Plan } from "./plan.js";
import { claimPending, type Pending, readPending, releaseClaim, unfinishedRollback, writePending } from "./pending.js";
import { compareSessions, type SessionInfo } from "./session.js";
import { armTimer, bootDecision, cancelTimer, installBootHook, realSleep, removeBootHook, type Sleep, waitForDeadline } from "./timer.js";
import { systemdRunning } from "../system/systemd.js";

export interface ApplyOptions {
  confirmTimeoutSec: number;
  /** argv that starts rampart again (for the timer) */
  self: string[];
  cwd: string;
  /** test hook: stop after the changes and before the reload (simulates a crash) */
  sleep?: Sleep;
}

export interface ApplyResult {
  id: string;
  /** undefined: nothing to confirm (committed at once: --root, or no part needs it) */
  deadline: number | undefined;
  manifest: Manifest;
}

/** Every file and directory the changes may touch, plus the missing parents of new files. */
async function touched(fs: HostFs, changes: readonly Change[]): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const c of changes) {
    if (c.kind === "file") files.push(c.path);
    if (c.kind === "command") {
      files.push(...c.touches);
      dirs.push(...c.creates);
    }
    if (c.kind === "dir") dirs.push(c.path);
  }
  for (const f of [...files, ...dirs]) {
    for (let d = path.posix.dirname(f); d !== "/" && !(await fs.stat(d)); d = path.posix.dirname(d)) dirs.push(d);
  }
  return { files: [...new Set(files)], dirs: [...new Set(dirs)] };
}

async function ownerIds(fs: HostFs, owner: Owner): Promise<{ uid: number; gid: number }> {
  if (owner.user === "root" && owner.group === "root") return { uid: 0, gid: 0 };
  const ids = resolveOwner(await readAccounts(fs), owner);
  if (!ids)
    throw new RampartError("EXEC", `owner ${owner.user}:${owner.group} does not exist`, {
      hint: "The user or group was not created; see the command output above.",
    });
  return ids;
}

async function makeChange(ctx: PartContext, c: Change): Promise<void> {
  switch (c.kind) {
    case "command":
      ctx.log.info(`running ${describe(c.argv)}`);
      await ctx.run(c.argv, { timeoutMs: 120_000 });
      return;
    case "dir": {
      const real = await ctx.fs.real(c.path);
      await fsp.mkdir(real, { recursive: true, mode: c.mode });
      await fsp.chmod(real, c.mode);
      const ids = await ownerIds(ctx.fs, c.owner);
      await fsp.chown(real, ids.uid, ids.gid);
      return;
    }
    case "file":
      if (c.content === null) {
        await ctx.fs.remove(c.path);
        return;
      }
      await ctx.fs.writeAtomic(c.path, c.content, { mode: c.mode, ...(await ownerIds(ctx.fs, c.owner)) });
      return;
    case "kernel":
      await c.apply(ctx);
      return;
  }
}

/** Refuse to start while another apply waits for its confirm. */
export async function assertNothingPending(fs: HostFs): Promise<void> {
  const p = (await readPending(fs)) ?? (await unfinishedRollback(fs));
  if (p) {
    throw new RampartError("REFUSED", `apply ${p.id} is still waiting for its confirm (until ${new Date(p.deadline).toISOString()})`, {
      hint: "Run `rampart confirm` from a new SSH connection to keep it, or `rampart rollback` to undo it, then apply again.",
    });
  }
}

/**
 * Make the plan's changes. The plan must already be free of refusals. Returns once the changes are live and
 * (when a part needs it) the rollback timer is armed; `waitForConfirm` then waits for the outcome.
 */
export async function applyPlan(ctx: PartContext, parts: readonly Part[], plan: Plan, o: ApplyOptions): Promise<ApplyResult> {
  if (plan.refusals.length > 0) throw new RampartError("REFUSED", "internal: applyPlan called with refusals");
  await assertNothingPending(ctx.fs);
  const byName = new Map(parts.map((p) => [p.name, p]));
  const changedParts = [...new Set(plan.changes.map((c) => c.part))];
  const needsConfirm = ctx.live && changedParts.some((n) => byName.get(n)?.needsConfirm);
  const id = newApplyId(ctx.clock.now());
  const { files, dirs } = await touched(ctx.fs, plan.changes);
  const kernel: { part: string; key: string; snapshot: string }[] = [];
  for (const c of plan.changes) if (c.kind === "kernel") kernel.push({ part: c.part, key: c.key, snapshot: await c.snapshot(ctx) });
  let manifest = await createBackup(ctx.fs, { id, parts: changedParts, files, dirs, kernel, now: ctx.clock.now() });
  ctx.log.info(`backup written`, { id, files: files.length, dir: ctx.fs.display(`/var/lib/rampart/backups/${id}`) });

  // Arm the rollback BEFORE changing anything: a crash or kill half-way through still ends rolled back.
  let deadline: number | undefined;
  if (needsConfirm) {
    deadline = ctx.clock.now() + o.confirmTimeoutSec * 1000;
    const useSystemd = await systemdRunning(ctx.fs);
    const pending: Pending = {
      version: 1,
      id,
      deadline,
      armedAt: ctx.clock.now(),
      timeoutSec: o.confirmTimeoutSec,
      parts: changedParts,
      session: ctx.session,
      timer: { kind: "none" },
    };
    const requires = [...new Set(changedParts.flatMap((n) => byName.get(n)?.confirmRequires?.(ctx) ?? []))];
    if (requires.length) pending.confirmRequires = requires;
    // the boot hook first (it does nothing while no pending.json exists): without one a reboot would keep the
    // unconfirmed changes for good, so a host that cannot have it, or a failed write, refuses the apply here
    try {
      await installBootHook(ctx.fs, o.self, o.cwd, useSystemd);
    } catch (e) {
      await dropBootHook(ctx);
      await setState(ctx.fs, manifest, "failed", ctx.clock.now(), `no boot hook: ${messageOf(e)}`);
      if (e instanceof RampartError) throw e;
      throw new RampartError("EXEC", `could not install the boot hook: ${messageOf(e)}`, {
        hint: "Nothing was changed. Fix the cause and apply again.",
        cause: e,
      });
    }
    await writePending(ctx.fs, pending);
    pending.timer = await armTimer({ fs: ctx.fs, run: ctx.run, clock: ctx.clock, self: o.self, cwd: o.cwd, useSystemd }, pending);
    await writePending(ctx.fs, pending);
    ctx.log.info("rollback armed", { id, timer: pending.timer.kind, seconds: o.confirmTimeoutSec });
  }

  let current: Change | undefined;
  try {
    for (const c of plan.changes) {
      current = c;
      await makeChange(ctx, c);
    }
    current = undefined;
    if (ctx.live) for (const n of changedParts) await byName.get(n)?.reload(ctx);
  } catch (e) {
    const what = current
      ? `while making "${current.kind === "command" ? describe(current.argv) : current.kind === "kernel" ? current.summary : current.path}"`
      : "while reloading";
    ctx.log.error(`apply failed ${what}: ${messageOf(e)}; restoring the backup`);
    const claimed = needsConfirm ? await claimPending(ctx.fs, "rollback", id) : undefined;
    if (needsConfirm && !claimed)
      throw new RampartError("EXEC", `apply failed ${what}: ${messageOf(e)} (the rollback timer has already run)`, { cause: e });
    await restore(ctx, parts, manifest);
    if (claimed) {
      await cancelTimer(ctx.run, claimed.timer);
      await releaseClaim(ctx.fs, "rollback");
      await dropBootHook(ctx);
    }
    await setState(ctx.fs, manifest, "failed", ctx.clock.now(), `failed ${what}: ${messageOf(e)}`);
    throw new RampartError("EXEC", `apply failed ${what}: ${messageOf(e)}`, {
      hint: `Everything was restored from backup ${id}. Fix the cause and apply again.`,
      cause: e,
    });
  }
  manifest = await recordAfter(ctx.fs, manifest);
  manifest = await setState(ctx.fs, manifest, needsConfirm ? "pending" : "committed", ctx.clock.now());
  return { id, deadline, manifest };
}

/** The boot hook goes once nothing is pending (it is not in any backup: nothing else would remove it). */
async function dropBootHook(ctx: PartContext): Promise<void> {
  if ((await readPending(ctx.fs)) || (await unfinishedRollback(ctx.fs))) return;
  try {
    const removed = await removeBootHook(ctx.fs);
    if (removed.length) ctx.log.info("boot hook removed", { files: removed.join(", ") });
  } catch (e) {
    ctx.log.warn(`could not remove the boot hook: ${messageOf(e)}`);
  }
}

/**
 * Restore a backup: kernel state first (each snapshot through its part), then files and directories, then reload
 * the parts. Every piece is tried whatever failed before it: a damaged copy or a full disk must not keep the old
 * firewall from coming back. Parts with a lost snapshot or a file that could not be put back are asked to fail
 * open (Part.failOpen). Throws one STATE error listing every failure once all were tried.
 */
async function restore(ctx: PartContext, parts: readonly Part[], m: Manifest): Promise<void> {
  const byName = new Map(parts.map((p) => [p.name, p]));
  const failures: string[] = [];
  const lost: string[] = [];
  for (const k of await kernelSnapshots(ctx.fs, m)) {
    const part = byName.get(k.part);
    try {
      if ("damaged" in k) {
        lost.push(k.key);
        throw k.damaged;
      }
      if (!part?.restore)
        throw new RampartError("STATE", `backup ${m.id} has kernel state of part "${k.part}" that this rampart cannot restore`);
      await part.restore(ctx, k.key, k.snapshot);
    } catch (e) {
      failures.push(`kernel state ${k.key}: ${messageOf(e)}`);
    }
  }
  const files = await restoreFiles(ctx.fs, m);
  for (const f of files) failures.push(`${ctx.fs.display(f.path)}: ${f.why}`);
  if (lost.length || files.length) {
    const failed = { kernel: lost, files: files.map((f) => f.path) };
    for (const n of m.parts) {
      try {
        for (const did of (await byName.get(n)?.failOpen?.(ctx, failed)) ?? []) failures.push(`${n}: ${did}`);
      } catch (e) {
        failures.push(`${n}: could not fail open: ${messageOf(e)}`);
      }
    }
  }
  if (ctx.live) {
    for (const n of m.parts) {
      try {
        await byName.get(n)?.reload(ctx);
      } catch (e) {
        ctx.log.error(`reload of ${n} after the restore failed: ${messageOf(e)}`);
      }
    }
  }
  if (failures.length) {
    throw new RampartError("STATE", `backup ${m.id} was not fully restored:\n${failures.map((f) => `  - ${f}`).join("\n")}`, {
      location: ctx.fs.display(`${backupDir(m.id)}/manifest.json`),
      hint: "Everything else was restored. Put the pieces listed back by hand (the backup's files/ and kernel/ hold the copies that are intact).",
    });
  }
}

/**
 * The manifest of a pending apply cannot be read, so nothing can be restored: every part of it fails open (an
 * unconfirmed firewall must not stay), then the manifest's error is thrown with what was done.
 */
async function failOpenLost(ctx: PartContext, parts: readonly Part[], names: readonly string[], e: unknown): Promise<never> {
  const did: string[] = [];
  for (const part of parts.filter((x) => names.includes(x.name))) {
    try {
      for (const d of (await part.failOpen?.(ctx, "all")) ?? []) did.push(`${part.name}: ${d}`);
    } catch (e2) {
      did.push(`${part.name}: could not fail open: ${messageOf(e2)}`);
    }
  }
  if (!did.length || !(e instanceof RampartError)) throw e;
  throw new RampartError("STATE", `${e.message}\n${did.map((d) => `  - ${d}`).join("\n")}`, {
    location: e.location,
    hint: "Nothing was restored: put the files back by hand from the backup's files/ directory (cp -p); the parts listed failed open.",
    cause: e,
  });
}

export type Outcome = "confirmed" | "rolled-back";

/**
 * Wait in the foreground for the outcome of a pending apply (a confirm from another connection, or the
 * timer's rollback). If the deadline passes and the timer has not acted within `graceMs`, roll back here.
 */
export async function waitForConfirm(
  ctx: PartContext,
  parts: readonly Part[],
  id: string,
  deadline: number,
  sleep: Sleep = realSleep,
  onTick?: (remainingMs: number) => void,
  graceMs = 5000,
): Promise<Outcome> {
  const settled = async () => {
    const state = (await readManifest(ctx.fs, id)).state;
    return state === "confirmed" || state === "rolled-back" || state === "failed";
  };
  const r = await waitForDeadline(ctx.clock, sleep, deadline + graceMs, settled, 500, (ms) => onTick?.(Math.max(0, ms - graceMs)));
  if (r === "deadline") {
    if (await unfinishedRollback(ctx.fs)) {
      // the timer is restoring right now: give it time to finish; still unsettled after that, it died half-way
      // (killed, out of memory): finish its rollback here (restoring twice is harmless), never report a
      // rollback that did not happen
      const stuck = (await waitForDeadline(ctx.clock, sleep, ctx.clock.now() + 60_000, settled)) === "deadline";
      if (stuck)
        await rollbackPending(ctx, parts, "not confirmed in time (the timer's rollback died; finished by the applying process)", id, true);
    } else await rollbackPending(ctx, parts, "not confirmed in time (rolled back by the applying process)", id);
  }
  const m = await readManifest(ctx.fs, id);
  return m.state === "confirmed" ? "confirmed" : "rolled-back";
}

/** Roll back the pending apply (timer, boot, or `rampart rollback`). Returns its ID, or undefined when none. */
export async function rollbackPending(
  ctx: PartContext,
  parts: readonly Part[],
  why: string,
  id?: string,
  finishInterrupted = false,
): Promise<string | undefined> {
  let p = await claimPending(ctx.fs, "rollback", id);
  if (!p && finishInterrupted) {
    p = await unfinishedRollback(ctx.fs);
    if (!p || (id !== undefined && p.id !== id)) return undefined;
    ctx.log.warn(`finishing the interrupted rollback of ${p.id}`);
  }
  if (!p) return undefined;
  const m = await readManifest(ctx.fs, p.id).catch((e) => failOpenLost(ctx, parts, p.parts, e));
  await restore(ctx, parts, m);
  await setState(ctx.fs, m, "rolled-back", ctx.clock.now(), why);
  await cancelTimer(ctx.run, p.timer);
  await releaseClaim(ctx.fs, "rollback");
  // after the claim is released: a crash before this leaves a hook that finds nothing to do, never the reverse
  await dropBootHook(ctx);
  ctx.log.warn(`apply ${p.id} rolled back: ${why}`);
  return p.id;
}

/** Keep the pending apply. Refused from the session that applied (that proves nothing about new logins). */
export async function confirmPending(ctx: PartContext, now: SessionInfo, allowSameSession: boolean): Promise<string> {
  const p = await readPending(ctx.fs);
  if (!p) {
    const unfinished = await unfinishedRollback(ctx.fs);
    throw new RampartError("STATE", unfinished ? `apply ${unfinished.id} is being rolled back` : "no apply is waiting for a confirm", {
      hint: "Nothing to confirm: the change was confirmed already or rolled back (see /var/lib/rampart/backups/*/manifest.json).",
    });
  }
  const same = compareSessions(p.session, now);
  if (same !== "different" && !allowSameSession) {
    throw new RampartError(
      "REFUSED",
      same === "same"
        ? `refusing to confirm apply ${p.id} from the session that made it: that proves nothing about new logins`
        : `cannot tell whether this is a new connection (no SSH_CONNECTION, sshd ancestor or audit session on both sides)`,
      {
        hint: "Open a NEW ssh connection to this host and run `sudo rampart confirm` there (the change is rolled back otherwise). To confirm anyway, add --allow-same-session.",
      },
    );
  }
  if (!allowSameSession) await assertNewLogin(ctx, p, now);
  const needs = p.confirmRequires ?? [];
  if (needs.length && !allowSameSession) {
    const passed = now.authMethods;
    if (!passed) {
      throw new RampartError(
        "REFUSED",
        `apply ${p.id} requires a second factor, and this session does not show which methods its login passed`,
        {
          hint: "Run `sudo rampart confirm` in a NEW ssh login (sshd's ExposeAuthInfo, set by rampart, tells it the methods), not from a console or su.",
        },
      );
    }
    const missing = needs.filter((m) => !passed.includes(m));
    if (missing.length) {
      throw new RampartError(
        "REFUSED",
        `refusing to confirm apply ${p.id}: this connection logged in with ${passed.join(" + ") || "nothing"}, without ${missing.join(" + ")} — that does not prove the second factor works`,
        { hint: "Open a NEW ssh connection that logs in with the key AND the second factor, and run `sudo rampart confirm` there." },
      );
    }
  }
  const claimed = await claimPending(ctx.fs, "confirm", p.id);
  if (!claimed)
    throw new RampartError("STATE", `apply ${p.id} is no longer pending (the timer rolled it back just now)`, { hint: "Apply again." });
  await cancelTimer(ctx.run, claimed.timer);
  const m = await readManifest(ctx.fs, p.id);
  await setState(ctx.fs, m, "confirmed", ctx.clock.now());
  await releaseClaim(ctx.fs, "confirm");
  await dropBootHook(ctx);
  return p.id;
}

/**
 * The confirming login must be younger than the change it vouches for. A connection already open (the admin's
 * second session kept as a safety net, a multiplexed ControlMaster) passed the new firewall as an established
 * flow and sshd under its old config: however different a session it is, it proves nothing about new logins.
 * Its sshd must have started after the changes went live: when the manifest turned "pending", after the reload
 * (not armedAt, taken before the changes: a login opened while they were being made came in under the old
 * rules too). Unknown start (no sshd above this command, /proc silent): refused as well.
 */
async function assertNewLogin(ctx: PartContext, p: Pending, now: SessionInfo): Promise<void> {
  const again = "Log in again in a NEW ssh session and run `sudo rampart confirm` there (the change is rolled back otherwise).";
  const m = await readManifest(ctx.fs, p.id);
  if (m.state !== "pending") {
    throw new RampartError("REFUSED", `apply ${p.id} is ${m.state}, not yet waiting for its confirm`, {
      hint: `Wait until \`rampart apply\` says it waits for the confirm. ${again}`,
    });
  }
  const liveAt = Date.parse(m.stateAt);
  const started = now.sshd?.startedAt;
  if (started === undefined) {
    throw new RampartError(
      "REFUSED",
      `cannot tell when this login started (no sshd process above this command, or /proc does not say), so not that it came after apply ${p.id}`,
      { hint: `${again} To confirm anyway, add --allow-same-session.` },
    );
  }
  if (!(started > liveAt)) {
    throw new RampartError(
      "REFUSED",
      `refusing to confirm apply ${p.id} from an ssh login opened before its changes went live (login ${new Date(started).toISOString()}, changes ${m.stateAt}): an open connection is let through as established and proves nothing about new logins`,
      { hint: `${again} To confirm anyway, add --allow-same-session.` },
    );
  }
}

/** `rampart rollback [ID]`: the pending apply, or an earlier one (refused when its files changed since, unless forced). */
export async function rollbackById(ctx: PartContext, parts: readonly Part[], id: string | undefined, force: boolean): Promise<string> {
  const pending = await readPending(ctx.fs);
  if (pending && (id === undefined || id === pending.id)) {
    return (await rollbackPending(ctx, parts, "rolled back by hand (rampart rollback)", pending.id)) ?? pending.id;
  }
  let target = id;
  if (target === undefined) {
    const ids = await listBackups(ctx.fs);
    for (let i = ids.length - 1; i >= 0 && target === undefined; i--) {
      const m = await readManifest(ctx.fs, ids[i] as string);
      if (m.state === "confirmed" || m.state === "committed") target = m.id;
    }
    if (target === undefined)
      throw new RampartError("NOT_FOUND", "no apply to roll back", { hint: "Nothing was applied (or everything is rolled back already)." });
  }
  const m = await readManifest(ctx.fs, target);
  if (m.state !== "confirmed" && m.state !== "committed") {
    throw new RampartError("STATE", `apply ${m.id} is ${m.state}: there is nothing of it to roll back`, {
      hint: "Pick a confirmed apply from /var/lib/rampart/backups.",
    });
  }
  const edited = await changedSince(ctx.fs, m);
  if (edited.length > 0 && !force) {
    throw new RampartError("REFUSED", `files changed since apply ${m.id}: ${edited.join(", ")}`, {
      hint: "Restoring would undo those later edits too. Roll back the later applies first, or add --force.",
    });
  }
  await restore(ctx, parts, m);
  await setState(ctx.fs, m, "rolled-back", ctx.clock.now(), "rolled back by hand (rampart rollback)");
  return m.id;
}

/** The detached timer's body: sleep until the deadline unless settled, then roll back. */
export async function timerWait(
  ctx: PartContext,
  parts: readonly Part[],
  id: string,
  sleep: Sleep = realSleep,
): Promise<string | undefined> {
  const p = await readPending(ctx.fs);
  if (!p || p.id !== id) return undefined;
  const r = await waitForDeadline(ctx.clock, sleep, p.deadline, async () => (await readPending(ctx.fs))?.id !== id, 1000);
  if (r === "settled") return undefined;
  return rollbackPending(ctx, parts, `not confirmed within ${p.timeoutSec} s`, id);
}

/** Boot hook: finish an interrupted rollback, roll back an expired apply, or re-arm the timer for the rest. */
export async function rearmAtBoot(ctx: PartContext, parts: readonly Part[], self: string[], cwd: string): Promise<string> {
  if (await unfinishedRollback(ctx.fs)) {
    return `finished rollback of ${await rollbackPending(ctx, parts, "interrupted rollback finished at boot", undefined, true)}`;
  }
  const p = await readPending(ctx.fs);
  if (!p) {
    await dropBootHook(ctx); // left by a crash between a confirm and its clean-up
    return "nothing pending";
  }
  const d = bootDecision(p, ctx.clock.now());
  if (d.action === "rollback") return `rolled back ${await rollbackPending(ctx, parts, "not confirmed before the reboot", p.id)}`;
  const useSystemd = await systemdRunning(ctx.fs);
  p.timer = await armTimer({ fs: ctx.fs, run: ctx.run, clock: ctx.clock, self, cwd, useSystemd }, p);
  await writePending(ctx.fs, p);
  return `re-armed ${p.id}: ${Math.ceil(d.remainingMs / 1000)} s left`;
}
