// Bans in the kernel: elements with a per-element timeout in the firewall's ban sets (nftables
// `rampart_ban_v4/v6` for single addresses, `rampart_ban_p64_v6` for IPv6 /64s and `rampart_ban_net_v4/v6`
// for other prefixes in `table inet rampart`, or the ipsets of the same names on the iptables backend;
// sets.ts says why, and places every target). Targets are CIDR text everywhere above this module
// (`2001:db8:1:2::/64`); only here does a /64 become the network address the nft set holds, and back.
// The kernel expires them itself, so a ban ends on time even when the daemon is dead. Many bans are
// applied in ONE transaction (a batch): during a flood there is never one process per ban, and on nftables
// the daemon's batches go through its one long-lived `nft -i` (nft-session.ts), not a process each. Only the
// BanBook (banbook.ts) calls an enforcer, and only with elements the gate (firewall/gate.ts) accepted.
// Upgrades: a firewall loaded by an older rampart has no /64 set: /64s then go to the prefix set (where that
// ruleset drops them) until it is loaded again; a /64 an older guard left in the prefix set is moved to the
// /64 set when the sets are read back (list: the start-up restore and every sweep).
import { canonicalV4Value, cidrRange, formatCidr, parseCidr } from "../core/ip.js";
import {
  BAN_NET_SET,
  BAN_P64_SET,
  BAN_SET,
  BAN_SETS,
  banSetOf,
  banTargetOf,
  NFT_FAMILY,
  NFT_TABLE,
  nftBanElement,
  P64,
  type SetBackend,
} from "../firewall/sets.js";
import type { Runner } from "../system/exec.js";
import { type NftSession, SessionLost } from "./nft-session.js";

export interface KernelBan {
  /** canonical address or CIDR text (the gate made it) */
  target: string;
  /** seconds; 0 = no timeout (a permanent ban) */
  timeoutSec: number;
  /** the target may already be in the kernel (a re-ban): its timeout must be replaced */
  refresh?: boolean;
}

export interface BanEnforcer {
  readonly name: string;
  /** which set backend's limits apply (the gate clamps timeouts to them) */
  readonly backend: SetBackend;
  /**
   * Take `remove` out of the kernel (whether or not each is there), then add or refresh `add`. Adds happen in
   * one transaction where the backend has them: if any element is refused, none of `add` is loaded and the
   * error carries the kernel's words (the BanBook then isolates the refused one).
   */
  apply(add: KernelBan[], remove?: string[]): Promise<void>;
  /** targets in the kernel now, with remaining seconds (undefined = no timeout) */
  list(): Promise<Map<string, number | undefined>>;
  /** end what the enforcer keeps running (the daemon stops) */
  close?(): void;
}

/** The kernel said the set or table is not there (firewall not loaded): nothing can land, retry later. */
export function setMissing(message: string): boolean {
  return /No such file or directory|does not exist|not found|ENOENT/i.test(message);
}

/**
 * The set element text of a target and the nft ban set it belongs in (sets.ts); `p64: false` (the loaded
 * table has no /64 set) puts a /64 in the prefix set as CIDR, where a table of an older rampart drops it.
 */
function placed(target: string, p64: boolean): { element: string; set: string } {
  // a canonical IPv4 address (nearly every ban of a flood; the gate made the text): its own element, unparsed
  if (canonicalV4Value(target) >= 0) return { element: target, set: BAN_SET[4] };
  return nftBanElement(parseCidr(target), p64);
}
const element = (target: string) => formatCidr(parseCidr(target));

/**
 * One command per set for many elements (`add element inet rampart rampart_ban_v4 { a timeout 60s, b }`):
 * half the bytes of one command per element for nft to read and parse.
 */
function grouped(items: { target: string; suffix: string }[], verb: "add" | "delete", p64: boolean): string[] {
  // per set, one entry per element (a delete naming an element twice fails the whole transaction); each
  // target parsed once
  const bySet = new Map<string, Map<string, string>>();
  for (const i of items) {
    const p = placed(i.target, p64);
    const els = bySet.get(p.set) ?? new Map<string, string>();
    els.set(p.element, `${p.element}${i.suffix}`);
    bySet.set(p.set, els);
  }
  return [...bySet].map(([set, els]) => `${verb} element ${NFT_FAMILY} ${NFT_TABLE} ${set} { ${[...els.values()].join(", ")} }`);
}

