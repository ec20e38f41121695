// iptables backend (legacy hosts, or iptables-nft): `iptables-restore` and `ip6tables-restore` files applied
// together, plus ipsets for the named sets.
// Decision: rampart owns its own chains RAMPART-INPUT/-FORWARD/-OUTPUT, jumped to from the top of the
// built-in chains, and loads with `--noflush`. Replacing the whole filter table would wipe Docker's
// DOCKER-USER/DOCKER-FORWARD chains and fail2ban's f2b-* chains; owning RAMPART-* chains keeps every
// foreign rule and table (nat, mangle, raw) untouched. Declaring a chain in a --noflush restore empties it,
// so each load replaces rampart's rules in one commit per family. The built-in chains' policies are left
// alone: a chain whose model policy is drop ends with an explicit DROP rule instead.
// Each file holds the jumps as `-I <BUILTIN> 1`; load() prefixes `-D` lines for jumps already present,
// so loading twice leaves exactly one jump per chain.
import { RampartError, messageOf } from "../../core/errors.js";
import type { Runner } from "../../system/exec.js";
import type { FirewallBackend, FirewallSnapshot, RenderedFile, RenderedRuleset } from "../backend.js";
import { fileOf } from "../backend.js";
import { safeComment } from "../comment.js";
import type { AddressFamily, Chain, Icmp6Type, PortRange, Rule, RuleModel } from "../model.js";
import { RATE_SECONDS } from "../model.js";
import { IPT_BUILTIN, IPT_CHAIN, IPT_CHAIN_PREFIX, IPT_JUMP_COMMENT, isNamedSet } from "../sets.js";

export interface IptablesOptions {
  /** program prefix: "iptables" (the system's choice), "iptables-legacy" or "iptables-nft" */
  flavor?: "iptables" | "iptables-legacy" | "iptables-nft";
}

/** The filter table with nothing in it (what restore loads when the saved table did not exist). */
export const EMPTY_FILTER = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
const FILES = { 4: "rules.v4", 6: "rules.v6", sets: "rampart.ipset" } as const;

export class IptablesBackend implements FirewallBackend {
  readonly name = "iptables" as const;
  private readonly prog: Record<AddressFamily, { save: string; restore: string }>;

  constructor(
    private readonly run: Runner,
    options: IptablesOptions = {},
  ) {
    const flavor = options.flavor ?? "iptables";
    const v6 = flavor.replace(/^iptables/, "ip6tables");
    this.prog = {
      4: { save: `${flavor}-save`, restore: `${flavor}-restore` },
      6: { save: `${v6}-save`, restore: `${v6}-restore` },
    };
  }

  render(model: RuleModel): RenderedRuleset {
    const files: RenderedFile[] = [
      { name: FILES.sets, loader: "ipset restore -exist", text: renderIpsets(model) },
      { name: FILES[4], loader: "iptables-restore --noflush", text: renderIptables(model, 4) },
      { name: FILES[6], loader: "ip6tables-restore --noflush", text: renderIptables(model, 6) },
    ];
    return { backend: "iptables", files };
  }

  /** ipsets are created (empty, rampart's own) first: iptables-restore --test resolves `-m set` names. */
  async check(ruleset: RenderedRuleset): Promise<void> {
    await this.exec(["ipset", "restore", "-exist"], await this.missingSets(ruleset), "ipset refused the set definitions");
    for (const f of [4, 6] as const) {
      await this.exec(
        [this.prog[f].restore, "--test", "--noflush"],
        fileOf(ruleset, FILES[f]),
        `${this.prog[f].restore} --test refused the IPv${f} rules`,
      );
    }
  }

  async load(ruleset: RenderedRuleset): Promise<void> {
    await this.exec(["ipset", "restore", "-exist"], await this.missingSets(ruleset), "ipset refused the set definitions");
    const before: Partial<Record<AddressFamily, string>> = {};
    for (const f of [4, 6] as const) before[f] = await this.saveFilter(f);
    try {
      for (const f of [4, 6] as const) {
        const text = withJumpDeletes(fileOf(ruleset, FILES[f]), before[f] ?? "");
        await this.exec([this.prog[f].restore, "--noflush"], text, `${this.prog[f].restore} refused the IPv${f} rules`);
      }
    } catch (e) {
      // v4 and v6 go together: if v6 failed after v4 loaded, put v4 back
      for (const f of [4, 6] as const) {
        const saved = before[f];
        if (saved !== undefined) await this.exec([this.prog[f].restore], saved, "restore after a failed load").catch(() => {});
      }
      throw e;
    }
  }

