// Resolve a filter spec the way `guard test` and the policy's `filter:` accept it: a built-in filter
// (`sshd`, `sshd[mode=aggressive]`) first; otherwise a fail2ban filter — `fail2ban:NAME[params]` or a bare
// NAME found in DIR/filter.d (default /etc/fail2ban), or a path to a filter .conf/.local file.
import { RampartError } from "../../core/errors.js";
import { createFilter, filterNames, parseFilterSpec } from "../filters/registry.js";
import type { Filter } from "../filters/types.js";
import { type Fail2banFilter, filterProblems, loadFail2banFilter } from "./filter.js";
import { FilterNotFound } from "./filter-config.js";
import type { ConfFs } from "./ini.js";

export interface ResolveOptions {
  fs: ConfFs;
  /** fail2ban configuration directory (default /etc/fail2ban) */
  dir?: string;
  /** called once per translation problem of an imported filter */
  onProblem?: (message: string) => void;
}

export async function resolveFilter(spec: string, opts: ResolveOptions): Promise<Filter> {
  const explicit = spec.startsWith("fail2ban:");
  const body = explicit ? spec.slice("fail2ban:".length) : spec;
  const s = parseFilterSpec(body);
  if (!explicit && filterNames().includes(s.name)) return createFilter(s);
  const dir = opts.dir ?? "/etc/fail2ban";
  let filter: Fail2banFilter;
  try {
    filter = await loadFail2banFilter(opts.fs, dir, s.name, { params: s.params });
  } catch (e) {
    if (e instanceof FilterNotFound) {
      throw new RampartError("USAGE", `unknown filter "${s.name}": ${e.message}`, {
        hint: `Built-in filters: ${filterNames().join(", ")}; or a fail2ban filter name from ${dir}/filter.d (e.g. fail2ban:nginx-http-auth), or a path to a filter .conf file.`,
      });
    }
    throw e;
  }
  for (const p of filterProblems(filter)) opts.onProblem?.(`${filter.name}: ${p}`);
  if (filter.compiled.fail.every((r) => r === undefined)) {
    throw new RampartError("INPUT", `fail2ban filter "${s.name}" has no failregex rampart can run`, {
      hint: "Run `rampart guard import-fail2ban` to see why each regex was not translated.",
    });
  }
  return filter;
}
