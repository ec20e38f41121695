// One refresh of the configured lists: fetch each (or read its file), keep the last good copy when a download
// fails, is empty or shrank to under half, parse, merge, subtract the never-block entries, and load the result
// into the kernel — unless it did not change (same hash as loaded on this boot), or --dry-run.
import type { Clock } from "../core/clock.js";
import { messageOf } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { fetchList } from "./fetch.js";
import { type Backend, load, needsLoad } from "./load.js";
import { type IpSet, type SetStats, fromParsed, setHash, stats, union } from "./merge.js";
import { applyNever, neverEntries, type Removal } from "./never.js";
import { parseList } from "./parse.js";
import { CACHE_DIR, type ListState, STATE_DIR, cachePath, readState, writeState } from "./state.js";
import { createHash } from "node:crypto";

export type Source = Policy["blocklists"]["sources"][number];

export interface UpdateDeps {
  fs: HostFs;
  run: Runner;
  clock: Clock;
  log: Logger;
  fetch?: typeof fetchList;
  env?: NodeJS.ProcessEnv;
  cacheDir?: string;
  stateDir?: string;
  /** a download's progress (the CLI draws a bar on a terminal) */
  progress?: { start(name: string): void; update(received: number, total: number | undefined): void; stop(): void };
}

export interface UpdateInput {
  sources: readonly Source[];
  never: readonly string[];
  allowPrivate: boolean;
  backend: Backend;
  dryRun?: boolean;
  force?: boolean;
  /** a list whose own header date is older than this is flagged stale (default 7 days) */
  staleAfterMs?: number;
}

export interface UpdateReport {
  lists: ListState[];
  merged: SetStats;
  hash: string;
  removed: Removal[];
  /** "loaded", "unchanged" (no kernel work), "dry-run" or "empty" */
  action: "loaded" | "unchanged" | "dry-run" | "empty";
  loadMs?: number;
  errors: string[];
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export async function updateBlocklists(input: UpdateInput, deps: UpdateDeps): Promise<UpdateReport> {
  const cacheDir = deps.cacheDir ?? CACHE_DIR;
  const stateDir = deps.stateDir ?? STATE_DIR;
  const state = await readState(deps.fs, stateDir); // a corrupt state stops here, untouched
  const now = new Date(deps.clock.now());
  const staleAfter = input.staleAfterMs ?? 7 * 86400_000;
  const errors: string[] = [];
  const sets: { name: string; set: IpSet }[] = [];

  for (const src of input.sources) {
    const prev: ListState = state.lists[src.name] ?? { name: src.name, source: src.url ?? src.file ?? "" };
    const next: ListState = { ...prev, name: src.name, source: src.url ?? src.file ?? "", checkedAt: now.toISOString() };
    delete next.error;
    const cached = await readCache(deps.fs, cachePath(src.name, cacheDir));
    let body: Uint8Array | undefined;
    let fresh = false;
    try {
      if (src.file) {
        body = Buffer.from(await deps.fs.readText(src.file), "utf8");
        fresh = true;
      } else if (src.url) {
        deps.progress?.start(src.name);
        const r = await (deps.fetch ?? fetchList)(src.url, {
          etag: cached ? prev.etag : undefined,
          lastModified: cached ? prev.lastModified : undefined,
          ...(deps.progress ? { onProgress: (n: number, t: number | undefined) => deps.progress?.update(n, t) } : {}),
        }).finally(() => deps.progress?.stop());
        if (r.status === "ok") {
          body = r.body;
          fresh = true;
          if (r.etag) next.etag = r.etag;
          else delete next.etag;
          if (r.lastModified) next.lastModified = r.lastModified;
          else delete next.lastModified;
        } else body = cached;
      }
    } catch (e) {
      next.error = `${messageOf(e)}${cached ? "; kept the last good copy" : ""}`;
      body = cached;
      fresh = false;
    }
    let parsed = body ? parseList(body, { name: src.name, format: src.format }) : undefined;
    if (fresh && parsed && body) {
      // downloads only: a local file is the admin's own and is taken as it is
      const refuse = !src.url
        ? undefined
        : parsed.entries === 0
          ? "the new copy holds no entries"
          : prev.entries !== undefined && parsed.entries < prev.entries / 2 && cached
            ? `the new copy shrank from ${prev.entries} to ${parsed.entries} entries (under half)`
            : undefined;
      if (refuse) {
        next.error = `${refuse}${cached ? "; kept the last good copy" : ""}`;
        parsed = cached ? parseList(cached, { name: src.name, format: src.format }) : undefined;
      } else {
        if (!input.dryRun) await deps.fs.writeAtomic(cachePath(src.name, cacheDir), Buffer.from(body), { mode: 0o644 });
        next.fetchedAt = now.toISOString();
        next.sha256 = sha(body);
        next.bytes = body.length;
      }
    } else if (!parsed && !next.error) {
      next.error = "no copy of the list yet";
    }
    if (next.error) {
      errors.push(`${src.name}: ${next.error}`);
      deps.log.warn(`blocklist ${src.name}: ${next.error}`);
    }
    if (parsed) {
      next.format = parsed.format;
      next.entries = parsed.entries;
      next.invalid = parsed.invalid;
      next.samples = parsed.samples;
      if (parsed.header.date) next.headerDate = parsed.header.date.toISOString();
      next.stale = parsed.header.date !== undefined && now.getTime() - parsed.header.date.getTime() > staleAfter;
      if (next.stale) deps.log.warn(`blocklist ${src.name}: its header date ${next.headerDate} is stale`);
      if (parsed.invalid) deps.log.warn(`blocklist ${src.name}: ${parsed.invalid} invalid line(s) skipped`);
      sets.push({ name: src.name, set: fromParsed(parsed) });
    }
    state.lists[src.name] = next;
  }

  const entries = await neverEntries({
    never: input.never,
    allowPrivate: input.allowPrivate,
    run: deps.run,
    env: deps.env ?? process.env,
    warn: (m) => deps.log.warn(m),
  });
  const { result, removals } = applyNever(union(sets.map((s) => s.set)), sets, entries);
  for (const r of removals) deps.log.info(`never-block: removed ${r.never} (${r.reason}) from ${r.list}`);
  const hash = setHash(result);
  const merged = stats(result);
  const bootId = (await deps.fs.readTextIfExists("/proc/sys/kernel/random/boot_id"))?.trim();
  const report: UpdateReport = { lists: Object.values(state.lists), merged, hash, removed: removals, action: "dry-run", errors };

  if (!input.dryRun) {
    if (sets.length === 0) {
      report.action = "empty";
    } else if (!input.force && !needsLoad(state.loaded, hash, input.backend, bootId)) {
      report.action = "unchanged";
    } else {
      const r = await load(deps.run, input.backend, result);
      report.action = "loaded";
      report.loadMs = Math.round(r.durationMs);
      state.loaded = { hash, backend: input.backend, at: now.toISOString(), v4: merged.v4, v6: merged.v6 };
      if (bootId) state.loaded.bootId = bootId;
    }
    state.lastRun = { at: now.toISOString(), removed: removals, errors };
    await writeState(deps.fs, state, stateDir);
  }
  return report;
}

async function readCache(fs: HostFs, path: string): Promise<Buffer | undefined> {
  const text = await fs.readTextIfExists(path);
  return text === undefined ? undefined : Buffer.from(text, "utf8");
}