  /**
   * The sets file without the sets that exist already: they keep their elements, and their sizes — a
   * blocklist load swaps in a set with maxelem/hashsize fitted to its data, and `create` of a set that
   * exists with other parameters fails even with -exist.
   */
  private async missingSets(ruleset: RenderedRuleset): Promise<string> {
    const now = await this.run(["ipset", "list", "-n"], { okCodes: "any", timeoutMs: 15_000 });
    const existing = new Set(now.code === 0 ? now.stdout.split("\n") : []);
    return fileOf(ruleset, FILES.sets)
      .split("\n")
      .filter((l) => {
        const name = /^create (\S+) /.exec(l)?.[1];
        return name === undefined || !existing.has(name);
      })
      .join("\n");
  }

  /**
   * The filter tables, and rampart's ipsets with their contents (`ipset save` text of the named sets:
   * ban elements carry their remaining timeout), so a rollback keeps the guard's bans and the blocklists.
   * "ipsets" (the names alone) is what older snapshots hold; restore() accepts those too.
   */
  async snapshot(): Promise<FirewallSnapshot> {
    const sets = await this.run(["ipset", "list", "-n"], { okCodes: "any", timeoutMs: 15_000 });
    const ours = sets.code === 0 ? sets.stdout.split("\n").filter(isNamedSet) : [];
    return {
      backend: "iptables",
      parts: {
        "filter.v4": await this.saveFilter(4),
        "filter.v6": await this.saveFilter(6),
        ipsets: ours.join("\n"),
        "ipsets.save": ours.length ? await this.saveIpsets() : "",
        "nft.tables": await this.nftFilterTables(),
      },
    };
  }

  /** `ipset save`, kept to the named sets' lines. */
  private async saveIpsets(): Promise<string> {
    const r = await this.run(["ipset", "save"], { okCodes: "any", timeoutMs: 120_000 });
    if (r.code !== 0) {
      throw new RampartError("EXEC", `ipset save failed: ${r.stderr.trim()}`, {
        hint: "Run as root; check that the ipset tool works on this host.",
      });
    }
    const lines = r.stdout.split("\n").filter((l) => isNamedSet(/^(?:create|add) (\S+) /.exec(l)?.[1] ?? ""));
    return lines.length ? `${lines.join("\n")}\n` : "";
  }

