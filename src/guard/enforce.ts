// Bans in the kernel: elements with a per-element timeout in the firewall's ban sets (nftables
// `rampart_ban_v4/v6` in `table inet rampart`, or the ipsets of the same names on the iptables backend).
// The kernel expires them itself, so a ban ends on time even when the daemon is dead. Many bans are
// applied in ONE process call (a batch): during a flood there is never one process per ban.
import { formatCidr, parseCidr } from "../core/ip.js";
import { BAN_SET, NFT_FAMILY, NFT_TABLE } from "../firewall/sets.js";
import type { Runner } from "../system/exec.js";

export interface KernelBan {
  /** address or CIDR text */
  target: string;
  /** seconds; 0 = until removed */
  timeoutSec: number;
  /** the target may already be in the kernel (a re-ban): its timeout must be replaced */
  refresh?: boolean;
}

export interface BanEnforcer {
  readonly name: string;
  /** add (or refresh) bans, all in one kernel transaction where the backend has them */
  add(bans: KernelBan[]): Promise<void>;
  remove(targets: string[]): Promise<void>;
  /** targets in the kernel now, with remaining seconds (undefined = no timeout) */
  list(): Promise<Map<string, number | undefined>>;
}

const familyOf = (target: string): 4 | 6 => parseCidr(target).family;
/** set element text: single addresses bare, prefixes as CIDR */
const element = (target: string) => formatCidr(parseCidr(target));

export class NftEnforcer implements BanEnforcer {
  readonly name = "nftables";
  constructor(private readonly run: Runner) {}

  async add(bans: KernelBan[]): Promise<void> {
    if (bans.length === 0) return;
    // a refresh is delete + add in the same transaction (nft's add keeps an existing element's timeout);
    // if a refreshed element had expired meanwhile its delete fails the batch: then add only
    const lines: string[] = [];
    for (const b of bans) {
      const set = BAN_SET[familyOf(b.target)];
      lines.push(
        `add element ${NFT_FAMILY} ${NFT_TABLE} ${set} { ${element(b.target)}${b.timeoutSec > 0 ? ` timeout ${b.timeoutSec}s` : ""} }`,
      );
    }
    const deletes = bans
      .filter((b) => b.refresh)
      .map((b) => `delete element ${NFT_FAMILY} ${NFT_TABLE} ${BAN_SET[familyOf(b.target)]} { ${element(b.target)} }`);
    if (deletes.length === 0) {
      await this.run(["nft", "-f", "-"], { input: `${lines.join("\n")}\n`, timeoutMs: 30_000 });
      return;
    }
    const r = await this.run(["nft", "-f", "-"], { input: `${[...deletes, ...lines].join("\n")}\n`, okCodes: "any", timeoutMs: 30_000 });
    if (r.code === 0) return;
    await this.run(["nft", "-f", "-"], { input: `${lines.join("\n")}\n`, timeoutMs: 30_000 });
  }

  async remove(targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    const lines = targets.map((t) => `delete element ${NFT_FAMILY} ${NFT_TABLE} ${BAN_SET[familyOf(t)]} { ${element(t)} }`);
    const r = await this.run(["nft", "-f", "-"], { input: `${lines.join("\n")}\n`, okCodes: "any", timeoutMs: 30_000 });
    if (r.code === 0) return;
    // some were not there (expired already): remove the others one by one
    for (const line of lines) await this.run(["nft", "-f", "-"], { input: `${line}\n`, okCodes: "any", timeoutMs: 10_000 });
  }

  async list(): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    for (const set of Object.values(BAN_SET)) {
      const r = await this.run(["nft", "-j", "list", "set", NFT_FAMILY, NFT_TABLE, set], { okCodes: "any", timeoutMs: 30_000 });
      if (r.code !== 0) continue;
      const doc = JSON.parse(r.stdout) as { nftables?: { set?: { elem?: unknown[] } }[] };
      for (const item of doc.nftables ?? []) {
        for (const e of item.set?.elem ?? []) {
          const parsed = nftElement(e);
          if (parsed) out.set(parsed.target, parsed.expires);
        }
      }
    }
    return out;
  }
}

function nftElement(e: unknown): { target: string; expires: number | undefined } | undefined {
  let val: unknown = e;
  let expires: number | undefined;
  const wrapped = (e as { elem?: { val?: unknown; expires?: number } }).elem;
  if (wrapped) {
    val = wrapped.val;
    expires = wrapped.expires;
  }
  if (typeof val === "string") return { target: val, expires };
  const prefix = (val as { prefix?: { addr?: string; len?: number } }).prefix;
  if (prefix?.addr) return { target: `${prefix.addr}/${prefix.len}`, expires };
  const range = (val as { range?: [string, string] }).range;
  if (range) return { target: `${range[0]}-${range[1]}`, expires };
  return undefined;
}

export class IpsetEnforcer implements BanEnforcer {
  readonly name = "ipset";
  constructor(private readonly run: Runner) {}

  async add(bans: KernelBan[]): Promise<void> {
    if (bans.length === 0) return;
    // -exist: an existing entry gets its timeout refreshed instead of an error
    const lines = bans.map((b) => `add ${BAN_SET[familyOf(b.target)]} ${element(b.target)} timeout ${b.timeoutSec}`);
    await this.run(["ipset", "restore", "-exist"], { input: `${lines.join("\n")}\n`, timeoutMs: 30_000 });
  }

  async remove(targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    const lines = targets.map((t) => `del ${BAN_SET[familyOf(t)]} ${element(t)}`);
    await this.run(["ipset", "restore", "-exist"], { input: `${lines.join("\n")}\n`, timeoutMs: 30_000 });
  }

  async list(): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    for (const set of Object.values(BAN_SET)) {
      const r = await this.run(["ipset", "list", set, "-output", "save"], { okCodes: "any", timeoutMs: 30_000 });
      if (r.code !== 0) continue;
      for (const line of r.stdout.split("\n")) {
        const m = /^add \S+ (\S+)(?: timeout (\d+))?/.exec(line);
        if (m) out.set(m[1] as string, m[2] === undefined ? undefined : Number(m[2]));
      }
    }
    return out;
  }
}

/** In-memory enforcer for unit tests and `--dry-run`: records what would be in the kernel. */
export class MemoryEnforcer implements BanEnforcer {
  readonly name = "memory";
  readonly kernel = new Map<string, number | undefined>();
  calls = 0;
  async add(bans: KernelBan[]): Promise<void> {
    this.calls++;
    for (const b of bans) this.kernel.set(element(b.target), b.timeoutSec || undefined);
  }
  async remove(targets: string[]): Promise<void> {
    this.calls++;
    for (const t of targets) this.kernel.delete(element(t));
  }
  async list(): Promise<Map<string, number | undefined>> {
    return new Map(this.kernel);
  }
}
