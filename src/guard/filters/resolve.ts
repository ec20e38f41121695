// The one resolver of filter names: every path that turns a name into a Filter comes here — `guard test`,
// the policy's jails (`filter:`, `sshd[mode=…]`), fail2ban jails run in place (`guard.fail2ban: DIR`) and
// `guard import-fail2ban` (which writes the names the daemon resolves here later). A built-in filter wins
// over a fail2ban filter of the same name, so an sshd jail runs rampart's built-in sshd filter however it was
// configured. `fail2ban:NAME[params]`, a name known only to DIR/filter.d (default /etc/fail2ban), or a path
// to a filter .conf/.local file runs fail2ban's filter through rampart's translation of its regexes, which
// is loaded on use (about 25 ms of start-up that `guard test sshd` on a large log would otherwise pay).
import { RampartError } from "../../core/errors.js";
import type { ConfFs } from "../fail2ban/ini.js";
import { builtinFactory, createFilter, type FilterSpec, filterNames, parseFilterSpec } from "./registry.js";
import type { Filter, FilterParams } from "./types.js";

export interface ResolveOptions {
  fs: ConfFs;
  /** fail2ban configuration directory (default /etc/fail2ban) */
  dir?: string;
  /** called once per problem: a translation problem of a fail2ban filter, a parameter left out */
  onProblem?: (message: string) => void;
  /**
   * The name comes from a fail2ban jail (in place or imported): parameters a built-in filter does not take
   * (fail2ban's publickey=, logtype=, …) and values it does not know are left out and reported through
   * onProblem, instead of refused as in a policy.
   */
  fromFail2banJail?: boolean;
  /** the jail's own options (failregex, journalmatch, …): applied to a fail2ban filter, reported for a built-in */
  jailOptions?: Record<string, string>;
  /** the jail's fail2ban backend (systemd → logtype=journal for a fail2ban filter) */
  backend?: string;
}

/** true when `name` is a built-in filter (the name a fail2ban jail's `filter = NAME[…]` resolves to first) */
export function isBuiltinFilter(name: string): boolean {
  return builtinFactory(name) !== undefined;
}

/**
 * A fail2ban jail's parameters mapped onto a built-in filter: the ones it takes, and a sentence for each one
 * left out. Unknown values fall back to the filter's default (the first value it lists).
 */
export function builtinParams(name: string, params: FilterParams): { params: FilterParams; leftOut: string[] } {
  const known = builtinFactory(name)?.params ?? {};
  const out: FilterParams = {};
  const leftOut: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const values = known[k];
    if (!values) leftOut.push(`parameter ${k}=${v}: not used by rampart's built-in ${name} filter`);
    else if (!values.includes(v)) leftOut.push(`${k}=${v}: rampart's ${name} filter has ${k} ${values.join(", ")}; using ${values[0]}`);
    else out[k] = v;
  }
  return { params: out, leftOut };
}

/** Options of a fail2ban jail that change a filter's regexes: a built-in filter does not run regexes. */
const REGEX_OPTIONS = ["failregex", "ignoreregex", "prefregex", "datepattern", "maxlines"];

export async function resolveFilter(spec: string | FilterSpec, opts: ResolveOptions): Promise<Filter> {
  const explicit = typeof spec === "string" && spec.startsWith("fail2ban:");
  const s = typeof spec === "string" ? parseFilterSpec(explicit ? spec.slice("fail2ban:".length) : spec) : spec;
  if (!explicit && isBuiltinFilter(s.name)) {
    if (!opts.fromFail2banJail) return createFilter(s);
    const { params, leftOut } = builtinParams(s.name, s.params);
    for (const m of leftOut) opts.onProblem?.(m);
    for (const o of REGEX_OPTIONS) {
      if (opts.jailOptions?.[o] !== undefined)
        opts.onProblem?.(`jail option ${o}: not used — rampart's built-in ${s.name} filter runs instead of regexes`);
    }
    return createFilter({ name: s.name, params });
  }
  const { loadFail2banFilter, filterProblems } = await import("../fail2ban/filter.js");
  const { FilterNotFound } = await import("../fail2ban/filter-config.js");
  const dir = opts.dir ?? "/etc/fail2ban";
  let filter: Awaited<ReturnType<typeof loadFail2banFilter>>;
  try {
    filter = await loadFail2banFilter(opts.fs, dir, s.name, {
      params: s.params,
      ...(opts.jailOptions ? { jailOptions: opts.jailOptions } : {}),
      ...(opts.backend ? { backend: opts.backend } : {}),
    });
  } catch (e) {
    if (e instanceof FilterNotFound) {
      throw new RampartError("USAGE", `unknown filter "${s.name}": ${e.message}`, {
        hint: `Built-in filters: ${filterNames().join(", ")}; or a fail2ban filter name from ${dir}/filter.d (e.g. fail2ban:nginx-http-auth), or a path to a filter .conf file.`,
      });
    }
    throw e;
  }
  for (const p of filterProblems(filter)) opts.onProblem?.(opts.fromFail2banJail ? p : `${filter.name}: ${p}`);
  if (filter.compiled.fail.every((r) => r === undefined)) {
    throw new RampartError("INPUT", `fail2ban filter "${s.name}" has no failregex rampart can run`, {
      hint: "Run `rampart guard import-fail2ban` to see why each regex was not translated.",
    });
  }
  return filter;
}