/** "add with 1 s, then delete": removes elements whether or not they are there (two commands per set). */
function gone(targets: string[], p64: boolean): string[] {
  if (targets.length === 0) return [];
  return [
    ...grouped(
      targets.map((t) => ({ target: t, suffix: " timeout 1s" })),
      "add",
      p64,
    ),
    ...grouped(
      targets.map((t) => ({ target: t, suffix: "" })),
      "delete",
      p64,
    ),
  ];
}

/** A table loaded by rampart before the ban sets were split: no prefix sets (the message says what to do). */
class OlderTable extends Error {}
/** A table loaded by rampart before the /64 set: /64s go to the prefix set meanwhile. */
class NoP64Set extends Error {}

export class NftEnforcer implements BanEnforcer {
  readonly name = "nftables";
  readonly backend = "nftables" as const;
  /**
   * `session`: the daemon's long-lived `nft -i` (nft-session.ts) for the small transactions of a flood;
   * without it (one-shot commands) every transaction is an `nft -f -` process.
   */
  constructor(
    private readonly run: Runner,
    private readonly session?: NftSession,
  ) {}

  /** whether the loaded table has the /64 set (false after nft said it does not; list() looks again) */
  private p64 = true;

  async apply(bans: KernelBan[], remove: string[] = []): Promise<void> {
    // "add with 1 s, then delete" removes an element whether or not it is there (nft 1.0.6 has no
    // `destroy`, and a delete of a missing element fails the whole transaction)
    if (remove.length) {
      // a separate transaction: nft checks interval overlaps against the set as it was before the batch,
      // so a prefix cannot replace the narrower prefixes it covers within one transaction
      await this.placing((p64) => gone(remove, p64));
    }
    if (bans.length === 0) return;
    // a refresh replaces the timeout: nft's add keeps an existing element's own
    const lines = (some: KernelBan[], p64: boolean) => [
      ...gone(
        some.filter((b) => b.refresh).map((b) => b.target),
        p64,
      ),
      ...grouped(
        some.map((b) => ({ target: b.target, suffix: b.timeoutSec > 0 ? ` timeout ${b.timeoutSec}s` : "" })),
        "add",
        p64,
      ),
    ];
    try {
      await this.placing((p64) => lines(bans, p64));
    } catch (e) {
      if (!(e instanceof OlderTable)) throw e;
      // the addresses still land in the old table; the BanBook retries the whole batch until it is reloaded
      const single = bans.filter((b) => !b.target.includes("/"));
      if (single.length) await this.nft(lines(single, false));
      throw e;
    }
  }

  /** One transaction of lines placed by `build`; a table without the /64 set gets them with /64s in the prefix set. */
  private async placing(build: (p64: boolean) => string[]): Promise<void> {
    try {
      await this.nft(build(this.p64));
    } catch (e) {
      if (!(e instanceof NoP64Set)) throw e;
      this.p64 = false;
      await this.nft(build(false));
    }
  }

  close(): void {
    this.session?.close();
  }

  /** One transaction: through the session when there is one, else (or when it died in between) `nft -f -`. */
  private async nft(lines: string[]): Promise<void> {
    try {
      if (this.session) {
        try {
          await this.session.run(lines);
          return;
        } catch (e) {
          if (!(e instanceof SessionLost)) throw e;
          // it may or may not have landed: adds and removes are idempotent, so run it once more on its own
        }
      }
      await this.run(["nft", "-f", "-"], { input: `${lines.join("\n")}\n`, timeoutMs: 60_000 });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const net = [BAN_NET_SET[4], BAN_NET_SET[6]].find((s) => msg.includes(` ${s} `));
      if (!net && msg.includes(` ${BAN_P64_SET} `) && setMissing(msg)) throw new NoP64Set(msg);
      // a table loaded by rampart before the ban sets were split has no prefix sets: say so (still "missing")
      if (net && setMissing(msg))
        throw new OlderTable(
          `Error: set ${net} does not exist: the firewall was loaded by an older rampart (one ban set per family); ` +
            "load it again (`rampart apply --only firewall`) and prefixes are banned — single addresses are banned meanwhile",
        );
      throw e;
    }
  }