  /**
   * iptables-nft only: which of `table ip filter` / `table ip6 filter` exist. Its save prints an empty filter
   * table even when there is none, and restoring that text would create one; restore() removes it again.
   * null with iptables-legacy (its tables always exist).
   */
  private async nftFilterTables(): Promise<string | null> {
    const v = await this.run([this.prog[4].save, "--version"], { okCodes: "any", timeoutMs: 15_000 }).catch(() => undefined);
    if (!v || !/nf_tables/.test(v.stdout + v.stderr)) return null;
    const t = await this.run(["nft", "list", "tables"], { okCodes: "any", timeoutMs: 15_000 }).catch(() => undefined);
    if (t?.code !== 0) return null;
    return t.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l === "table ip filter" || l === "table ip6 filter")
      .join("\n");
  }

  /**
   * Puts the filter tables back as saved (nat, mangle, raw are never touched), then rampart's ipsets with their
   * saved contents, and drops rampart ipsets created since. Every step is tried whatever failed before it, and
   * the rules come first: a set that cannot be refilled must never leave the new rules (and their DROP)
   * loaded. A family whose saved table is refused fails open (rampart's jumps and chains removed), so a
   * rollback never leaves the admin behind rules nobody confirmed. Throws one REFUSED error listing every
   * failure at the end.
   */
  async restore(snapshot: FirewallSnapshot): Promise<void> {
    const failures: string[] = [];
    const attempt = async (what: string, step: () => Promise<void>): Promise<void> => {
      try {
        await step();
      } catch (e) {
        failures.push(`${what}: ${messageOf(e)}`);
      }
    };
    const saved = savedSets(snapshot.parts["ipsets.save"] ?? "");
    // the saved tables' `-m set` rules name the saved sets: any missing now is created (empty) before them
    const existing = await this.setNames();
    const missing = [...saved.values()].filter((s) => !existing.has(s.name)).map((s) => s.create);
    if (missing.length) {
      await attempt("creating the saved ipsets", () =>
        this.exec(["ipset", "restore", "-exist"], `${missing.join("\n")}\n`, "ipset refused"),
      );
    }
    for (const f of [4, 6] as const) {
      const text = snapshot.parts[`filter.v${f}`];
      if (!text) continue;
      try {
        await this.exec([this.prog[f].restore], text, `${this.prog[f].restore} refused the saved IPv${f} filter table`);
      } catch (e) {
        const open = await this.removeChains(f).then(
          () => "failed open: rampart's jumps and chains are removed",
          (e2) => `could not fail open either (${messageOf(e2)})`,
        );
        failures.push(`IPv${f} filter table: ${messageOf(e)}; ${open}`);
      }
    }
    const tables = snapshot.parts["nft.tables"];
    if (typeof tables === "string") {
      for (const fam of ["ip", "ip6"] as const) {
        if (!tables.split("\n").includes(`table ${fam} filter`)) {
          await this.run(["nft", "delete", "table", fam, "filter"], { okCodes: "any", timeoutMs: 15_000 }).catch(() => {});
        }
      }
    }
    for (const set of saved.values()) await attempt(`ipset ${set.name}`, () => this.swapIn(set));
    const had = new Set((snapshot.parts.ipsets ?? "").split("\n").filter(Boolean));
    for (const name of await this.setNames()) {
      if (isNamedSet(name) && !had.has(name)) {
        await this.run(["ipset", "destroy", name], { okCodes: "any", timeoutMs: 15_000 }).catch(() => {});
      }
    }
    if (failures.length) {
      throw new RampartError(
        "REFUSED",
        `the saved iptables firewall was not fully restored:\n${failures.map((f) => `  - ${f}`).join("\n")}`,
        {
          hint: "The saved tables and sets are in the backup's kernel/ file (JSON: filter.v4, filter.v6, ipsets.save); load what failed by hand with iptables-restore / ipset restore.",
        },
      );
    }
  }

  /**
   * Fail open: rampart's jumps and RAMPART-* chains removed from both families (the ipsets stay: without rules
   * they filter nothing, and they keep the bans and blocklists). For a rollback whose snapshot is lost.
   */
  async failOpen(): Promise<void> {
    const failures: string[] = [];
    for (const f of [4, 6] as const) await this.removeChains(f).catch((e) => failures.push(`IPv${f}: ${messageOf(e)}`));
    if (failures.length) {
      throw new RampartError("EXEC", `could not remove rampart's iptables chains: ${failures.join("; ")}`, {
        hint: `Remove them by hand: iptables -D INPUT -j ${IPT_CHAIN.input} (and FORWARD, OUTPUT), then iptables -F / -X each ${IPT_CHAIN_PREFIX}* chain; the same with ip6tables.`,
      });
    }
  }

  /** One --noflush commit that deletes rampart's jumps and then its chains, as the filter table has them now. */
  private async removeChains(f: AddressFamily): Promise<void> {
    const now = await this.saveFilter(f);
    const lines = ["*filter"];
    for (const line of now.split("\n")) {
      const m = JUMP_LINE.exec(line);
      if (m) lines.push(`-D ${m[1]} ${m[2]}`);
    }
    for (const chain of Object.values(IPT_CHAIN)) {
      if (now.split("\n").some((l) => l.startsWith(`:${chain} `))) lines.push(`-F ${chain}`, `-X ${chain}`);
    }
    if (lines.length === 1) return;
    lines.push("COMMIT");
    await this.exec(
      [this.prog[f].restore, "--noflush"],
      `${lines.join("\n")}\n`,
      `${this.prog[f].restore} could not remove rampart's chains`,
    );
  }

  /**
   * One saved set back with its saved contents AND its saved size: it is rebuilt in a temporary set from its
   * saved `create` line and `ipset swap`ped with the live one (rules keep referencing the live name). Refilling
   * the live set in place fails when a blocklist refresh resized it smaller meanwhile ("Hash is full").
   */
  private async swapIn(set: SavedSet): Promise<void> {
    const tmp = `${set.name.slice(0, 27)}_rbk`;
    await this.run(["ipset", "destroy", tmp], { okCodes: "any", timeoutMs: 15_000 }); // a crashed rollback's leftover
    const text = [set.create, ...set.adds].map(
      (l) => `${l.slice(0, l.indexOf(" "))} ${tmp}${l.slice(l.indexOf(" ") + 1 + set.name.length)}`,
    );
    text.push(`swap ${tmp} ${set.name}`, `destroy ${tmp}`);
    try {
      await this.exec(["ipset", "restore"], `${text.join("\n")}\n`, "ipset refused the saved set");
    } catch (e) {
      await this.run(["ipset", "destroy", tmp], { okCodes: "any", timeoutMs: 15_000 }).catch(() => {});
      throw e;
    }
  }

  private async setNames(): Promise<Set<string>> {
    const r = await this.run(["ipset", "list", "-n"], { okCodes: "any", timeoutMs: 15_000 }).catch(() => undefined);
    return new Set(r?.code === 0 ? r.stdout.split("\n").filter(Boolean) : []);
  }

  private async saveFilter(f: AddressFamily): Promise<string> {
    const r = await this.run([this.prog[f].save, "-t", "filter"], { okCodes: "any", timeoutMs: 30_000 });
    if (r.code !== 0) {
      throw new RampartError("EXEC", `${this.prog[f].save} failed: ${r.stderr.trim()}`, {
        hint: "Run as root; check that the iptables tools work on this host.",
      });
    }
    // a namespace that never used iptables has no filter table: restoring means an empty one
    return r.stdout.trim() ? r.stdout : EMPTY_FILTER;
  }

  private async exec(argv: string[], input: string, what: string): Promise<void> {
    const r = await this.run(argv, { input, okCodes: "any", timeoutMs: 60_000 });
    if (r.code !== 0) {
      throw new RampartError("REFUSED", `${what}: ${r.stderr.trim().split("\n").slice(0, 6).join("\n")}`, {
        hint: "See `rampart firewall render --backend iptables` for the files.",
      });
    }
  }
}

