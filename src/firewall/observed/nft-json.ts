// Parse the output of `nft -j [-t] list ruleset` (libnftables JSON, schema version 1) into the neutral
// model. Expressions the evaluator does not understand become `unknown` matches (never silently dropped),
// so a rule that hides a condition can never make a port look closed or open by mistake.
import type { ObservedChain, Family, ObservedMatch, ObservedSet, Origin, ObservedRule, ObservedRuleset, ObservedVerdict } from "./model.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: Json | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const FAMILIES = new Set(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);

export class NftJsonError extends Error {}

/**
 * @param text the JSON printed by nft
 * @param originOf which tool owns a table (iptables-nft tables are named by the caller); default nftables
 */
export function parseNftJson(text: string, originOf: (family: Family, table: string) => Origin = () => "nftables"): ObservedRuleset {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (e) {
    throw new NftJsonError(`not JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new NftJsonError('no top-level "nftables" array');
  const out: ObservedRuleset = { chains: [], sets: [], tables: [] };
  const chains = new Map<string, ObservedChain>();
  const key = (f: string, t: string, c: string) => `${f}\0${t}\0${c}`;
  for (const item of doc.nftables) {
    if (!isObj(item)) continue;
    if (isObj(item.table)) {
      const t = item.table;
      const family = asFamily(t.family);
      if (family && typeof t.name === "string") out.tables.push({ family, name: t.name, origin: originOf(family, t.name) });
    } else if (isObj(item.chain)) {
      const c = item.chain;
      const family = asFamily(c.family);
      if (!family || typeof c.table !== "string" || typeof c.name !== "string") continue;
      const chain: ObservedChain = { origin: originOf(family, c.table), family, table: c.table, name: c.name, rules: [] };
      if (typeof c.hook === "string") chain.hook = c.hook;
      if (typeof c.type === "string") chain.type = c.type;
      if (typeof c.prio === "number") chain.priority = c.prio;
      if (c.policy === "accept" || c.policy === "drop") chain.policy = c.policy;
      chains.set(key(family, c.table, c.name), chain);
      out.chains.push(chain);
    } else if (isObj(item.rule)) {
      const r = item.rule;
      const chain = chains.get(key(String(r.family), String(r.table), String(r.chain)));
      if (!chain || !Array.isArray(r.expr)) continue;
      chain.rules.push(parseRule(r.expr));
    } else if (isObj(item.set)) {
      const s = item.set;
      const family = asFamily(s.family);
      if (!family || typeof s.name !== "string" || typeof s.table !== "string") continue;
      const set: ObservedSet = { family, table: s.table, name: s.name, type: typeof s.type === "string" ? s.type : JSON.stringify(s.type) };
      if (Array.isArray(s.elem)) set.elements = s.elem.length;
      out.sets.push(set);
    }
  }
  return out;
}

/** Element count of one set from `nft -j list set FAMILY TABLE NAME` (0 when it has no "elem"). */
export function countSetElements(text: string): number {
  const doc = JSON.parse(text) as Json;
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new NftJsonError('no top-level "nftables" array');
  for (const item of doc.nftables) {
    if (isObj(item) && isObj(item.set)) return Array.isArray(item.set.elem) ? item.set.elem.length : 0;
  }
  throw new NftJsonError("no set in the output");
}

function asFamily(v: Json | undefined): Family | undefined {
  return typeof v === "string" && FAMILIES.has(v) ? (v as Family) : undefined;
}

const IGNORED = new Set(["counter", "log", "limit", "comment", "notrack", "mangle", "quota", "meter", "set", "flow"]);

function parseRule(exprs: Json[]): ObservedRule {
  const matches: ObservedMatch[] = [];
  let verdict: ObservedVerdict = { kind: "continue" };
  const words: string[] = [];
  for (const e of exprs) {
    if (!isObj(e)) continue;
    const [name] = Object.keys(e);
    if (!name) continue;
    const body = e[name];
    if (name === "match" && isObj(body)) {
      const m = parseMatch(body);
      matches.push(m);
      words.push(matchText(body));
    } else if (name === "accept" || name === "drop" || name === "return") {
      verdict = { kind: name };
      words.push(name);
    } else if (name === "reject") {
      verdict = { kind: "reject" };
      words.push("reject");
    } else if ((name === "jump" || name === "goto") && isObj(body) && typeof body.target === "string") {
      verdict = { kind: name, target: body.target };
      words.push(`${name} ${body.target}`);
    } else if (name === "vmap" && isObj(body)) {
      const v = parseCtVmap(body);
      if (v) verdict = v;
      else matches.push({ kind: "unknown", text: "vmap" });
      words.push("vmap {…}");
    } else if (name === "xt" && isObj(body)) {
      // iptables-nft compat expression: a match we cannot see into, or a target (DNAT, MASQUERADE …)
      if (body.type === "target") {
        verdict = { kind: "other", name: String(body.name) };
        words.push(`xt target ${String(body.name)}`);
      } else {
        matches.push({ kind: "unknown", text: `xt match ${String(body.name)}` });
        words.push(`xt match ${String(body.name)}`);
      }
    } else if (IGNORED.has(name)) {
      if (name === "limit") words.push("limit");
    } else if (name === "dnat" || name === "snat" || name === "masquerade" || name === "redirect") {
      verdict = { kind: "other", name };
      words.push(name);
    } else {
      // statements with side effects only (meta mark set, ct mark set …) keep evaluation going
      words.push(name);
    }
  }
  return { matches, verdict, text: words.join(" ") };
}

function parseMatch(m: Obj): ObservedMatch {
  const op = typeof m.op === "string" ? m.op : "==";
  const negate = op === "!=";
  const left = m.left;
  const right = m.right;
  const unknown: ObservedMatch = { kind: "unknown", text: matchText(m) };
  if (!isObj(left)) return unknown;
  if (op !== "==" && op !== "!=" && op !== "in") return unknown;
  if (isObj(left.payload)) {
    const { protocol, field } = left.payload;
    if ((field === "dport" && (protocol === "tcp" || protocol === "udp" || protocol === "th" || protocol === "sctp")) || false) {
      const ranges = portRanges(right);
      if (!ranges) return unknown;
      const dm: ObservedMatch = { kind: "dport", ranges, negate };
      if (protocol !== "th") dm.proto = protocol;
      return dm;
    }
    if (field === "saddr" && (protocol === "ip" || protocol === "ip6")) return { kind: "saddr", negate, text: matchText(m) };
    if ((protocol === "ip" && field === "protocol") || (protocol === "ip6" && field === "nexthdr")) {
      const protos = stringsOf(right);
      return protos ? { kind: "proto", protos, negate } : unknown;
    }
    return unknown;
  }
  if (isObj(left.meta)) {
    const k = left.meta.key;
    if (k === "l4proto") {
      const protos = stringsOf(right);
      return protos ? { kind: "proto", protos, negate } : unknown;
    }
    if (k === "iifname" || k === "iif") {
      const names = stringsOf(right);
      return names ? { kind: "iif", names, negate } : unknown;
    }
    if (k === "nfproto" && !negate) {
      if (right === "ipv4") return { kind: "nfproto", family: 4 };
      if (right === "ipv6") return { kind: "nfproto", family: 6 };
    }
    return unknown;
  }
  if (isObj(left.ct) && left.ct.key === "state") {
    const states = stringsOf(right);
    return states ? { kind: "ctstate", states, negate } : unknown;
  }
  return unknown;
}

function parseCtVmap(v: Obj): ObservedVerdict | undefined {
  if (!isObj(v.key) || !isObj(v.key.ct) || v.key.ct.key !== "state" || !isObj(v.data) || !Array.isArray(v.data.set)) return undefined;
  const map: Record<string, "accept" | "drop" | "reject" | "continue"> = {};
  for (const pair of v.data.set) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [state, verdict] = pair;
    if (typeof state !== "string" || !isObj(verdict)) return undefined;
    const [name] = Object.keys(verdict);
    if (name === "accept" || name === "drop" || name === "reject" || name === "continue") map[state] = name;
    else return undefined;
  }
  return { kind: "ctvmap", map };
}

/** 22 | {"set":[80,443,{"range":[1000,2000]}]} | {"range":[a,b]} | "ssh" → port ranges; undefined if not literal */
function portRanges(v: Json | undefined): Array<[number, number]> | undefined {
  const one = (x: Json): Array<[number, number]> | undefined => {
    if (typeof x === "number") return [[x, x]];
    if (typeof x === "string" && /^\d+$/.test(x)) return [[Number(x), Number(x)]];
    if (typeof x === "string" && SERVICE_PORTS[x] !== undefined) return [[SERVICE_PORTS[x], SERVICE_PORTS[x]]];
    if (isObj(x) && Array.isArray(x.range) && typeof x.range[0] === "number" && typeof x.range[1] === "number")
      return [[x.range[0], x.range[1]]];
    return undefined;
  };
  if (isObj(v) && Array.isArray(v.set)) {
    const all: Array<[number, number]> = [];
    for (const x of v.set) {
      const r = one(x);
      if (!r) return undefined;
      all.push(...r);
    }
    return all;
  }
  return v === undefined ? undefined : one(v);
}

/** A few service names nft may print instead of numbers (with -S or old versions). */
const SERVICE_PORTS: Record<string, number> = { ssh: 22, http: 80, https: 443, domain: 53, smtp: 25, ntp: 123 };

function stringsOf(v: Json | undefined): string[] | undefined {
  if (typeof v === "string") return v.startsWith("@") ? undefined : [v];
  if (Array.isArray(v)) return v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
  if (isObj(v) && Array.isArray(v.set)) return v.set.every((x) => typeof x === "string") ? (v.set as string[]) : undefined;
  return undefined;
}

function matchText(m: Obj): string {
  const side = (x: Json | undefined): string => {
    if (x === undefined || x === null) return "";
    if (typeof x !== "object") return String(x);
    if (Array.isArray(x)) return x.map(side).join(",");
    const [k] = Object.keys(x);
    if (!k) return "";
    const b = x[k];
    if (k === "payload" && isObj(b)) return `${String(b.protocol)} ${String(b.field)}`;
    if ((k === "meta" || k === "ct") && isObj(b)) return `${k === "ct" ? "ct " : ""}${String(b.key)}`;
    if (k === "set" && Array.isArray(b)) return `{ ${b.map(side).join(", ")} }`;
    if (k === "range" && Array.isArray(b)) return b.map(side).join("-");
    if (k === "prefix" && isObj(b)) return `${String(b.addr)}/${String(b.len)}`;
    return k;
  };
  const op = m.op === "==" || m.op === "in" ? "" : ` ${String(m.op)}`;
  return `${side(m.left)}${op} ${side(m.right)}`;
}
