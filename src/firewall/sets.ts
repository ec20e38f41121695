// The names of what rampart's firewall owns in the kernel — `table inet rampart` (nftables), the RAMPART-*
// chains and their jumps (iptables) — and the named kernel sets it provides for other parts to fill: the
// guard adds banned sources with a timeout, blocklists load merged prefixes. Both backends create the sets
// with these names (nftables: sets in `table inet rampart`; iptables: ipsets), so a ban or a blocklist
// refresh never rewrites rules. Everything that writes, reads back or persists these names takes them here.
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

// Bans live in two sets per family: single addresses (almost every ban) in a plain hash set, prefixes (an
// IPv6 /64, `guard ban 203.0.113.0/24`, fleet prefixes) in an interval set. Why: nft (1.0.6) reads every
// element of an interval set into its cache on each `nft -f` that adds to it, so one add costs 0.2 s at 20k
// elements and 1.5 s at 100k, while an add to a hash set stays flat (~30 ms) — measured, see README
// "Measured". The BanBook keeps the two free of overlaps (an address under a banned prefix is held back).
export const BAN_SET: Record<AddressFamily, string> = { 4: "rampart_ban_v4", 6: "rampart_ban_v6" };
export const BAN_NET_SET: Record<AddressFamily, string> = { 4: "rampart_ban_net_v4", 6: "rampart_ban_net_v6" };
export const BLOCK_SET: Record<AddressFamily, string> = { 4: "rampart_block_v4", 6: "rampart_block_v6" };

/** The ban set an element belongs in: a single address in the address set, a prefix in the prefix set. */
export function banSetOf(family: AddressFamily, prefix: number): string {
  return prefix === (family === 4 ? 32 : 128) ? BAN_SET[family] : BAN_NET_SET[family];
}

/** All six sets, in the order they are declared and matched. */
export function namedSets(): NamedSet[] {
  return [
    { name: BAN_SET[4], family: 4, kind: "ban" },
    { name: BAN_SET[6], family: 6, kind: "ban" },
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