export interface SavedSet {
  name: string;
  /** its `create` line as `ipset save` wrote it (type, family, hashsize, maxelem, timeout …) */
  create: string;
  /** its `add` lines, each with its saved (remaining) timeout */
  adds: string[];
}

/** The sets of `ipset save` text, by name (lines of sets without a `create` line are ignored). */
export function savedSets(saved: string): Map<string, SavedSet> {
  const sets = new Map<string, SavedSet>();
  for (const line of saved.split("\n")) {
    const m = /^(create|add) (\S+) /.exec(line);
    if (!m) continue;
    const name = m[2] as string;
    if (m[1] === "create") sets.set(name, { name, create: line, adds: [] });
    else sets.get(name)?.adds.push(line);
  }
  return sets;
}

/** A jump to one of rampart's chains in iptables-save output: `-A INPUT … -j RAMPART-INPUT`. */
const JUMP_LINE = new RegExp(`^-A (${Object.values(IPT_BUILTIN).join("|")}) (.*-j (?:${Object.values(IPT_CHAIN).join("|")}))\\s*$`);

/** Insert `-D` lines for rampart jumps the current table already has, just before the file's `-I` jumps. */
export function withJumpDeletes(file: string, saved: string): string {
  const deletes: string[] = [];
  for (const line of saved.split("\n")) {
    const m = JUMP_LINE.exec(line);
    if (m) deletes.push(`-D ${m[1]} ${m[2]}`);
  }
  if (!deletes.length) return file;
  const at = file.indexOf("\n-I ");
  if (at < 0) return file;
  return `${file.slice(0, at + 1)}${deletes.join("\n")}\n${file.slice(at + 1)}`;
}

