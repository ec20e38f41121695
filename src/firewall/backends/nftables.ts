// nftables backend: the whole firewall is ONE `table inet rampart`, replaced atomically in one `nft -f`
// transaction: `table inet rampart {}` (create if missing) + `delete table inet rampart` + the full table.
// Never `flush ruleset`: Docker's, libvirt's and iptables-nft's tables stay exactly as they are.
// Replacing the table would empty the named sets, so load() carries their current elements (bans with the
// time they have left, blocklist prefixes) into the same transaction.
import { RampartError, messageOf } from "../../core/errors.js";
import { formatIp, prefixMask, tryParseCidr } from "../../core/ip.js";
import type { Runner } from "../../system/exec.js";
import type { FirewallBackend, FirewallSnapshot, RenderedRuleset } from "../backend.js";
import { fileOf } from "../backend.js";
import { safeComment } from "../comment.js";
import { type Chain, type NamedSet, type PortRange, RATE_SECONDS, type Rule, type RuleModel, type SourceRateLimit } from "../model.js";
import { BAN_SETS, banTargetOf, NFT_FAMILY, NFT_TABLE, nftBanElement } from "../sets.js";

const FILE = "rampart.nft";
const TABLE = `${NFT_FAMILY} ${NFT_TABLE}`;

/** A ban element read back ("2001:db8::/64 timeout 3600s expires 12s") placed in the set it belongs in now. */
function carriedBan(from: string, text: string): { set: string; element: string } {
  const at = text.indexOf(" ");
  const value = at < 0 ? text : text.slice(0, at);
  const rest = at < 0 ? "" : text.slice(at);
  const c = tryParseCidr(banTargetOf(from, value));
  if (!c.ok) return { set: from, element: text }; // a range (only in an interval set): stays
  const to = nftBanElement(c.value);
  return { set: to.set, element: `${to.element}${rest}` };
}

export class NftablesBackend implements FirewallBackend {
  readonly name = "nftables" as const;
  constructor(private readonly run: Runner) {}

  render(model: RuleModel): RenderedRuleset {
    return { backend: "nftables", files: [{ name: FILE, loader: "nft -f", text: renderNft(model) }] };
  }

  async check(ruleset: RenderedRuleset): Promise<void> {
    await this.nft(["-c", "-f", "-"], fileOf(ruleset, FILE), "the nftables ruleset does not validate");
  }

  async load(ruleset: RenderedRuleset): Promise<void> {
    const text = fileOf(ruleset, FILE) + (await this.carriedElements(ruleset));
    await this.nft(["-f", "-"], text, "nft refused the ruleset");
  }

  async snapshot(): Promise<FirewallSnapshot> {
    const r = await this.run(["nft", "list", "table", NFT_FAMILY, NFT_TABLE], { okCodes: "any", timeoutMs: 15_000 });
    if (r.code === 0) return { backend: "nftables", parts: { table: r.stdout } };
    if (/No such file or directory|does not exist/i.test(r.stderr)) return { backend: "nftables", parts: { table: null } };
    throw new RampartError("EXEC", `cannot read the current rampart table: ${r.stderr.trim()}`, {
      hint: "Run as root; check that nftables works (`nft list ruleset`).",
    });
  }

  /**
   * The saved table back in one transaction. When nft refuses it, rampart's table is deleted (fail open): a
   * rollback never leaves the admin behind a ruleset nobody confirmed.
   */
  async restore(snapshot: FirewallSnapshot): Promise<void> {
    const saved = snapshot.parts.table ?? null;
    const text = `table ${TABLE} {}\ndelete table ${TABLE}\n${saved ?? ""}`;
    try {
      await this.nft(["-f", "-"], text, "nft refused to restore the saved rampart table");
    } catch (e) {
      const open = await this.failOpen().then(
        () => `failed open: table ${TABLE} is deleted`,
        (e2) => `could not fail open either (${messageOf(e2)})`,
      );
      throw new RampartError("REFUSED", `${messageOf(e)}; ${open}`, {
        hint: 'The saved table is in the backup\'s kernel/ file (JSON, part "table"); load it by hand with nft -f once the cause is fixed.',
        cause: e,
      });
    }
  }

  /** Fail open: rampart's table deleted (nothing of rampart filters any more); no table is not an error. */
  async failOpen(): Promise<void> {
    await this.nft(["-f", "-"], `table ${TABLE} {}\ndelete table ${TABLE}\n`, `nft could not delete table ${TABLE}`);
  }

