// src/blocklist/ — public lists of bad networks: fetch, parse, merge, never-block, load, check. Imports the
// layers below; imported by cli/ only.
// One refresh of the configured lists: fetch each (https, or http with a pinned sha256 or `insecure: true`; or
// read its file), keep the last good copy when a download fails, is empty, shrank to under half, or breaks a
// sanity rule (sanity.ts: an entry wider than the minimum prefix, more of the public address space than the
// list's cap, or more entries than blocklists.limits.maxEntries — such a list is refused as a whole; a file or
// download over 64 MiB is not read), parse, merge, subtract the never-block entries (which include what keeps
// the host alive, each list's own server, and the sources the policy trusts), refuse the whole result when it
// covers more than the merged cap, and load it into the kernel — unless it did not change (same hash as loaded
// on this boot), or --dry-run. A refusal never touches the kernel: the last good set stays loaded.
import type { Clock } from "../core/clock.js";
import { RampartError, messageOf } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { plainHttpRefusal } from "../policy/rules.js";
import type { Policy } from "../policy/schema.js";
import { type SetBackend, setBackendOf } from "../firewall/sets.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { type Resolver, resolveHost } from "../system/keepalive.js";
import { cidrRange, parseCidr } from "../core/ip.js";
import { MAX_LIST_BYTES, fetchList } from "./fetch.js";
import { load, needsLoad } from "./load.js";
import { type IpSet, type SetStats, fromParsed, setHash, stats, union } from "./merge.js";
import { applyNever, type NeverEntry, neverEntries, policyExempt, type Removal } from "./never.js";
import { type InvalidLine, type ParsedList, parseList } from "./parse.js";
import { DEFAULT_LIMITS, type Limits, listCap, mergedCap, publicShare, shareRefusal, tooWide } from "./sanity.js";
import { CACHE_DIR, type ListState, type Refusal, STATE_DIR, cachePath, readState, writeState } from "./state.js";
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
  /** name lookups (keep-alive hosts, list servers); default getaddrinfo with a timeout */
  resolve?: Resolver;
}

export interface UpdateInput {
  sources: readonly Source[];
  never: readonly string[];
  allowPrivate: boolean;
  backend: SetBackend;
  dryRun?: boolean;
  force?: boolean;
  /** a list whose own header date is older than this is flagged stale (default 7 days) */
  staleAfterMs?: number;
  /** blocklists.limits (sanity.ts); default DEFAULT_LIMITS */
  limits?: Limits;
  /** guard.share.postgres: the fleet database is kept out of the block sets */
  fleetDatabase?: string | undefined;
  /** the sources the policy trusts (never.ts policyExempt), kept out of the block sets */
  exempt?: readonly NeverEntry[];
}

export interface UpdateReport {
  lists: ListState[];
  merged: SetStats;
  hash: string;
  removed: Removal[];
  /** "loaded", "unchanged" (no kernel work), "dry-run", "empty", or "refused" (the merged result broke a rule) */
  action: "loaded" | "unchanged" | "dry-run" | "empty" | "refused";
  /** lists (or "merged") refused as a whole by a rule, this run */
  refused: { list: string; rule: Refusal["rule"]; detail: string }[];
  loadMs?: number;
  errors: string[];
}

/**
 * What `blocklist update` loads, from the policy: its sources, never-block entries and limits, into the kernel
 * sets of the policy's firewall backend (setBackendOf) unless `backend` overrides it.
 */
