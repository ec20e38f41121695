// The kernel's packet filter as the firewall checks see it, loaded once per audit: `nft -j -t list ruleset`
// (native nftables and iptables-nft tables; -t leaves out set elements so a large blocklist costs nothing),
// `iptables-nft-save`/`ip6tables-nft-save` (to name and read the tables iptables-nft owns — their xt
// matches are opaque in nft's JSON; only when nft lists a table of their family) and `iptables-legacy-save`/`ip6tables-legacy-save` (x_tables rules,
// invisible to nft). All five run in parallel with a short timeout. A tool that is not installed simply
// contributes nothing; a tool that fails (no permission, unexpected output) is recorded so checks can report
// an error instead of judging half a ruleset.
import { parseIptablesSave } from "./iptables-save.js";
import { emptyRuleset, type Family, type Origin, type ObservedRuleset } from "./model.js";
import { countSetElements, parseNftJson } from "./nft-json.js";
import type { FactContext } from "../../facts/context.js";
import { tryTool, type ToolOutput } from "../../facts/tool.js";

export const NFT_ARGV = ["nft", "-j", "-t", "list", "ruleset"] as const;
export const SAVE_ARGV = {
  legacy4: ["iptables-legacy-save"],
  legacy6: ["ip6tables-legacy-save"],
  xnft4: ["iptables-nft-save"],
  xnft6: ["ip6tables-nft-save"],
} as const;

export interface FirewallState {
  /** every chain and set the kernel has, from all tools */
  ruleset: ObservedRuleset;
  /** which tools were read, and how that went */
  tools: Record<"nft" | keyof typeof SAVE_ARGV, ToolOutput>;
  /** failures that make a verdict unsafe (e.g. nft present but not permitted) */
  problems: string[];
  /** the origins that hold at least one table with content */
  active: Origin[];
  /** the commands that answered, for evidence */
  source: string;
}

export function firewallState(ctx: FactContext): Promise<FirewallState> {
  return ctx.memo("firewall:state", async () => {
    const nftRun = tryTool(ctx, NFT_ARGV);
    const [nft, legacy4, legacy6, xnft4, xnft6] = await Promise.all([
      nftRun,
      legacySave(ctx, SAVE_ARGV.legacy4, "/proc/net/ip_tables_names"),
      legacySave(ctx, SAVE_ARGV.legacy6, "/proc/net/ip6_tables_names"),
      xnftSave(ctx, SAVE_ARGV.xnft4, "ip", nftRun),
      xnftSave(ctx, SAVE_ARGV.xnft6, "ip6", nftRun),
    ]);
    return buildFirewallState({ nft, legacy4, legacy6, xnft4, xnft6 });
  });
}

/**
 * iptables-legacy-save prints the tables the kernel lists in /proc/net/ip{,6}_tables_names and nothing else:
 * when that list exists and is empty (x_tables loaded, no legacy table) its answer is known to be empty, and
 * the process (a spawn costs the audit tens of milliseconds) is not started. Otherwise it is asked.
 */
async function legacySave(ctx: FactContext, argv: readonly string[], names: string): Promise<ToolOutput> {
  const list = ctx.live ? await ctx.fs.readTextIfExists(names).catch(() => undefined) : undefined;
  if (list !== undefined && list.trim() === "") return { state: "ok", argv, stdout: "" };
  return tryTool(ctx, argv);
}

/**
 * iptables-nft-save prints the tables of one nft family (ip for iptables, ip6 for ip6tables): when nft answered
 * and lists no table of that family, its answer is known to be empty and it is not started (two spawns fewer on
 * a host without iptables-nft rules, for one nft run of waiting where there are some). Otherwise it is asked.
 */
async function xnftSave(ctx: FactContext, argv: readonly string[], family: "ip" | "ip6", nftRun: Promise<ToolOutput>): Promise<ToolOutput> {
  const nft = await nftRun;
  if (nft.state === "ok" && !hasTableOf(nft.stdout, family)) return { state: "ok", argv, stdout: "" };
  return tryTool(ctx, argv);
}

/** Does `nft -j list ruleset` output list a table of this family? Unreadable output: assume it does. */
function hasTableOf(json: string, family: string): boolean {
  try {
    const items = (JSON.parse(json) as { nftables?: { table?: { family?: string } }[] }).nftables;
    return !Array.isArray(items) || items.some((i) => i?.table?.family === family);
  } catch {
    return true;
  }
}

