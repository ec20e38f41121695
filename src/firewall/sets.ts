// The names of what rampart's firewall owns in the kernel — `table inet rampart` (nftables), the RAMPART-*
// chains and their jumps (iptables) — and the named kernel sets it provides for other parts to fill: the
// guard adds banned sources with a timeout, blocklists load merged prefixes. Both backends create the sets
// with these names (nftables: sets in `table inet rampart`; iptables: ipsets), so a ban or a blocklist
// refresh never rewrites rules. Everything that writes, reads back or persists these names takes them here.
import { type Cidr, formatCidr, formatIp } from "../core/ip.js";
import type { AddressFamily, ChainName, NamedSet } from "./model.js";

export const NFT_TABLE = "rampart";
export const NFT_FAMILY = "inet";

/** Every chain of rampart's own in the iptables filter tables starts with this (RAMPART-INPUT, …). */
export const IPT_CHAIN_PREFIX = "RAMPART-";
/** rampart's iptables chains, each jumped to from the top of the built-in chain of the same name. */
export const IPT_CHAIN: Record<ChainName, string> = {
  input: `${IPT_CHAIN_PREFIX}INPUT`,
  forward: `${IPT_CHAIN_PREFIX}FORWARD`,
  output: `${IPT_CHAIN_PREFIX}OUTPUT`,
};
/** The built-in chain that jumps to each of rampart's chains. */
export const IPT_BUILTIN: Record<ChainName, string> = { input: "INPUT", forward: "FORWARD", output: "OUTPUT" };
/** The comment on each jump (`-m comment --comment rampart`). */
export const IPT_JUMP_COMMENT = "rampart";

// Bans live in three kinds of set: single addresses (almost every ban) in a plain hash set per family, IPv6
// /64s (every IPv6 jail ban: one host's addresses) in a hash set of their network addresses, matched by
// masking the source (`ip6 saddr & ffff:ffff:ffff:ffff:: @rampart_ban_p64_v6`), and any other prefix
// (`guard ban 203.0.113.0/24`, a /48, fleet prefixes) in an interval set per family. Why: nft (1.0.6) reads
// every element of the table's interval sets into its cache before each transaction, so one add costs 0.2 s
// at 20k elements and 1.5 s at 100k, and a 40-address batch 0.7 ms of nft CPU with no /64 banned but 3.0 ms
// with 2,000 /64s in the interval set (0.5 ms with them in the hash set); an add to a hash set stays flat —
// measured, see README "Measured" and bench/guard-p64.ts. The BanBook keeps the sets free of overlaps (an address under a banned prefix is held
// back). On the iptables backend every ban set is a hash:net ipset (no such cost): the /64 set holds the
// prefixes themselves (`2001:db8:1:2::/64`).
export const BAN_SET: Record<AddressFamily, string> = { 4: "rampart_ban_v4", 6: "rampart_ban_v6" };
export const BAN_NET_SET: Record<AddressFamily, string> = { 4: "rampart_ban_net_v4", 6: "rampart_ban_net_v6" };
/** IPv6 /64 bans (nftables: their network addresses; ipset: the /64 prefixes) */
export const BAN_P64_SET = "rampart_ban_p64_v6";
/** the prefix length the /64 set holds */
export const P64 = 64;
export const BLOCK_SET: Record<AddressFamily, string> = { 4: "rampart_block_v4", 6: "rampart_block_v6" };
/** Every ban set, the order they are read back in. */
export const BAN_SETS: readonly string[] = [BAN_SET[4], BAN_SET[6], BAN_P64_SET, BAN_NET_SET[4], BAN_NET_SET[6]];

/**
 * The one decision of where a ban goes: a single address in the address set, an IPv6 /64 in the /64 set,
 * any other prefix in the prefix set. Everything that writes, reads back, moves or removes ban elements
 * places them with this. `p64: false`: the loaded firewall (an older rampart's) has no /64 set; a /64 goes
 * to the prefix set, where that firewall's rules drop it.
 */
export function banSetOf(family: AddressFamily, prefix: number, p64 = true): string {
  if (prefix === (family === 4 ? 32 : 128)) return BAN_SET[family];
  return family === 6 && prefix === P64 && p64 ? BAN_P64_SET : BAN_NET_SET[family];
}

/**
 * Where a ban target goes on nftables and its element text there: a single address bare, an IPv6 /64 as its
 * network address (the /64 set holds those; the rule masks the source), any other prefix as CIDR.
 */
export function nftBanElement(c: Cidr, p64 = true): { set: string; element: string } {
  const set = banSetOf(c.family, c.prefix, p64);
  return { set, element: set === BAN_P64_SET ? formatIp(c) : formatCidr(c) };
}

/** The ban target an element read back from an nftables ban set stands for (the inverse of nftBanElement). */
export function banTargetOf(set: string, element: string): string {
  return set === BAN_P64_SET ? `${element}/${P64}` : element;
}

/** All seven sets, in the order they are declared and matched. */
export function namedSets(): NamedSet[] {
  return [
    { name: BAN_SET[4], family: 4, kind: "ban" },
    { name: BAN_SET[6], family: 6, kind: "ban" },
    { name: BAN_P64_SET, family: 6, kind: "ban-p64" },
    { name: BAN_NET_SET[4], family: 4, kind: "ban-net" },
    { name: BAN_NET_SET[6], family: 6, kind: "ban-net" },
    { name: BLOCK_SET[4], family: 4, kind: "block" },
    { name: BLOCK_SET[6], family: 6, kind: "block" },
  ];
}

/** Whether a kernel set (an ipset, on the iptables backend) is one of rampart's named sets. */
export function isNamedSet(name: string): boolean {
  return namedSets().some((s) => s.name === name);
}

/** Where the named sets live for a firewall backend: nftables sets, or ipsets beside the iptables chains. */
export type SetBackend = "nftables" | "ipset";
export const setBackendOf = (firewallBackend: "nftables" | "iptables"): SetBackend =>
  firewallBackend === "iptables" ? "ipset" : "nftables";
