// Shared test scaffolding for the firewall, updates, defence and integrity audit checks: a fixture root
// built in a tmp dir (files, symlinks, mtimes), a fake Runner that answers recorded real outputs by argv,
// and an AuditContext over both. Recorded outputs live in test/fixtures/audit/<area>/ (see README.md there).
import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AuditContext, Check, Outcome } from "../../src/audit/types.js";
import { FakeClock } from "../../src/core/clock.js";
import { RampartError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { defaultPolicy, parsePolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";
import type { RunOptions, Runner, RunResult } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/audit");
export const recorded = (rel: string): Promise<string> => readFile(path.join(FIXTURES, rel), "utf8");

export type Answer = { stdout?: string; stderr?: string; code?: number } | "missing";

/** A Runner that answers by the joined argv; unknown commands are "not installed". */
export function fakeRunner(answers: Record<string, Answer>): Runner & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (argv: readonly string[], options: RunOptions = {}): Promise<RunResult> => {
    const key = argv.join(" ");
    calls.push(key);
    const a = answers[key] ?? "missing";
    if (a === "missing") throw new RampartError("NOT_FOUND", `program not found: ${argv[0]}`);
    const r: RunResult = { argv, code: a.code ?? 0, stdout: a.stdout ?? "", stderr: a.stderr ?? "", durationMs: 1 };
    const ok = options.okCodes === "any" || (options.okCodes ?? [0]).includes(r.code);
    if (!ok) throw new RampartError("EXEC", `${key} failed (exit ${r.code})`);
    return r;
  };
  return Object.assign(fn, { calls });
}

export type FileSpec = string | { symlink: string } | { text: string; mtime?: Date; mode?: number };

/** Build a root in a tmp dir: { "/etc/x": "text", "/etc/y": { symlink: "/dev/null" } }. */
export async function buildRoot(files: Record<string, FileSpec>): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "rampart-audit-root-"));
  for (const [target, spec] of Object.entries(files)) {
    const real = path.join(root, target);
    await mkdir(path.dirname(real), { recursive: true });
    if (typeof spec === "string") await writeFile(real, spec);
    else if ("symlink" in spec) await symlink(spec.symlink, real);
    else {
      await writeFile(real, spec.text, spec.mode !== undefined ? { mode: spec.mode } : {});
      if (spec.mtime) await utimes(real, spec.mtime, spec.mtime);
    }
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface CtxOptions {
  root: string;
  live?: boolean;
  run?: Runner;
  policy?: Policy;
  /** policy YAML: parsed, and policyFromFile = true */
  policyYaml?: string;
  now?: Date;
}

export function ctxFor(o: CtxOptions): AuditContext {
  const memo = new Map<string, Promise<unknown>>();
  let policy = o.policy ?? defaultPolicy();
  if (o.policyYaml !== undefined) {
    const r = parsePolicy(o.policyYaml, "policy.yaml");
    if (!r.policy) throw new Error(`bad test policy: ${JSON.stringify(r.errors)}`);
    policy = r.policy;
  }
  return {
    fs: new HostFs(o.root),
    run: o.run ?? fakeRunner({}),
    live: o.live ?? true,
    policy,
    policyFromFile: o.policyYaml !== undefined,
    clock: new FakeClock(o.now ?? new Date("2026-01-15T12:00:00Z")),
    log: silentLogger,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = load();
        memo.set(key, p);
      }
      return p;
    },
  };
}

/** Run one check against a fresh root; the root is removed afterwards. */
export async function runCheck(check: Check, files: Record<string, FileSpec>, o: Omit<CtxOptions, "root"> = {}): Promise<Outcome> {
  const { root, cleanup } = await buildRoot(files);
  try {
    return await check.run(ctxFor({ ...o, root }));
  } finally {
    await cleanup();
  }
}
