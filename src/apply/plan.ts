// src/apply/ — plan, apply, confirm, rollback, and the parts. Imports the layers below (and the guard,
// integrity and mfa pieces it installs); imported by cli/ (and mfa/ for accounts).
// The one contract every part that changes the system implements (users, ssh, firewall, sysctl …), and the
// plan they produce together. A part only *describes* changes — file writes, commands, kernel-state swaps —
// and checks them (preflight: lock-out rules; validate: the real tool on candidate files). The transaction
// (transaction.ts) is the only code that makes changes, backs them up and arms the rollback, so every part
// gets the same safety: backup, atomic writes, detached rollback timer, confirm from a new connection.
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { type FactContext, factContext } from "../facts/context.js";
import type { Policy } from "../policy/schema.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { unifiedDiff } from "./diff.js";
import type { SessionInfo } from "./session.js";

/** A user and group by name: resolved to ids when the change is made (a user may be created by the plan). */
export interface Owner {
  user: string;
  group: string;
}

/** Write (or, with content null, remove) one file. Shown as a unified diff against the current file. */
export interface FileChange {
  kind: "file";
  part: string;
  path: string;
  /** new content; null removes the file */
  content: string | null;
  mode: number;
  owner: Owner;
  /** current content (undefined: the file does not exist) */
  before: string | undefined;
  /** current mode/owner when the file exists, for the "mode 0644 → 0600" line */
  beforeMode?: number | undefined;
  beforeOwner?: Owner | undefined;
  /** one line: why */
  reason: string;
  /** content that must never be shown or logged (a password hash): the plan prints "(secret)" instead */
  secret?: boolean;
}

/** Make sure a directory exists with this mode and owner (created parents are root's, 0755). */
export interface DirChange {
  kind: "dir";
  part: string;
  path: string;
  mode: number;
  owner: Owner;
  exists: boolean;
  reason: string;
}

/** Run a program. argv only; the argv is shown in the plan, so it must never hold a secret. */
export interface CommandChange {
  kind: "command";
  part: string;
  argv: string[];
  reason: string;
  /** files the program may change: backed up before, restored byte for byte on rollback */
  touches: string[];
  /** directories the program may create: removed on rollback when they did not exist before */
  creates: string[];
  /** set when a rollback cannot undo the program's effect (a package purge): why, and how to undo it by hand */
  irreversible?: string;
}

/**
 * Kernel state that is not a file (the firewall's ruleset). The transaction calls `snapshot` before and
 * stores the text in the backup; rollback — possibly in another process, after a reboot — hands it back to
 * the owning part's `restore(ctx, key, snapshot)`, so the snapshot must be self-contained text.
 */
export interface KernelChange {
  kind: "kernel";
  part: string;
  /** stable name within the part, e.g. "nft:table inet rampart" */
  key: string;
  /** one line for the plan */
  summary: string;
  /** what changes, as a diff or a full listing, for the plan */
  detail: string;
  snapshot(ctx: PartContext): Promise<string>;
  apply(ctx: PartContext): Promise<void>;
}

export type Change = FileChange | DirChange | CommandChange | KernelChange;

export interface Refusal {
  part: string;
  /** exactly what would go wrong */
  reason: string;
  /** how to fix the policy or the host */
  fix: string;
}

/** Something the plan shows that is not a change: an override that will still win, a skipped step. */
export interface Note {
  part: string;
  message: string;
}

export interface PartContext {
  fs: HostFs;
  run: Runner;
  policy: Policy;
  log: Logger;
  clock: Clock;
  /** true on the running system; false under --root (no reloads, no timer, no `sshd -T` of the live host) */
  live: boolean;
  /** who is applying and over which connection */
  session: SessionInfo;
  /** also install pending package updates (`rampart apply --upgrade`) */
  upgrade?: boolean;
}