  /** `add element` lines for the named sets' current contents (empty when the table does not exist). */
  private async carriedElements(ruleset: RenderedRuleset): Promise<string> {
    const declared = new Set([...fileOf(ruleset, FILE).matchAll(/^\tset (rampart_\w+) \{$/gm)].map((m) => m[1]));
    const r = await this.run(["nft", "-j", "list", "table", NFT_FAMILY, NFT_TABLE], { okCodes: "any", timeoutMs: 30_000 });
    if (r.code !== 0) return "";
    const bySet = new Map<string, string[]>();
    const put = (set: string, element: string) => {
      const els = bySet.get(set);
      if (els) els.push(element);
      else bySet.set(set, [element]);
    };
    for (const set of parseSetElements(r.stdout)) {
      for (const e of set.elements) {
        // a ban goes where sets.ts places it now: a table loaded by an older rampart holds prefixes in
        // rampart_ban_v4/v6 (then interval sets) and IPv6 /64s in rampart_ban_net_v6; they move
        const to = BAN_SETS.includes(set.name) ? carriedBan(set.name, e) : { set: set.name, element: e };
        if (declared.has(to.set)) put(to.set, to.element);
        else if (declared.has(set.name)) put(set.name, e);
      }
    }
    const lines = [...bySet].map(([set, els]) => `add element ${TABLE} ${set} { ${els.join(", ")} }`);
    return lines.length ? `${lines.join("\n")}\n` : "";
  }

  private async nft(args: string[], input: string, what: string): Promise<void> {
    const r = await this.run(["nft", ...args], { input, okCodes: "any", timeoutMs: 60_000 });
    if (r.code !== 0) {
      throw new RampartError("REFUSED", `${what}: ${firstLines(r.stderr)}`, {
        hint: "See `rampart firewall render` for the ruleset; nothing was changed (nft -f is one transaction).",
      });
    }
  }
}

// ---- rendering

export function renderNft(model: RuleModel): string {
  const L: string[] = [];
  L.push("#!/usr/sbin/nft -f");
  L.push("# rampart firewall: generated from the policy by `rampart firewall render`; do not edit.");
  L.push("# Replaces only table inet rampart, in one transaction; other tables are not touched.");
  L.push(`table ${TABLE} {}`);
  L.push(`delete table ${TABLE}`);
  L.push(`table ${TABLE} {`);
  for (const s of model.sets) L.push(...setDecl(s));
  for (const m of rateMeters(model)) L.push(...meterDecl(m));
  for (const c of [model.chains.input, model.chains.forward, model.chains.output]) L.push(...chainDecl(c));
  L.push("}");
  return `${L.join("\n")}\n`;
}

function setDecl(s: NamedSet): string[] {
  const type = s.family === 4 ? "ipv4_addr" : "ipv6_addr";
  // bans: per-element timeouts; single addresses and IPv6 /64s (their network addresses) in hash sets (an add
  // stays cheap however many there are), other prefixes (`guard ban 203.0.113.0/24`) in an interval set
  // (see sets.ts)
  const flags = { ban: "timeout", "ban-p64": "timeout", "ban-net": "interval, timeout", block: "interval" }[s.kind];
  const out = [`\tset ${s.name} {`, `\t\ttype ${type}`, `\t\tflags ${flags}`];
  if (s.kind === "block") out.push("\t\tauto-merge");
  out.push("\t}", "");
  return out;
}

function rateMeters(model: RuleModel): { limit: SourceRateLimit; family: 4 | 6 }[] {
  const seen = new Map<string, { limit: SourceRateLimit; family: 4 | 6 }>();
  for (const c of Object.values(model.chains)) {
    for (const r of c.rules) {
      if (r.overSourceRate && !seen.has(r.overSourceRate.name)) {
        seen.set(r.overSourceRate.name, { limit: r.overSourceRate, family: r.match.family ?? 4 });
      }
    }
  }
  return [...seen.values()];
}

function meterDecl(m: { limit: SourceRateLimit; family: 4 | 6 }): string[] {
  const timeout = Math.max(60, RATE_SECONDS[m.limit.per]);
  return [
    `\tset ${m.limit.name} {`,
    `\t\ttype ${m.family === 4 ? "ipv4_addr" : "ipv6_addr"}`,
    "\t\tsize 65535",
    "\t\tflags dynamic, timeout",
    `\t\ttimeout ${timeout}s`,
    "\t}",
    "",
  ];
}

function chainDecl(c: Chain): string[] {
  const out = [`\tchain ${c.name} {`, `\t\ttype filter hook ${c.name} priority filter; policy ${c.policy};`];
  for (const r of c.rules) out.push(`\t\t${ruleText(r)}`);
  out.push("\t}");
  if (c.name !== "output") out.push("");
  return out;
}

export function ruleText(r: Rule): string {
  const m = r.match;
  const p: string[] = [];
  if (m.iif) p.push(`iifname "${m.iif}"`);
  if (m.notIif) p.push(`iifname != "${m.notIif}"`);
  if (m.oif) p.push(`oifname "${m.oif}"`);
  const ipf = m.family === 6 ? "ip6" : "ip";
  const implied = m.saddr || m.daddr || m.saddrSet || m.icmp || m.icmp6 || m.hopLimit !== undefined;
  if (m.family && !implied) p.push(`meta nfproto ${m.family === 4 ? "ipv4" : "ipv6"}`);
  if (m.saddr) p.push(`${ipf} saddr ${list(m.saddr)}`);
  if (m.daddr) p.push(`${ipf} daddr ${list(m.daddr)}`);
  // a set of network addresses: the source's host bits are masked off before the lookup
  if (m.saddrSet)
    p.push(`${ipf} saddr ${m.saddrSetPrefix === undefined ? "" : `& ${maskText(m.family ?? 4, m.saddrSetPrefix)} `}@${m.saddrSet}`);
  if (m.hopLimit !== undefined) p.push(`ip6 hoplimit ${m.hopLimit}`);
  if (m.icmp) p.push(`icmp type ${list(m.icmp)}`);
  if (m.icmp6) p.push(`icmpv6 type ${list(m.icmp6)}`);
  if (m.proto) {
    if (m.sports) p.push(`${m.proto} sport ${ports(m.sports)}`);
    if (m.dports) p.push(`${m.proto} dport ${ports(m.dports)}`);
    if (!m.sports && !m.dports) p.push(`meta l4proto ${m.proto}`);
  }
  if (m.ct) p.push(`ct state ${m.ct.join(",")}`);
  if (r.limit) p.push(`limit rate ${r.limit.count}/${r.limit.per} burst ${r.limit.burst} packets`);
  if (r.overSourceRate) {
    const o = r.overSourceRate;
    p.push(`update @${o.name} { ${ipf} saddr limit rate over ${o.count}/${o.per} burst ${o.burst} packets }`);
  }
  if (m.saddrSet) p.push("counter");
  p.push(verdictText(r.verdict));
  p.push(`comment "${safeComment(r.comment)}"`);
  return p.join(" ");
}

function verdictText(v: Rule["verdict"]): string {
  if (typeof v === "string") return v;
  switch (v.reject) {
    case "tcp-reset":
      return "reject with tcp reset";
    case "port-unreachable":
      return "reject with icmpx type port-unreachable";
    case "admin-prohibited":
      return "reject with icmpx type admin-prohibited";
  }
}

/** the netmask of a prefix length as nft writes it: 64 → ffff:ffff:ffff:ffff:: */
const maskText = (family: 4 | 6, prefix: number): string => formatIp({ family, value: prefixMask(family, prefix) });
const list = (xs: readonly string[]): string => (xs.length === 1 ? (xs[0] as string) : `{ ${xs.join(", ")} }`);
const ports = (rs: readonly PortRange[]): string => list(rs.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)));