// ---- rendering

export function renderIpsets(model: RuleModel): string {
  const L = ["# rampart ipsets: load with `ipset restore -exist` before the iptables files; sets keep their elements."];
  for (const s of model.sets) {
    const family = s.family === 4 ? "inet" : "inet6";
    if (s.kind !== "block") {
      // hash:net with per-element timeouts for every ban set (an ipset add is cheap at any size; one type
      // keeps a set loaded by an older rampart, which held prefixes in rampart_ban_v4/v6 too, working as it
      // is); the /64 set holds the /64 prefixes themselves, so its rule needs no mask
      L.push(`create ${s.name} hash:net family ${family} hashsize 1024 maxelem 1048576 timeout 0`);
    } else {
      L.push(`create ${s.name} hash:net family ${family} hashsize 4096 maxelem 4194304`);
    }
  }
  return `${L.join("\n")}\n`;
}

export function renderIptables(model: RuleModel, family: AddressFamily): string {
  const tool = family === 4 ? "iptables-restore" : "ip6tables-restore";
  const L = [
    `# rampart firewall, IPv${family}: generated from the policy by \`rampart firewall render\`; do not edit.`,
    `# Load with \`${tool} --noflush\` after the ipsets exist; only the ${IPT_CHAIN_PREFIX}* chains and their jumps change.`,
    "*filter",
  ];
  const chains = [model.chains.input, model.chains.forward, model.chains.output];
  for (const c of chains) L.push(`:${IPT_CHAIN[c.name]} - [0:0]`);
  for (const c of chains) L.push(...chainRules(c, family));
  for (const c of chains) L.push(`-I ${IPT_BUILTIN[c.name]} 1 -m comment --comment "${IPT_JUMP_COMMENT}" -j ${IPT_CHAIN[c.name]}`);
  L.push("COMMIT");
  return `${L.join("\n")}\n`;
}

function chainRules(c: Chain, family: AddressFamily): string[] {
  const out: string[] = [];
  for (const r of c.rules) {
    if (r.match.family && r.match.family !== family) continue;
    const lines = ruleLines(r, family).map((l) => `-A ${IPT_CHAIN[c.name]} ${l}`);
    out.push(...lines);
    if (isUnconditional(r)) return out; // nothing after an unconditional verdict can match
  }
  if (c.policy === "drop") out.push(`-A ${IPT_CHAIN[c.name]} -m comment --comment "default policy: drop" -j DROP`);
  return out;
}

function isUnconditional(r: Rule): boolean {
  const { family: _f, ...rest } = r.match;
  return Object.keys(rest).length === 0 && !r.limit && !r.overSourceRate;
}