/**
 * The change that makes `path` a root-owned file holding `content` at `mode` (content null: no file there), or
 * undefined when it already is one — how a part plans a file that is wholly its own.
 */
export async function rootFileChange(
  ctx: PartContext,
  c: { part: string; path: string; content: string | null; mode: number; reason: string },
): Promise<FileChange | undefined> {
  const before = await ctx.fs.readTextIfExists(c.path);
  const st = await ctx.fs.stat(c.path);
  const done =
    c.content === null ? before === undefined : c.content === before && st !== undefined && (st.mode & 0o7777) === c.mode && st.uid === 0;
  if (done) return undefined;
  const { part, path, content, mode, reason } = c;
  return { kind: "file", part, path, content, mode, owner: { user: "root", group: "root" }, before, beforeMode: st?.mode, reason };
}

/**
 * The host's facts (src/facts/) for a part: a fresh memo per call, so a plan reads each fact once and a later
 * step (validate, verify after the change) reads the host as it is then.
 */
export function partFacts(ctx: PartContext): FactContext {
  return factContext({ fs: ctx.fs, run: ctx.run, live: ctx.live, log: ctx.log });
}

/** The planned files materialised in a private temp tree, for validators (`sshd -t`, `visudo -c`, `nft -c`). */
export interface Candidate {
  /** root of the temp tree */
  dir: string;
  /** real path of a target path inside the temp tree (it exists there when the plan writes that file) */
  pathOf(target: string): string;
  /** the content the target will have after apply (planned, else current; undefined: absent) */
  content(target: string): Promise<string | undefined>;
}

export interface PartPlan {
  changes: Change[];
  notes: Note[];
}

export interface Validation {
  refusals: Refusal[];
  notes: Note[];
}

export interface Part {
  /** one of the PARTs of the CLI contract */
  name: string;
  /** true when a mistake could cut remote access: the apply is kept only after `rampart confirm` */
  needsConfirm: boolean;
  plan(ctx: PartContext): Promise<PartPlan>;
  /** lock-out rules, before anything is written; a refusal stops the whole apply */
  preflight(ctx: PartContext, changes: readonly Change[]): Promise<Refusal[]>;
  /** run the real tool on the candidate files (temp tree); never touches the live files */
  validate(ctx: PartContext, candidate: Candidate, changes: readonly Change[]): Promise<Validation>;
  /** make the running service pick up the files (after apply and after rollback); no-op under --root */
  reload(ctx: PartContext): Promise<void>;
  /**
   * authentication methods (as sshd names them in SSH_USER_AUTH: "publickey", "keyboard-interactive",
   * "password") that the connection running `rampart confirm` must have passed — the proof that a second
   * factor the change requires works for a fresh login. Parts that add no such requirement omit it.
   */
  confirmRequires?(ctx: PartContext): string[];
  /** put back kernel state from a KernelChange snapshot (rollback); parts without kernel changes omit it */
  restore?(ctx: PartContext, key: string, snapshot: string): Promise<void>;
  /**
   * a rollback could not put back some of it (`kernel`: keys whose snapshot is lost or altered; `files`: every
   * file that could not be restored, of any part; "all" when the backup's manifest itself is lost, so which
   * pieces is not known): leave the part's own pieces of those in the state that locks nobody out. Returns what
   * it did, for the report. Parts with nothing that could lock anyone out omit it.
   */
  failOpen?(ctx: PartContext, failed: { kernel: readonly string[]; files: readonly string[] } | "all"): Promise<string[]>;
}

export interface Plan {
  parts: string[];
  changes: Change[];
  notes: Note[];
  refusals: Refusal[];
}

// ---- rendering