  /**
   * Every ban in the kernel as target text (a /64 as CIDR whichever set holds it). Tidies on the way: a /64
   * in the prefix set (left there by an older rampart, or while the table had no /64 set) is moved to the
   * /64 set with the time it has left, in one transaction; if that fails it stays where it is and drops.
   */
  async list(): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    const misplaced: { target: string; timeout: number | undefined; expires: number | undefined }[] = [];
    let hasP64 = false;
    for (const set of BAN_SETS) {
      // a set missing (a table loaded by an older rampart has no prefix or /64 sets) holds nothing
      const r = await this.run(["nft", "-j", "list", "set", NFT_FAMILY, NFT_TABLE, set], { okCodes: "any", timeoutMs: 30_000 });
      if (r.code !== 0) continue;
      if (set === BAN_P64_SET) hasP64 = true;
      const doc = JSON.parse(r.stdout) as { nftables?: { set?: { elem?: unknown[] } }[] };
      for (const item of doc.nftables ?? []) {
        for (const e of item.set?.elem ?? []) {
          const parsed = nftElement(e);
          if (!parsed) continue;
          const target = banTargetOf(set, parsed.target);
          if (set === BAN_NET_SET[6] && target.endsWith(`/${P64}`)) {
            misplaced.push({ target, timeout: parsed.timeout, expires: parsed.expires });
            // in both sets: the /64 set's copy is the one that stays (an add keeps an element's own timeout)
            if (out.has(target)) continue;
          }
          out.set(target, parsed.expires);
        }
      }
    }
    this.p64 = hasP64;
    if (hasP64 && misplaced.length) {
      const adds = misplaced.map((m) => {
        const left = m.timeout === undefined ? "" : ` timeout ${m.timeout}s expires ${Math.max(1, m.expires ?? m.timeout)}s`;
        return `${placed(m.target, true).element}${left}`;
      });
      const moved = misplaced.map((m) => m.target);
      try {
        await this.nft([`add element ${NFT_FAMILY} ${NFT_TABLE} ${BAN_P64_SET} { ${adds.join(", ")} }`, ...gone(moved, false)]);
      } catch {
        // still in the prefix set, still dropped: the next sweep tries again
      }
    }
    return out;
  }
}

/** One element of `nft -j list set`: its value as nft wrote it, with its timeout and the seconds left. */
function nftElement(e: unknown): { target: string; timeout: number | undefined; expires: number | undefined } | undefined {
  let val: unknown = e;
  let expires: number | undefined;
  let timeout: number | undefined;
  const wrapped = (e as { elem?: { val?: unknown; timeout?: number; expires?: number } }).elem;
  if (wrapped) {
    val = wrapped.val;
    expires = wrapped.expires;
    timeout = wrapped.timeout;
  }
  if (typeof val === "string") return { target: val, timeout, expires };
  const prefix = (val as { prefix?: { addr?: string; len?: number } }).prefix;
  if (prefix?.addr) return { target: `${prefix.addr}/${prefix.len}`, timeout, expires };
  const range = (val as { range?: [string, string] }).range;
  if (range) return { target: `${range[0]}-${range[1]}`, timeout, expires };
  return undefined;
}

export class IpsetEnforcer implements BanEnforcer {
  readonly name = "ipset";
  readonly backend = "ipset" as const;
  /** whether the /64 ipset exists (false after ipset said it does not; list() looks again) */
  private p64 = true;
  constructor(private readonly run: Runner) {}

  async apply(bans: KernelBan[], remove: string[] = []): Promise<void> {
    if (bans.length === 0 && remove.length === 0) return;
    const lines = this.lines(bans, remove);
    try {
      await this.restore(lines);
    } catch (e) {
      // ipsets created by an older rampart: no /64 set (ipset names the line it stopped at, not the set);
      // their rules drop /64s from the prefix set. Every line is idempotent, so the whole input runs again.
      const at = /Error in line (\d+): The set with the given name does not exist/.exec(e instanceof Error ? e.message : String(e));
      if (!this.p64 || !at || !lines[Number(at[1]) - 1]?.includes(` ${BAN_P64_SET} `)) throw e;
      this.p64 = false;
      await this.restore(this.lines(bans, remove));
    }
  }

