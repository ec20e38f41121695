// The work behind `rampart blocklist update|check|status` (src/cli/commands/blocklist.ts parses options and
// calls these; they are imported lazily so that `blocklist merge` starts fast).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { UpdateOpts } from "../cli/commands/blocklist.js";
import type { Context } from "../system/context.js";
import { formatIp, parseIp } from "../core/ip.js";
import { RampartError } from "../core/errors.js";
import { resolvePolicy } from "../policy/load.js";
import { parseList } from "./parse.js";
import { readState, statePath } from "./state.js";
import { updateBlocklists } from "./update.js";
import { setBackendOf } from "../firewall/sets.js";

export async function updateCommand(ctx: Context, opts: UpdateOpts): Promise<void> {
  const fs = ctx.fs();
  const { policy } = await resolvePolicy(fs, opts.policy);
  const bl = policy.blocklists;
  if (bl.sources.length === 0) {
    throw new RampartError("POLICY", "the policy lists no blocklists (blocklists.sources is empty)", {
      hint: 'Add sources, e.g. blocklists: { sources: [{ name: spamhaus-drop, url: "https://www.spamhaus.org/drop/drop.txt" }] }',
    });
  }
  const backend = opts.backend ?? setBackendOf(policy.firewall.backend);
  const deps = {
    fs,
    run: ctx.run,
    clock: ctx.clock,
    log: ctx.log,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...(process.stderr.isTTY && !opts.json ? { progress: await downloadBar() } : {}),
  };
  const r = await updateBlocklists(
    {
      sources: bl.sources,
      never: bl.never,
      allowPrivate: bl.allowPrivate,
      backend,
      dryRun: opts.dryRun === true,
      force: opts.force === true,
      limits: bl.limits,
      fleetDatabase: policy.guard.share?.postgres,
    },
    deps,
  );
  if (opts.json) {
    ctx.out(JSON.stringify(r, null, 2));
  } else {
    for (const l of r.lists) {
      ctx.out(
        `${l.name.padEnd(24)} ${String(l.entries ?? "-").padStart(8)} entries${l.invalid ? `, ${l.invalid} invalid` : ""}${l.stale ? " (stale)" : ""}${l.error ? `  ERROR: ${l.error}` : ""}`,
      );
    }
    for (const x of r.refused) ctx.out(`REFUSED ${x.list} (rule ${x.rule}): ${x.detail}`);
    for (const m of r.removed) ctx.out(`never-block: ${m.never} (${m.reason}) removed from ${m.list}: ${m.removed.slice(0, 5).join(", ")}`);
    ctx.out(
      `merged: ${r.merged.v4.cidrs} IPv4 CIDRs (${r.merged.v4.addresses} addresses), ${r.merged.v6.cidrs} IPv6 CIDRs; ${
        r.action === "loaded"
          ? `loaded into ${backend} in ${r.loadMs} ms`
          : r.action === "unchanged"
            ? "unchanged, nothing loaded"
            : r.action === "empty"
              ? "no list available, nothing loaded"
              : r.action === "refused"
                ? "refused, nothing loaded (the loaded set was kept)"
                : "dry run, nothing loaded"
      }`,
    );
  }
  if (r.errors.length) process.exitCode = 1;
}

export interface CheckHit {
  list: string;
  line: number;
  entry: string;
  ref?: string;
}

export async function checkCommand(ctx: Context, ip: string, opts: { cacheDir: string; json?: boolean }): Promise<void> {
  const addr = parseIp(ip);
  let files: string[];
  try {
    files = (await readdir(opts.cacheDir)).filter((f) => f.endsWith(".list")).sort();
  } catch {
    throw new RampartError("NOT_FOUND", `no cached blocklists in ${opts.cacheDir}`, {
      hint: "Run `rampart blocklist update` first, or pass --cache-dir DIR.",
    });
  }
  const hits: CheckHit[] = [];
  for (const f of files) {
    const list = parseList(await readFile(path.join(opts.cacheDir, f)), { name: f.slice(0, -5), keepRefs: true });
    for (const r of list.refs ?? []) {
      if (r.family === addr.family && r.start <= addr.value && addr.value <= r.end) {
        hits.push(r.ref ? { list: list.name, line: r.line, entry: r.text, ref: r.ref } : { list: list.name, line: r.line, entry: r.text });
      }
    }
  }
  const shown = formatIp(addr);
  if (opts.json) ctx.out(JSON.stringify({ ip: shown, listed: hits.length > 0, lists: files.length, hits }, null, 2));
  else if (!hits.length) ctx.out(`${shown} is in none of the ${files.length} cached list(s)`);
  else for (const h of hits) ctx.out(`${shown} is in ${h.list} (line ${h.line}: ${h.entry}${h.ref ? ` ; ${h.ref}` : ""})`);
}

export async function statusCommand(ctx: Context, opts: { stateDir: string; json?: boolean }): Promise<void> {
  const state = await readState(ctx.fs(), opts.stateDir);
  if (opts.json) {
    ctx.out(JSON.stringify({ state: statePath(opts.stateDir), ...state }, null, 2));
    return;
  }
  const lists = Object.values(state.lists);
  if (!lists.length) ctx.out("no blocklist has been fetched yet (run `rampart blocklist update`)");
  for (const l of lists) {
    ctx.out(
      `${l.name.padEnd(24)} ${String(l.entries ?? "-").padStart(8)} entries  fetched ${l.fetchedAt ?? "never"}${l.fetched ? ` (${l.fetched.verified})` : ""}${l.stale ? "  STALE" : ""}${l.error ? `  ERROR: ${l.error}` : ""}`,
    );
    if (l.refused) ctx.out(`  REFUSED at ${l.refused.at} (rule ${l.refused.rule}): ${l.refused.detail}`);
  }
  for (const x of state.lastRun?.refused ?? []) if (x.list === "merged") ctx.out(`merged result REFUSED (rule ${x.rule}): ${x.detail}`);
  if (state.loaded) {
    ctx.out(
      `loaded into ${state.loaded.backend} at ${state.loaded.at}: ${state.loaded.v4.cidrs} IPv4 CIDRs, ${state.loaded.v6.cidrs} IPv6 CIDRs (sha256 ${state.loaded.hash.slice(0, 12)})`,
    );
  } else ctx.out("nothing loaded into the kernel yet");
}

/** A progress bar on stderr for one download at a time (terminal only). */
async function downloadBar(): Promise<NonNullable<import("./update.js").UpdateDeps["progress"]>> {
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: " {name} [{bar}] {value}/{total} KiB", hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let name = "";
  return {
    start: (n) => {
      name = n;
      started = false;
    },
    update: (received, total) => {
      const kib = Math.ceil(received / 1024);
      const totalKib = Math.max(kib, Math.ceil((total ?? received) / 1024));
      if (!started) {
        bar.start(totalKib, kib, { name });
        started = true;
      } else {
        bar.setTotal(totalKib);
        bar.update(kib, { name });
      }
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
