// Which Match blocks apply to a connection, evaluated like servconf.c match_cfg_line (criteria ANDed,
// pattern lists with `!`). Used when `sshd -T -C` cannot run, and to name the Match line that set a value
// sshd -T reports. A criterion rampart cannot evaluate (unknown keyword, missing data) gives "unknown".
import { ACCUMULATING, keyOf } from "./keywords.js";
import type { Directive, MatchBlock, SshdConfig } from "./load.js";
import { matchAddressList, matchPatternList } from "./patterns.js";

export interface Connection {
  user: string;
  host: string;
  addr: string;
  laddr?: string;
  lport?: number;
  /** the user's groups (primary and supplementary); undefined = unknown */
  groups?: string[];
  /** the user does not exist on the host */
  invalidUser?: boolean;
}

export type Tri = true | false | "unknown";

export function matchApplies(m: MatchBlock, c: Connection): Tri {
  const parent = m.parent ? matchApplies(m.parent, c) : true;
  if (parent === false) return false;
  const own = evalCriteria(m.criteria, c);
  if (own === false) return false;
  return parent === "unknown" || own === "unknown" ? "unknown" : true;
}

function evalCriteria(criteria: string[], c: Connection): Tri {
  let result: Tri = true;
  for (let i = 0; i < criteria.length; i++) {
    const attr = (criteria[i] ?? "").toLowerCase();
    if (attr.startsWith("#")) break;
    if (attr === "all") return true;
    if (attr === "invalid-user") {
      if (!c.invalidUser) return false;
      continue;
    }
    const arg = criteria[++i];
    if (arg === undefined) return "unknown";
    let r: Tri;
    switch (attr) {
      case "user":
        r = matchPatternList(c.user, arg) === 1;
        break;
      case "group":
        r =
          c.groups === undefined
            ? "unknown"
            : c.groups.some((g) => matchPatternList(g, arg) === 1) && !c.groups.some((g) => matchPatternList(g, arg) === -1);
        break;
      case "host":
        r = matchPatternList(c.host.toLowerCase(), arg, true) === 1;
        break;
      case "address":
        r = matchAddressList(c.addr, arg) === 1;
        break;
      case "localaddress":
        r = c.laddr === undefined ? "unknown" : matchAddressList(c.laddr, arg) === 1;
        break;
      case "localport":
        r = c.lport === undefined ? "unknown" : arg.split(",").includes(String(c.lport));
        break;
      default:
        r = "unknown";
    }
    if (r === false) return false;
    if (r === "unknown") result = "unknown";
  }
  return result;
}

export interface Resolved {
  key: string;
  args: string[] | undefined;
  /** the line that set it (undefined: nothing sets it, the default applies) */
  source: Directive | undefined;
  /** every line that contributed (accumulating keys) */
  lines: Directive[];
  /** a Match block that may apply but could not be evaluated sets this key too */
  uncertain: Directive[];
}

/**
 * The value of `key` for one connection, as sshd would compute it: the first line in a Match block that
 * applies (Match values replace global ones), else the global value (first line; all lines for
 * accumulating keys).
 */
export function resolveFor(cfg: SshdConfig, keyword: string, c: Connection): Resolved {
  const key = keyOf(keyword);
  const lines = cfg.directives.filter((d) => d.key === key);
  const applying: Directive[] = [];
  const uncertain: Directive[] = [];
  for (const d of lines) {
    if (!d.match) continue;
    const a = matchApplies(d.match, c);
    if (a === true) applying.push(d);
    else if (a === "unknown") uncertain.push(d);
  }
  const pick = (ds: Directive[]): Resolved => {
    const first = ds[0];
    if (!first) return { key, args: undefined, source: undefined, lines: [], uncertain };
    if (ACCUMULATING.has(key)) return { key, args: ds.flatMap((d) => d.args), source: first, lines: ds, uncertain };
    return { key, args: first.args, source: first, lines: [first], uncertain };
  };
  if (applying.length > 0) return pick(applying);
  return pick(lines.filter((d) => !d.match));
}