/** Combine the tools' outputs (exported for tests that feed recorded outputs). */
export function buildFirewallState(tools: FirewallState["tools"]): FirewallState {
  const problems: string[] = [];
  const ruleset = emptyRuleset();
  const answered: string[] = [];
  // tables iptables-nft manages (with chains): read from its own save output, not from nft's JSON
  const xnftTables = new Set<string>();
  const xnft: ObservedRuleset[] = [];
  for (const [k, v] of [
    ["xnft4", 4],
    ["xnft6", 6],
  ] as const) {
    const t = tools[k];
    if (t.state !== "ok") continue;
    const rs = parseIptablesSave(t.stdout, v, "iptables-nft");
    for (const tb of rs.tables) if (rs.chains.some((c) => c.table === tb.name)) xnftTables.add(`${tb.family} ${tb.name}`);
    xnft.push(rs);
  }
  const originOf = (family: Family, table: string): Origin => (xnftTables.has(`${family} ${table}`) ? "iptables-nft" : "nftables");
  if (tools.nft.state === "ok") {
    try {
      const rs = parseNftJson(tools.nft.stdout, originOf);
      // keep nft's view of everything except the iptables-nft tables we read from iptables-nft-save
      ruleset.tables.push(...rs.tables.filter((t) => t.origin === "nftables"));
      ruleset.chains.push(...rs.chains.filter((c) => c.origin === "nftables"));
      ruleset.sets.push(...rs.sets);
      answered.push(NFT_ARGV.join(" "));
    } catch (e) {
      problems.push(`${NFT_ARGV.join(" ")}: unexpected output (${(e as Error).message})`);
    }
  } else if (tools.nft.state === "failed") problems.push(tools.nft.reason);
  for (const rs of xnft) {
    ruleset.tables.push(...rs.tables.filter((t) => xnftTables.has(`${t.family} ${t.name}`)));
    ruleset.chains.push(...rs.chains.filter((c) => xnftTables.has(`${c.family} ${c.table}`)));
  }
  if (xnftTables.size > 0) answered.push("iptables-nft-save");
  for (const [k, v] of [
    ["legacy4", 4],
    ["legacy6", 6],
  ] as const) {
    const t = tools[k];
    if (t.state === "ok") {
      const rs = parseIptablesSave(t.stdout, v, "iptables-legacy");
      ruleset.tables.push(...rs.tables);
      ruleset.chains.push(...rs.chains);
      if (rs.tables.length > 0) answered.push(t.argv[0] ?? "");
    } else if (t.state === "failed") problems.push(t.reason);
  }
  if (tools.nft.state === "missing" && tools.legacy4.state === "missing" && tools.xnft4.state === "missing") {
    problems.push("neither nft nor iptables is installed, so the kernel's packet filter cannot be read (apt-get install nftables)");
  }
  const active = new Set<Origin>();
  for (const c of ruleset.chains) if (c.rules.length > 0 || c.policy === "drop") active.add(c.origin);
  for (const s of ruleset.sets) if (s.table) active.add(originOf(s.family, s.table));
  return { ruleset, tools, problems, active: [...active], source: answered.join(" + ") || "no packet-filter tool answered" };
}

/** Element count of one nft set (`nft -j list set …`), or undefined with a reason. */
export async function nftSetSize(
  ctx: FactContext,
  family: string,
  table: string,
  set: string,
): Promise<{ count?: number; reason?: string }> {
  return ctx.memo(`firewall:set:${family}:${table}:${set}`, async () => {
    const t = await tryTool(ctx, ["nft", "-j", "list", "set", family, table, set], 5000);
    if (t.state === "missing") return { reason: "nft is not installed" };
    if (t.state === "failed") return { reason: t.reason };
    try {
      return { count: countSetElements(t.stdout) };
    } catch (e) {
      return { reason: `nft -j list set ${family} ${table} ${set}: unexpected output (${(e as Error).message})` };
    }
  });
}

/** ipset lists with their entry counts, from `ipset list -t` (undefined count when not shown). */
export function ipsetLists(ctx: FactContext): Promise<{ lists: Map<string, number>; reason?: string }> {
  return ctx.memo("firewall:ipset", async () => {
    const t = await tryTool(ctx, ["ipset", "list", "-t"]);
    if (t.state === "missing") return { lists: new Map(), reason: "ipset is not installed" };
    if (t.state === "failed") return { lists: new Map(), reason: t.reason };
    return { lists: parseIpsetTerse(t.stdout) };
  });
}

/** `Name: x` … `Number of entries: N` blocks → name → N */
export function parseIpsetTerse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let name: string | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("Name: ")) name = line.slice(6).trim();
    else if (line.startsWith("Number of entries: ") && name) out.set(name, Number(line.slice(19).trim()));
  }
  return out;
}