  /** The `ipset restore` lines: removals first, then adds (each with its timeout, replacing an existing one). */
  private lines(bans: KernelBan[], remove: string[]): string[] {
    // -exist: deleting a missing entry is fine, and an existing entry gets its timeout replaced. A prefix is
    // taken out of the sets an older rampart held it in too (hash:net all): rampart_ban_v4/v6, and for an
    // IPv6 /64 the prefix set.
    const at = (t: string) => {
      const c = parseCidr(t);
      return { c, set: banSetOf(c.family, c.prefix, this.p64), element: formatCidr(c) };
    };
    const lines: string[] = [];
    for (const t of remove) {
      const { c, set, element } = at(t);
      const older = new Set([set, BAN_SET[c.family], ...(c.family === 6 && c.prefix === P64 ? [BAN_NET_SET[6]] : [])]);
      for (const s of older) lines.push(`del ${s} ${element}`);
    }
    for (const b of bans) {
      const { set, element } = at(b.target);
      lines.push(`add ${set} ${element} timeout ${b.timeoutSec}`);
    }
    return lines;
  }

  private async restore(lines: string[]): Promise<void> {
    await this.run(["ipset", "restore", "-exist"], { input: `${lines.join("\n")}\n`, timeoutMs: 60_000 });
  }

  async list(): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    for (const set of BAN_SETS) {
      const r = await this.run(["ipset", "list", set, "-output", "save"], { okCodes: "any", timeoutMs: 30_000 });
      if (set === BAN_P64_SET) this.p64 = r.code === 0;
      if (r.code !== 0) continue;
      for (const line of r.stdout.split("\n")) {
        const m = /^add \S+ (\S+)(?: timeout (\d+))?/.exec(line);
        if (m) out.set(m[1] as string, m[2] === undefined || m[2] === "0" ? undefined : Number(m[2]));
      }
    }
    return out;
  }
}

/**
 * In-memory enforcer for unit tests and `--dry-run`: records what would be in the kernel, with the limits of
 * the backend it stands for — including nft's refusal of overlapping intervals within a prefix set (single
 * addresses and IPv6 /64s are in hash sets, which refuse no overlap), and a hook to refuse chosen elements the
 * way a kernel would.
 */
export class MemoryEnforcer implements BanEnforcer {
  readonly name = "memory";
  readonly kernel = new Map<string, number | undefined>();
  calls = 0;
  /** elements the "kernel" refuses, with its words */
  refuse = new Map<string, string>();
  /** when set, every call fails with this message (a firewall that is not loaded) */
  missing: string | undefined;
  constructor(readonly backend: SetBackend = "nftables") {}

  async apply(bans: KernelBan[], remove: string[] = []): Promise<void> {
    this.calls++;
    if (this.missing) throw new Error(this.missing);
    for (const t of remove) this.kernel.delete(element(t));
    // all or nothing, like one nft transaction
    const adding = new Map<string, number | undefined>();
    for (const b of bans) {
      const e = element(b.target);
      const refused = this.refuse.get(e);
      if (refused) throw new Error(`Error: ${refused}\nadd element ${NFT_FAMILY} ${NFT_TABLE} set { ${e} }`);
      if (this.backend === "nftables" && !b.refresh && !this.kernel.has(e) && this.overlapsAny(e, adding))
        throw new Error(`Error: interval overlaps with an existing one\nadd element ${NFT_FAMILY} ${NFT_TABLE} set { ${e} }`);
      adding.set(e, b.timeoutSec || undefined);
    }
    for (const [k, v] of adding) this.kernel.set(k, v);
  }

  /** nft's interval check: does prefix e overlap another element of its interval set (or of this batch)? */
  private overlapsAny(e: string, adding: Map<string, number | undefined>): boolean {
    const c = parseCidr(e);
    const set = banSetOf(c.family, c.prefix);
    if (set !== BAN_NET_SET[c.family]) return false; // a hash set (an address, an IPv6 /64): no interval check
    const [lo, hi] = cidrRange(c);
    for (const k of [...this.kernel.keys(), ...adding.keys()]) {
      if (k === e) continue;
      const x = this.parsed(k);
      if (x.set === set && x.lo <= hi && lo <= x.hi) return true;
    }
    return false;
  }

  private readonly memo = new Map<string, { set: string; lo: bigint; hi: bigint }>();
  private parsed(k: string): { set: string; lo: bigint; hi: bigint } {
    let m = this.memo.get(k);
    if (!m) {
      const x = parseCidr(k);
      const [lo, hi] = cidrRange(x);
      m = { set: banSetOf(x.family, x.prefix), lo, hi };
      this.memo.set(k, m);
    }
    return m;
  }

  async list(): Promise<Map<string, number | undefined>> {
    return new Map(this.kernel);
  }
}