// ---- reading set elements back (nft -j)

interface SetElements {
  name: string;
  elements: string[];
}

/** Elements of rampart_* sets from `nft -j list table`, as nft element syntax (with remaining timeouts). */
export function parseSetElements(json: string): SetElements[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return [];
  }
  const items = (doc as { nftables?: unknown[] }).nftables ?? [];
  const out: SetElements[] = [];
  for (const item of items) {
    const set = (item as { set?: { name?: unknown; elem?: unknown[] } }).set;
    if (!set || typeof set.name !== "string" || !set.name.startsWith("rampart_") || !Array.isArray(set.elem)) continue;
    const elements: string[] = [];
    for (const e of set.elem) {
      const text = elementText(e);
      if (text) elements.push(text);
    }
    out.push({ name: set.name, elements });
  }
  return out;
}

function elementText(e: unknown): string | undefined {
  let value: unknown = e;
  let timeout: number | undefined;
  let expires: number | undefined;
  const wrapped = (e as { elem?: { val?: unknown; timeout?: unknown; expires?: unknown } }).elem;
  if (wrapped) {
    value = wrapped.val;
    if (typeof wrapped.timeout === "number") timeout = wrapped.timeout;
    if (typeof wrapped.expires === "number") expires = wrapped.expires;
  }
  const addr = addrText(value);
  if (!addr) return undefined;
  if (timeout === undefined) return addr;
  // nft rejects an expiry of 0; an element about to expire keeps one second
  return `${addr} timeout ${timeout}s expires ${Math.max(1, expires ?? timeout)}s`;
}

function addrText(v: unknown): string | undefined {
  if (typeof v === "string") return /^[0-9a-fA-F:.]+$/.test(v) ? v : undefined;
  const prefix = (v as { prefix?: { addr?: unknown; len?: unknown } }).prefix;
  if (prefix && typeof prefix.addr === "string" && typeof prefix.len === "number") return `${prefix.addr}/${prefix.len}`;
  const range = (v as { range?: unknown[] }).range;
  if (Array.isArray(range) && typeof range[0] === "string" && typeof range[1] === "string") return `${range[0]}-${range[1]}`;
  return undefined;
}

function firstLines(text: string): string {
  return text.trim().split("\n").slice(0, 6).join("\n");
}