export function policyInput(
  policy: Policy,
  o: { backend?: SetBackend; dryRun?: boolean; force?: boolean; fleetDatabase?: string | undefined } = {},
): UpdateInput {
  const bl = policy.blocklists;
  if (bl.sources.length === 0) {
    throw new RampartError("POLICY", "the policy lists no blocklists (blocklists.sources is empty)", {
      hint: 'Add sources, e.g. blocklists: { sources: [{ name: spamhaus-drop, url: "https://www.spamhaus.org/drop/drop.txt" }] }',
    });
  }
  return {
    sources: bl.sources,
    never: bl.never,
    allowPrivate: bl.allowPrivate,
    backend: o.backend ?? setBackendOf(policy.firewall.backend),
    dryRun: o.dryRun === true,
    force: o.force === true,
    limits: bl.limits,
    // the URL the guard really uses (a whole URL in its credentials file replaces the policy's): the caller
    // resolves it (cli/: blocklist/ does not read the guard's files), else the policy's
    fleetDatabase: o.fleetDatabase ?? policy.guard.share?.postgres,
    exempt: policyExempt(policy),
  };
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export async function updateBlocklists(input: UpdateInput, deps: UpdateDeps): Promise<UpdateReport> {
  const cacheDir = deps.cacheDir ?? CACHE_DIR;
  const stateDir = deps.stateDir ?? STATE_DIR;
  const state = await readState(deps.fs, stateDir); // a corrupt state stops here, untouched
  const now = new Date(deps.clock.now());
  const at = now.toISOString();
  const staleAfter = input.staleAfterMs ?? 7 * 86400_000;
  const limits = input.limits ?? DEFAULT_LIMITS;
  const errors: string[] = [];
  const refused: { list: string; rule: Refusal["rule"]; detail: string }[] = [];
  const sets: { name: string; set: IpSet }[] = [];
  const serverHosts: { host: string; reason: string }[] = [];

  for (const src of input.sources) {
    const prev: ListState = state.lists[src.name] ?? { name: src.name, source: src.url ?? src.file ?? "" };
    const next: ListState = { ...prev, name: src.name, source: src.url ?? src.file ?? "", checkedAt: at };
    delete next.error;
    delete next.refused;
    const refuse = (rule: Refusal["rule"], detail: string, samples?: InvalidLine[]) => {
      next.refused = samples?.length ? { rule, detail, at, samples } : { rule, detail, at };
      refused.push({ list: src.name, rule, detail });
    };
    const pin = src.sha256?.replace(/^sha256:/, "").toLowerCase();
    const cachedRaw = await readCache(deps.fs, cachePath(src.name, cacheDir));
    // a cached copy that no longer matches the pin (the pin changed) is not a good copy
    const cached = cachedRaw && pin && sha(cachedRaw) !== pin ? undefined : cachedRaw;
    let body: Uint8Array | undefined;
    let fresh = false;
    try {
      if (src.file) {
        // a FIFO or a device (/dev/zero) has no size to check and may never end: regular files only
        const st = await deps.fs.stat(src.file);
        if (st && !st.isFile()) {
          throw new RampartError("REFUSED", `${src.file} is not a regular file: not read`, {
            hint: "Point the source's `file:` at a list file.",
          });
        }
        if ((st?.size ?? 0) > MAX_LIST_BYTES) {
          throw new RampartError("REFUSED", `${src.file} is larger than the ${MAX_LIST_BYTES}-byte cap of a list: not read`, {
            hint: "Is this the right file? A blocklist is rarely that large.",
          });
        }
        body = Buffer.from(await deps.fs.readText(src.file), "utf8");
        fresh = true;
        next.fetched = { url: src.file, addresses: [], verified: "local-file" };
      } else if (src.url) {
        const plain = plainHttpRefusal(src);
        if (plain) {
          refuse("insecure-http", plain.message);
          throw new RampartError("REFUSED", `${plain.message}; ${plain.hint}`);
        }
        // the list's own server is kept out of the block sets, at the address it has now
        const host = new URL(src.url).hostname;
        const addresses = await resolveHost(host, deps.resolve).catch(() => [] as string[]);
        serverHosts.push(...addresses.map((a) => ({ host: a, reason: `the server of blocklist ${src.name} (${host})` })));
        deps.progress?.start(src.name);
        const r = await (deps.fetch ?? fetchList)(src.url, {
          etag: cached ? prev.etag : undefined,
          lastModified: cached ? prev.lastModified : undefined,
          allowHttp: src.insecure === true || pin !== undefined,
          ...(deps.progress ? { onProgress: (n: number, t: number | undefined) => deps.progress?.update(n, t) } : {}),
        }).finally(() => deps.progress?.stop());
        const verified = pin
          ? "sha256"
          : /^https:/i.test(r.status === "ok" ? (r.finalUrl ?? src.url) : src.url)
            ? "https"
            : "insecure-http";
        next.fetched = { url: src.url, addresses, verified };
        if (r.status === "ok" && r.finalUrl) next.fetched.finalUrl = r.finalUrl;
        if (r.status === "ok") {
          if (pin && sha(r.body) !== pin) {
            const detail = `the download's sha256 ${sha(r.body)} is not the pinned ${pin}`;
            refuse("sha256", detail);
            throw new RampartError("REFUSED", detail);
          }
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
    const parseOpts = { name: src.name, format: src.format, limits, maxEntries: limits.maxEntries };
    let parsed = body ? parseList(body, parseOpts) : undefined;
    // a copy is good when it passes the sanity rules (and, downloaded, is not empty or sharply shrunk)
    const judge = (p: ParsedList, downloaded: boolean): { rule?: Refusal["rule"]; why: string; samples?: InvalidLine[] } | undefined => {
      if (p.overMax) {
        return {
          rule: "max-entries",
          why: `the list holds more than ${limits.maxEntries} entries (blocklists.limits.maxEntries; parsing stopped there)`,
        };
      }
      if (p.wide > 0) {
        const first = p.samples.find((x) => x.wide);
        return {
          rule: "min-prefix",
          samples: p.samples.filter((x) => x.wide),
          why: `${p.wide} entr${p.wide === 1 ? "y is" : "ies are"} too wide${first ? ` (line ${first.line}: ${first.text}: ${first.reason})` : ""}`,
        };
      }
      const share = shareRefusal(publicShare(fromParsed(p)), listCap(src.name, limits));
      if (share) {
        return {
          rule: "max-share",
          why: `the list ${share} (raise it for this list with blocklists.limits.raise.${src.name}: { maxShare: N, reason: "…" })`,
        };
      }
      if (!downloaded) return undefined;
      if (p.entries === 0) return { why: "the new copy holds no entries" };
      if (prev.entries !== undefined && p.entries < prev.entries / 2 && cached) {
        return { why: `the new copy shrank from ${prev.entries} to ${p.entries} entries (under half)` };
      }
      return undefined;
    };
    if (fresh && parsed && body) {
      const bad = judge(parsed, src.url !== undefined);
      if (bad) {
        if (bad.rule) refuse(bad.rule, bad.why, bad.samples);
        // the validators go with the copy kept: the refused copy's would make the next refresh a 304 (the
        // server's list unchanged, still bad) and the refusal would vanish from the status
        for (const k of ["etag", "lastModified"] as const) {
          if (prev[k] === undefined) delete next[k];
          else next[k] = prev[k];
        }
        next.error = `${bad.rule ? `refused as a whole (rule ${bad.rule}): ` : ""}${bad.why}${cached ? "; kept the last good copy" : ""}`;
        parsed = cached ? parseList(cached, parseOpts) : undefined;
      } else {
        if (!input.dryRun) await deps.fs.writeAtomic(cachePath(src.name, cacheDir), Buffer.from(body), { mode: 0o644 });
        next.fetchedAt = at;
        next.sha256 = sha(body);
        next.bytes = body.length;
      }
    } else if (!parsed && !next.error) {
      next.error = "no copy of the list yet";
    }
    // the kept copy must pass today's rules too (the limits may have been tightened since it was taken)
    if (parsed && judge(parsed, false)) {
      const bad = judge(parsed, false);
      if (!next.refused && bad?.rule) refuse(bad.rule, `the cached copy: ${bad.why}`);
      next.error = `${next.error ? `${next.error}; ` : ""}the cached copy breaks rule ${bad?.rule}: not loaded`;
      parsed = undefined;
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

  // a trusted source wider than the minimum prefix (an SSH rule `from: [0.0.0.0/0]`) trusts everyone: it would
  // empty the block sets, so it is not exempted (said once per run)
  const exempt = (input.exempt ?? []).filter((e) => {
    const c = parseCidr(e.cidr);
    const [start, end] = cidrRange(c);
    if (!tooWide(c.family, start, end, limits)) return true;
    deps.log.warn(`never-block: ${e.cidr} (${e.reason}) is wider than the minimum prefix: not exempted from the blocklists`);
    return false;
  });
  const entries = await neverEntries({
    exempt,
    never: input.never,
    allowPrivate: input.allowPrivate,
    run: deps.run,
    env: deps.env ?? process.env,
    warn: (m) => deps.log.warn(m),
    fs: deps.fs,
    fleetDatabase: input.fleetDatabase,
    hosts: serverHosts,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  const { result, removals } = applyNever(union(sets.map((s) => s.set)), sets, entries);
  for (const r of removals) deps.log.info(`never-block: removed ${r.never} (${r.reason}) from ${r.list}`);
  const hash = setHash(result);
  const merged = stats(result);
  const bootId = (await deps.fs.readTextIfExists("/proc/sys/kernel/random/boot_id"))?.trim();
  const report: UpdateReport = { lists: Object.values(state.lists), merged, hash, removed: removals, action: "dry-run", errors, refused };

  // the merged result as a whole: lists that pass one by one can still add up to too much
  const mergedShare = shareRefusal(
    publicShare(result),
    mergedCap(
      sets.map((s) => s.name),
      limits,
    ),
  );
  if (mergedShare) {
    const detail = `the merged result ${mergedShare} (blocklists.limits.maxMergedShare)`;
    refused.push({ list: "merged", rule: "max-merged-share", detail });
    errors.push(`merged: refused as a whole (rule max-merged-share): ${detail}; the loaded set was kept`);
    deps.log.warn(`blocklists: ${detail}; nothing loaded, the loaded set was kept`);
  }

  if (!input.dryRun) {
    if (mergedShare) {
      report.action = "refused";
    } else if (sets.length === 0) {
      report.action = "empty";
    } else if (!input.force && !needsLoad(state.loaded, hash, input.backend, bootId)) {
      report.action = "unchanged";
    } else {
      const r = await load(deps.run, input.backend, result);
      report.action = "loaded";
      report.loadMs = Math.round(r.durationMs);
      state.loaded = { hash, backend: input.backend, at, v4: merged.v4, v6: merged.v6 };
      if (bootId) state.loaded.bootId = bootId;
    }
    state.lastRun = { at, removed: removals, errors, refused };
    await writeState(deps.fs, state, stateDir);
  } else if (mergedShare) report.action = "refused";
  return report;
}

async function readCache(fs: HostFs, path: string): Promise<Buffer | undefined> {
  const text = await fs.readTextIfExists(path);
  return text === undefined ? undefined : Buffer.from(text, "utf8");
}
