// Read one fail2ban filter (filter.d/NAME.conf with its .local, includes, [Init] and parameters such as
// `sshd[mode=aggressive]`) into its effective options, exactly as fail2ban's FilterReader does: configparser
// interpolation with the jail's and the parameters' values taking precedence, then the recursive `<tag>`
// substitution (helpers.substituteRecursiveTags) that expands `<mode>`, `<lt_<logtype>/__prefix_line>`, ….
import { type ConfFs, configFiles, InterpolationError, type IniSet, readConfig } from "./ini.js";

export interface FilterDefinition {
  /** filter name (file name without .conf) */
  name: string;
  /** files read, in order */
  files: string[];
  /** the parameters it was read with (mode=aggressive, …) */
  params: Record<string, string>;
  prefregex: string | undefined;
  failregex: string[];
  ignoreregex: string[];
  maxlines: number;
  datepattern: string | undefined;
  journalmatch: string[];
  usedns: string | undefined;
  /** every option after substitution (for reports) */
  options: Record<string, string>;
  problems: string[];
}

const FILTER_OPTS = ["usedns", "prefregex", "ignoreregex", "failregex", "maxlines", "datepattern", "journalmatch"] as const;

const TAG_RE = /<([^ <>]+)>/g;

/** fail2ban's substituteRecursiveTags */
export function substituteTags(
  input: Record<string, string>,
  ignore: Set<string>,
  addrepl: (tag: string) => string | undefined,
): Record<string, string> {
  const tags: Record<string, string> = { ...input };
  const done = new Set<string>();
  const repCounts = new Map<string, Map<string, number>>();
  for (;;) {
    let again = false;
    for (const tag of Object.keys(tags)) {
      if (ignore.has(tag) || done.has(tag)) continue;
      const orig = tags[tag] as string;
      let value = orig;
      const rplc = repCounts.get(tag) ?? new Map<string, number>();
      TAG_RE.lastIndex = 0;
      let m = TAG_RE.exec(value);
      while (m) {
        const rtag = m[1] as string;
        if (ignore.has(rtag)) {
          TAG_RE.lastIndex = m.index + m[0].length;
          m = TAG_RE.exec(value);
          continue;
        }
        if (rtag === tag || (rplc.get(rtag) ?? 1) > 25) {
          throw new InterpolationError(`option "${tag}" refers to itself through <${rtag}>`);
        }
        const repl = tags[rtag] ?? addrepl(rtag);
        if (repl === undefined) {
          TAG_RE.lastIndex = m.index + m[0].length;
          m = TAG_RE.exec(value);
          continue;
        }
        value = value.split(`<${rtag}>`).join(repl);
        rplc.set(rtag, (rplc.get(rtag) ?? 0) + 1);
        TAG_RE.lastIndex = m.index;
        m = TAG_RE.exec(value);
      }
      if (value !== orig) {
        TAG_RE.lastIndex = 0;
        if (TAG_RE.test(value)) {
          repCounts.set(tag, rplc);
          again = true;
        }
        tags[tag] = value;
      }
      if (!value.includes("<")) done.add(tag);
    }
    if (!again) break;
  }
  return tags;
}

export interface ReadFilterOptions {
  /** parameters from the jail's `filter = name[k=v]` */
  params?: Record<string, string>;
  /** the jail's own options (fail2ban passes them as defaults with precedence over the filter's) */
  jailOptions?: Record<string, string>;
  /** the jail's backend: sets logtype=journal for systemd backends when the filter does not say */
  backend?: string;
}

/**
 * Read a filter by name (under DIR/filter.d) or by path (ending in .conf or .local, or containing "/").
 * Throws when the filter cannot be found; problems inside it are listed in `problems`.
 */
export async function readFilter(fs: ConfFs, dir: string, nameOrPath: string, opts: ReadFilterOptions = {}): Promise<FilterDefinition> {
  const isPath = nameOrPath.includes("/") || /\.(conf|local)$/.test(nameOrPath);
  const files = isPath ? [nameOrPath] : await configFiles(fs, `${dir.replace(/\/+$/, "")}/filter.d`, nameOrPath);
  const ini = await readConfig(fs, files);
  if (ini.files.length === 0) {
    throw new FilterNotFound(isPath ? `cannot read filter file ${nameOrPath}` : `no filter "${nameOrPath}" in ${dir}/filter.d`);
  }
  const name = isPath ? (nameOrPath.split("/").pop() as string).replace(/\.(conf|local)$/, "") : nameOrPath;
  return definitionFrom(ini, name, opts);
}

export class FilterNotFound extends Error {}

export function definitionFrom(ini: IniSet, name: string, opts: ReadFilterOptions = {}): FilterDefinition {
  const problems = [...ini.problems];
  const lower = (o: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const initOpts: Record<string, string> = lower(opts.params);
  if (opts.backend !== undefined && initOpts.logtype === undefined && !ini.sections.get("Definition")?.has("logtype")) {
    initOpts.logtype = opts.backend.startsWith("systemd") ? "journal" : "file";
  }
  const pOpts: Record<string, string> = { ...lower(opts.jailOptions), ...initOpts };
  const vars = new Map(Object.entries(pOpts));
  const get = (section: string, option: string, v?: ReadonlyMap<string, string>): string | undefined => {
    try {
      return ini.get(section, option, v);
    } catch (e) {
      problems.push(`[${section}] ${option}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const defOpts: Record<string, string> = {};
  for (const o of FILTER_OPTS) {
    if (o in pOpts) continue;
    if (!ini.has("Definition")) continue;
    const v = get("Definition", o, vars);
    if (v !== undefined) defOpts[o] = v;
  }
  if (ini.sections.has("Init")) {
    for (const o of ini.ownOptions("Init")) {
      const v = get("Init", o);
      if (v === undefined) continue;
      if (!o.startsWith("known/")) initOpts[`known/${o}`] = v;
      if (!(o in initOpts)) initOpts[o] = v;
    }
  }
  const combined: Record<string, string> = { ...defOpts, ...initOpts };
  const ignore = new Set<string>();
  for (const k of Object.keys(combined)) {
    const c = /^(\w+)(\?.+)$/.exec(k);
    if (c) ignore.add(c[1] as string);
  }
  const cache = new Map<string, string | undefined>();
  const comb = (tag: string): string | undefined => {
    if (cache.has(tag)) return cache.get(tag);
    let v: string | undefined;
    try {
      v = ini.get("Definition", tag, vars);
    } catch {
      v = undefined;
    }
    cache.set(tag, v);
    return v;
  };
  let options: Record<string, string>;
  try {
    options = substituteTags(combined, ignore, comb);
  } catch (e) {
    problems.push((e as Error).message);
    options = combined;
  }
  const lines = (v: string | undefined) => (v ?? "").split("\n").filter((s) => s !== "");
  const maxlinesText = options.maxlines;
  let maxlines = 1;
  if (maxlinesText !== undefined && maxlinesText.trim() !== "") {
    const n = Number(maxlinesText);
    if (Number.isInteger(n) && n >= 1) maxlines = n;
    else problems.push(`maxlines "${maxlinesText}" is not a positive whole number; using 1`);
  }
  return {
    name,
    files: ini.files,
    params: opts.params ?? {},
    prefregex: options.prefregex?.trim() ? options.prefregex : undefined,
    failregex: lines(options.failregex),
    ignoreregex: lines(options.ignoreregex),
    maxlines,
    datepattern: options.datepattern?.trim() ? options.datepattern : undefined,
    journalmatch: lines(options.journalmatch),
    usedns: options.usedns,
    options,
    problems,
  };
}
