// The actions behind `rampart blocklist update|check|status`: call src/blocklist/ and print. Kept apart from
// blocklist.ts (which parses the options) and imported lazily, so that `blocklist merge` starts fast.
import type { Context } from "../../system/context.js";
import { resolvePolicy } from "../../policy/load.js";
import { checkAddress } from "../../blocklist/check.js";
import { readState, statePath } from "../../blocklist/state.js";
import { policyInput, type UpdateDeps, updateBlocklists } from "../../blocklist/update.js";
import { databaseToKeep } from "../../guard/share/credentials.js";

export interface UpdateOpts {
  policy?: string;
  cacheDir?: string;
  stateDir?: string;
  dryRun?: boolean;
  force?: boolean;
  backend?: "nftables" | "ipset";
  json?: boolean;
}

export async function updateCommand(ctx: Context, opts: UpdateOpts): Promise<void> {
  const fs = ctx.fs();
  const { policy } = await resolvePolicy(fs, opts.policy);
  const input = policyInput(policy, {
    ...(opts.backend ? { backend: opts.backend } : {}),
    dryRun: opts.dryRun === true,
    force: opts.force === true,
    fleetDatabase: databaseToKeep(policy.guard.share),
  });
  const backend = input.backend;
  const deps = {
    fs,
    run: ctx.run,
    clock: ctx.clock,
    log: ctx.log,
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
    ...(process.stderr.isTTY && !opts.json ? { progress: await downloadBar() } : {}),
  };
  const r = await updateBlocklists(input, deps);
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

export async function checkCommand(ctx: Context, ip: string, opts: { cacheDir: string; json?: boolean }): Promise<void> {
  const { ip: shown, lists, hits } = await checkAddress(ip, opts.cacheDir);
  if (opts.json) ctx.out(JSON.stringify({ ip: shown, listed: hits.length > 0, lists, hits }, null, 2));
  else if (!hits.length) ctx.out(`${shown} is in none of the ${lists} cached list(s)`);
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
async function downloadBar(): Promise<NonNullable<UpdateDeps["progress"]>> {
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
