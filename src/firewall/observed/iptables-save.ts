// Parse `iptables-save` / `ip6tables-save` text (legacy or nf_tables variant) into the neutral model.
// The format is line based: `*table`, `:CHAIN POLICY [pkts:bytes]`, `-A CHAIN options… -j TARGET`, `COMMIT`.
// Options the evaluator does not know become `unknown` matches; comments and counters are ignored.
import type { ObservedChain, Family, ObservedMatch, Origin, ObservedRule, ObservedRuleset, ObservedVerdict } from "./model.js";

const HOOKS: Record<string, string> = {
  INPUT: "input",
  FORWARD: "forward",
  OUTPUT: "output",
  PREROUTING: "prerouting",
  POSTROUTING: "postrouting",
};
/** options that take one argument and do not restrict which packets match (for our purposes) */
const NEUTRAL_WITH_ARG = new Set(["--comment", "--limit", "--limit-burst", "-m", "--match"]);
const TERMINAL = new Set(["ACCEPT", "DROP", "REJECT", "RETURN"]);

export function parseIptablesSave(text: string, v: 4 | 6, origin: Origin): ObservedRuleset {
  const family: Family = v === 4 ? "ip" : "ip6";
  const out: ObservedRuleset = { chains: [], sets: [], tables: [] };
  let table: string | undefined;
  const chains = new Map<string, ObservedChain>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      table = line.slice(1);
      out.tables.push({ family, name: table, origin });
      chains.clear();
      continue;
    }
    if (line === "COMMIT" || !table) continue;
    if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (!name) continue;
      const chain: ObservedChain = { origin, family, table, name, rules: [] };
      const hook = HOOKS[name];
      if (hook && policy !== "-") {
        chain.hook = hook;
        chain.type = table === "nat" ? "nat" : "filter";
        if (policy === "ACCEPT") chain.policy = "accept";
        else if (policy === "DROP") chain.policy = "drop";
      }
      chains.set(name, chain);
      out.chains.push(chain);
      continue;
    }
    if (line.startsWith("-A ")) {
      const tokens = tokenize(line);
      const chain = chains.get(tokens[1] ?? "");
      if (chain) chain.rules.push(parseRuleTokens(tokens.slice(2), line));
    }
  }
  return out;
}

/** Split on blanks, keeping "double quoted" words (iptables-save quotes comments) together. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inQuote = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (inQuote) {
      if (ch === "\\" && i + 1 < line.length) {
        cur += line[++i];
      } else if (ch === '"') inQuote = false;
      else cur += ch;
    } else if (ch === '"') {
      inQuote = true;
      has = true;
    } else if (ch === " " || ch === "\t") {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

function parseRuleTokens(t: string[], line: string): ObservedRule {
  const matches: ObservedMatch[] = [];
  let verdict: ObservedVerdict = { kind: "continue" };
  let proto: string | undefined;
  for (let i = 0; i < t.length; i++) {
    let tok = t[i] as string;
    let negate = false;
    if (tok === "!") {
      negate = true;
      tok = t[++i] ?? "";
    }
    const arg = () => t[++i] ?? "";
    switch (tok) {
      case "-p":
      case "--protocol": {
        proto = arg().toLowerCase();
        matches.push({ kind: "proto", protos: [proto], negate });
        break;
      }
      case "--dport":
      case "--destination-port":
      case "--dports":
      case "--destination-ports": {
        const ranges = parsePorts(arg());
        const m: ObservedMatch = ranges ? { kind: "dport", ranges, negate } : { kind: "unknown", text: `${tok} ${t[i] ?? ""}` };
        if (m.kind === "dport" && proto) m.proto = proto;
        matches.push(m);
        break;
      }
      case "-i":
      case "--in-interface":
        matches.push({ kind: "iif", names: [arg()], negate });
        break;
      case "-s":
      case "--source":
      case "--src":
        matches.push({ kind: "saddr", negate, text: `${negate ? "! " : ""}-s ${arg()}` });
        break;
      case "--ctstate":
      case "--state":
        matches.push({ kind: "ctstate", states: arg().toLowerCase().split(","), negate });
        break;
      case "-j":
      case "--jump": {
        const target = arg();
        verdict = TERMINAL.has(target)
          ? { kind: target.toLowerCase() as "accept" | "drop" | "reject" | "return" }
          : target === "LOG" || target === "NFLOG" || target === "MARK" || target === "CONNMARK"
            ? { kind: "continue" }
            : /^[A-Z]+$/.test(target) && NAT_TARGETS.has(target)
              ? { kind: "other", name: target }
              : { kind: "jump", target };
        i = t.length; // the rest are the target's own options
        break;
      }
      case "-g":
      case "--goto":
        verdict = { kind: "goto", target: arg() };
        break;
      default:
        if (NEUTRAL_WITH_ARG.has(tok)) {
          i++;
        } else if (tok.startsWith("-")) {
          // an option we do not model (-d, -o, --icmp-type, --match-set, --tcp-flags …): keep it as unknown,
          // with its argument when the next token is not an option
          const next = t[i + 1];
          const text = next !== undefined && !next.startsWith("-") && next !== "!" ? `${tok} ${t[++i]}` : tok;
          matches.push({ kind: "unknown", text: negate ? `! ${text}` : text });
        }
    }
  }
  return { matches, verdict, text: line.replace(/^-A \S+ /, "") };
}

const NAT_TARGETS = new Set(["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "TPROXY", "CT", "NOTRACK", "TCPMSS", "CHECKSUM", "TOS", "DSCP"]);

/** "22" | "1000:2000" | "22,80,443:445" → ranges */
function parsePorts(s: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const part of s.split(",")) {
    const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(part);
    if (!m) return undefined;
    const lo = Number(m[1]);
    out.push([lo, m[2] !== undefined ? Number(m[2]) : lo]);
  }
  return out;
}