/** One rule of the model becomes one or more lines (iptables takes one source and one ICMP type per rule). */
export function ruleLines(r: Rule, family: AddressFamily): string[] {
  const m = r.match;
  const sources = m.saddr ?? [undefined];
  const dests = m.daddr ?? [undefined];
  const icmpTypes: (string | undefined)[] = family === 4 ? (m.icmp ?? [undefined]) : (m.icmp6?.map((t) => ICMP6_NAME[t]) ?? [undefined]);
  const portChunks = m.dports ? chunkPorts(m.dports) : [undefined];
  const out: string[] = [];
  for (const s of sources) {
    for (const d of dests) {
      for (const t of icmpTypes) {
        for (const dp of portChunks) {
          const p: string[] = [];
          if (s) p.push(`-s ${hostCidr(s, family)}`);
          if (d) p.push(`-d ${hostCidr(d, family)}`);
          if (m.iif) p.push(`-i ${m.iif}`);
          if (m.notIif) p.push(`! -i ${m.notIif}`);
          if (m.oif) p.push(`-o ${m.oif}`);
          if (t !== undefined) {
            p.push(family === 4 ? `-p icmp -m icmp --icmp-type ${t}` : `-p ipv6-icmp -m icmp6 --icmpv6-type ${t}`);
          } else if (m.proto) {
            p.push(`-p ${m.proto}`);
            const single = [m.sports?.length === 1 ? m.sports : undefined, dp?.length === 1 ? dp : undefined];
            if (single[0] || single[1]) p.push(`-m ${m.proto}`);
            if (m.sports) p.push(portOption("s", m.sports));
            if (dp) p.push(portOption("d", dp));
          } else if (typeof r.verdict === "object" && r.verdict.reject === "tcp-reset") {
            p.push("-p tcp");
          }
          if (m.hopLimit !== undefined) p.push(`-m hl --hl-eq ${m.hopLimit}`);
          if (m.saddrSet) p.push(`-m set --match-set ${m.saddrSet} src`);
          if (m.ct) p.push(`-m conntrack --ctstate ${m.ct.map((x) => x.toUpperCase()).join(",")}`);
          if (r.limit) p.push(`-m limit --limit ${r.limit.count}/${r.limit.per} --limit-burst ${r.limit.burst}`);
          if (r.overSourceRate) {
            const o = r.overSourceRate;
            const expireMs = Math.max(60, RATE_SECONDS[o.per]) * 1000;
            p.push(
              `-m hashlimit --hashlimit-above ${o.count}/${o.per} --hashlimit-burst ${o.burst} --hashlimit-mode srcip` +
                ` --hashlimit-name ${hashlimitName(o.name)} --hashlimit-htable-expire ${expireMs}`,
            );
          }
          p.push(`-m comment --comment "${safeComment(r.comment)}"`);
          p.push(verdictText(r.verdict, family));
          out.push(p.join(" "));
        }
      }
    }
  }
  return out;
}

/** hashlimit names are per network namespace and family; keep them short and rampart's. */
function hashlimitName(name: string): string {
  return `rampart_${name.replace(/^rl_/, "")}`.slice(0, 31);
}

/** iptables-save writes single addresses with /32 or /128; so do we, so that saved and rendered rules match. */
function hostCidr(text: string, family: AddressFamily): string {
  return text.includes("/") ? text : `${text}/${family === 4 ? 32 : 128}`;
}

function portOption(dir: "s" | "d", ranges: readonly PortRange[]): string {
  const spell = (r: PortRange) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`);
  if (ranges.length === 1 && ranges[0]) return `--${dir}port ${spell(ranges[0])}`;
  return `-m multiport --${dir}ports ${ranges.map(spell).join(",")}`;
}

/** multiport takes at most 15 ports per rule, a range counting as two. */
function chunkPorts(ranges: readonly PortRange[]): PortRange[][] {
  const chunks: PortRange[][] = [];
  let cur: PortRange[] = [];
  let slots = 0;
  for (const r of ranges) {
    const cost = r.from === r.to ? 1 : 2;
    if (slots + cost > 15) {
      chunks.push(cur);
      cur = [];
      slots = 0;
    }
    cur.push(r);
    slots += cost;
  }
  if (cur.length) chunks.push(cur);
  return chunks;
}

function verdictText(v: Rule["verdict"], family: AddressFamily): string {
  if (v === "accept") return "-j ACCEPT";
  if (v === "drop") return "-j DROP";
  switch (v.reject) {
    case "tcp-reset":
      return "-j REJECT --reject-with tcp-reset";
    case "port-unreachable":
      return `-j REJECT --reject-with ${family === 4 ? "icmp-port-unreachable" : "icmp6-port-unreachable"}`;
    case "admin-prohibited":
      return `-j REJECT --reject-with ${family === 4 ? "icmp-admin-prohibited" : "icmp6-adm-prohibited"}`;
  }
}

const ICMP6_NAME: Record<Icmp6Type, string> = {
  "echo-request": "echo-request",
  "echo-reply": "echo-reply",
  "destination-unreachable": "destination-unreachable",
  "packet-too-big": "packet-too-big",
  "time-exceeded": "time-exceeded",
  "parameter-problem": "parameter-problem",
  "nd-router-solicit": "router-solicitation",
  "nd-router-advert": "router-advertisement",
  "nd-neighbor-solicit": "neighbour-solicitation",
  "nd-neighbor-advert": "neighbour-advertisement",
  "mld-listener-query": "130",
  "mld-listener-report": "131",
  "mld2-listener-report": "143",
};
