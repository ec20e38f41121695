// Load a merged blocklist into the kernel, atomically.
// nftables: the interval sets rampart_block_v4/v6 of `table inet rampart` (the firewall declares them; when the
// table is not loaded, a minimal table with just the two sets is created). ONE `nft -f` transaction flushes
// and refills both sets, so the kernel swaps old for new contents at once: the live set is never empty or
// partial, and a failed load leaves the old contents in place.
// ipset: the data is restored into a temporary set sized to it (maxelem/hashsize), `ipset swap`ped with the
// live set (created if missing), and the temporary set (now holding the old contents) destroyed.
// A refresh whose merged result did not change does no kernel work: the caller compares `setHash` with the
// state (see needsLoad).
import { RampartError } from "../core/errors.js";
import type { SetBackend } from "../firewall/sets.js";
import type { Runner } from "../system/exec.js";
import { ByteOut, DEFAULT_SET_NAMES, type IpSet, type SetNames, stats, writeIpsetRestore, writeNftScript } from "./merge.js";
import type { LoadedState } from "./state.js";

export interface LoadResult {
  backend: SetBackend;
  /** what ran (argv), for --dry-run style reporting */
  commands: string[][];
  durationMs: number;
  /** true when the sets had to be created (no rampart table/ipset was loaded) */
  created: boolean;
}

/** Should this merged result be loaded? Not when it is what the kernel already holds (same hash, same boot). */
export function needsLoad(loaded: LoadedState | undefined, hash: string, backend: SetBackend, bootId: string | undefined): boolean {
  if (!loaded) return true;
  return loaded.hash !== hash || loaded.backend !== backend || (bootId !== undefined && loaded.bootId !== bootId);
}

/** The nft transaction: create the table and sets if asked, then flush and refill both sets. */
export function nftTransaction(set: IpSet, names: SetNames = DEFAULT_SET_NAMES, create = false): Uint8Array[] {
  const o = new ByteOut();
  if (create) {
    o.str(`add table inet ${names.table}\n`);
    o.str(`add set inet ${names.table} ${names.v4} { type ipv4_addr; flags interval; auto-merge; }\n`);
    o.str(`add set inet ${names.table} ${names.v6} { type ipv6_addr; flags interval; auto-merge; }\n`);
  }
  writeNftScript(o, set, names);
  return o.done();
}

async function nftSetsExist(run: Runner, names: SetNames): Promise<boolean> {
  for (const s of [names.v4, names.v6]) {
    const r = await run(["nft", "list", "set", "inet", names.table, s], { okCodes: "any", timeoutMs: 60_000, maxOutput: 1024 });
    if (r.code !== 0) return false;
  }
  return true;
}

export async function loadNft(run: Runner, set: IpSet, names: SetNames = DEFAULT_SET_NAMES): Promise<LoadResult> {
  const started = performance.now();
  const create = !(await nftSetsExist(run, names));
  const script = Buffer.concat(nftTransaction(set, names, create));
  const argv = ["nft", "-f", "-"];
  try {
    await run(argv, { input: script, timeoutMs: 120_000 });
  } catch (e) {
    throw new RampartError(
      "EXEC",
      `loading the blocklist into nft set inet ${names.table} ${names.v4}/${names.v6} failed; the sets keep their old contents`,
      {
        hint: "See nft's message above; check that table inet rampart's sets are interval sets of ipv4_addr/ipv6_addr.",
        cause: e,
      },
    );
  }
  return { backend: "nftables", commands: [argv], durationMs: performance.now() - started, created: create };
}

const tmpName = (name: string) => `${name.slice(0, 26)}_tmp`;

export async function loadIpset(run: Runner, set: IpSet, names: { v4: string; v6: string } = DEFAULT_SET_NAMES): Promise<LoadResult> {
  const started = performance.now();
  const tmp = { v4: tmpName(names.v4), v6: tmpName(names.v6) };
  const commands: string[][] = [];
  // leftovers of a crashed run
  for (const t of [tmp.v4, tmp.v6]) {
    const argv = ["ipset", "destroy", t];
    commands.push(argv);
    await run(argv, { okCodes: "any" });
  }
  const st = stats(set);
  const o = new ByteOut();
  writeIpsetRestore(o, set, tmp, st);
  let created = false;
  for (const fam of ["v4", "v6"] as const) {
    const live = names[fam];
    const r = await run(["ipset", "list", "-n", live], { okCodes: "any" });
    if (r.code !== 0) {
      created = true;
      o.str(`create ${live} hash:net family ${fam === "v4" ? "inet" : "inet6"}\n`);
    }
    o.str(`swap ${tmp[fam]} ${live}\ndestroy ${tmp[fam]}\n`);
  }
  const argv = ["ipset", "restore"];
  commands.push(argv);
  try {
    await run(argv, { input: Buffer.concat(o.done()), timeoutMs: 120_000 });
  } catch (e) {
    for (const t of [tmp.v4, tmp.v6]) await run(["ipset", "destroy", t], { okCodes: "any" });
    throw new RampartError(
      "EXEC",
      `loading the blocklist into ipset ${names.v4}/${names.v6} failed; the live sets keep their old contents`,
      {
        hint: "See ipset's message above; the live sets must be hash:net sets of the right family.",
        cause: e,
      },
    );
  }
  return { backend: "ipset", commands, durationMs: performance.now() - started, created };
}

export function load(run: Runner, backend: SetBackend, set: IpSet, names: SetNames = DEFAULT_SET_NAMES): Promise<LoadResult> {
  return backend === "ipset" ? loadIpset(run, set, names) : loadNft(run, set, names);
}