export function describeChange(c: Change): string {
  switch (c.kind) {
    case "file":
      return c.content === null ? `remove ${c.path}` : `${c.before === undefined ? "create" : "update"} ${c.path}`;
    case "dir":
      return `${c.exists ? "fix" : "create"} directory ${c.path} (${octal(c.mode)} ${c.owner.user}:${c.owner.group})`;
    case "command":
      return `run: ${c.argv.join(" ")}`;
    case "kernel":
      return c.summary;
  }
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, "0")}`;
}

/** The diff (and mode/owner line) of a file change; "(secret content not shown)" for secret files. */
export function fileDiff(c: FileChange): string {
  const head: string[] = [];
  if (c.before !== undefined && c.content !== null) {
    if (c.beforeMode !== undefined && (c.beforeMode & 0o7777) !== c.mode) head.push(`mode ${octal(c.beforeMode)} → ${octal(c.mode)}`);
    if (c.beforeOwner && (c.beforeOwner.user !== c.owner.user || c.beforeOwner.group !== c.owner.group)) {
      head.push(`owner ${c.beforeOwner.user}:${c.beforeOwner.group} → ${c.owner.user}:${c.owner.group}`);
    }
  } else if (c.content !== null) head.push(`mode ${octal(c.mode)} owner ${c.owner.user}:${c.owner.group}`);
  if (c.secret) return [...head, "(secret content not shown)"].join("\n");
  const d = unifiedDiff(c.before, c.content ?? undefined, c.path);
  return [...head, d.trimEnd()].filter(Boolean).join("\n");
}

/** Human text of a plan: one block per part, diffs and commands, then notes and refusals. */
export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  for (const part of plan.parts) {
    const mine = plan.changes.filter((c) => c.part === part);
    const notes = plan.notes.filter((n) => n.part === part);
    if (mine.length === 0 && notes.length === 0) continue;
    out.push(`== ${part}: ${mine.length === 0 ? "nothing to change" : `${mine.length} change${mine.length === 1 ? "" : "s"}`}`);
    for (const c of mine) {
      out.push(`* ${describeChange(c)}  — ${c.kind === "kernel" ? "" : c.reason}`.replace(/ {2}— $/, ""));
      if (c.kind === "command") out.push(`  $ ${c.argv.join(" ")}`);
      if (c.kind === "command" && c.irreversible) out.push(`  ! not undone by rollback: ${c.irreversible}`);
      if (c.kind === "file") out.push(indent(fileDiff(c)));
      if (c.kind === "kernel" && c.detail) out.push(indent(c.detail));
    }
    for (const n of notes) out.push(`! note: ${n.message}`);
    out.push("");
  }
  if (plan.changes.length === 0) out.push("nothing to change");
  for (const r of plan.refusals) out.push(`refused (${r.part}): ${r.reason}\n  fix: ${r.fix}`);
  return out.join("\n").replace(/\n+$/, "\n");
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

/** The JSON shape of `rampart plan --json` (contract: extend, do not change). */
export function planJson(plan: Plan): unknown {
  return {
    parts: plan.parts,
    changed: plan.changes.length > 0,
    changes: plan.changes.map((c) => {
      switch (c.kind) {
        case "file":
          return {
            part: c.part,
            kind: c.kind,
            action: c.content === null ? "remove" : c.before === undefined ? "create" : "update",
            path: c.path,
            mode: octal(c.mode),
            owner: `${c.owner.user}:${c.owner.group}`,
            reason: c.reason,
            diff: c.secret ? null : unifiedDiff(c.before, c.content ?? undefined, c.path),
          };
        case "dir":
          return {
            part: c.part,
            kind: c.kind,
            path: c.path,
            mode: octal(c.mode),
            owner: `${c.owner.user}:${c.owner.group}`,
            reason: c.reason,
          };
        case "command":
          return {
            part: c.part,
            kind: c.kind,
            argv: c.argv,
            reason: c.reason,
            touches: c.touches,
            ...(c.irreversible ? { irreversible: c.irreversible } : {}),
          };
        default:
          return { part: c.part, kind: c.kind, key: c.key, summary: c.summary, detail: c.detail };
      }
    }),
    notes: plan.notes,
    refusals: plan.refusals,
  };
}
