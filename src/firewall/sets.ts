// The named kernel sets rampart's firewall provides for other parts to fill: the guard adds banned sources
// with a timeout, blocklists load merged prefixes. Both backends create them with these names (nftables:
// sets in `table inet rampart`; iptables: ipsets), so a ban or a blocklist refresh never rewrites rules.
import type { AddressFamily, NamedSet } from "./model.js";

export const NFT_TABLE = "rampart";
export const NFT_FAMILY = "inet";

export const BAN_SET: Record<AddressFamily, string> = { 4: "rampart_ban_v4", 6: "rampart_ban_v6" };
export const BLOCK_SET: Record<AddressFamily, string> = { 4: "rampart_block_v4", 6: "rampart_block_v6" };

/** All four sets, in the order they are declared and matched. */
export function namedSets(): NamedSet[] {
  return [
    { name: BAN_SET[4], family: 4, kind: "ban" },
    { name: BAN_SET[6], family: 6, kind: "ban" },
    { name: BLOCK_SET[4], family: 4, kind: "block" },
    { name: BLOCK_SET[6], family: 6, kind: "block" },
  ];
}

/** Where the named sets live for a firewall backend: nftables sets, or ipsets beside the iptables chains. */
export type SetBackend = "nftables" | "ipset";
export const setBackendOf = (firewallBackend: "nftables" | "iptables"): SetBackend =>
  firewallBackend === "iptables" ? "ipset" : "nftables";
