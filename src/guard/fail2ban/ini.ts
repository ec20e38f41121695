// fail2ban's configuration files, read the way fail2ban reads them: Python's configparser syntax (sections,
// `key = value` or `key: value`, indented continuation lines, `#`/`;` comments, ` ;` inline comments),
// `[INCLUDES]` before/after with `.local` companions, merging in file order with `KNOWN/<section>` copies of
// the values a later file overrides, and `%(name)s` / `%(section/name)s` / `%(known/name)s` interpolation
// (fail2ban's configparserinc.py). Parsing does no I/O: a `ConfFs` is passed in, so tests use in-memory files
// and `--root` works.

export interface ConfFs {
  readTextIfExists(path: string): Promise<string | undefined>;
  /** names in a directory ([] when it does not exist) */
  list(path: string): Promise<string[]>;
}

/** one option value and where it was set */
export interface IniValue {
  value: string;
  source: string;
}

export type IniSection = Map<string, IniValue>;

export interface IniFile {
  path: string;
  defaults: IniSection;
  /** sections in file order (DEFAULT excluded) */
  sections: Map<string, IniSection>;
  problems: string[];
}

export function parseIni(text: string, path: string): IniFile {
  const file: IniFile = { path, defaults: new Map(), sections: new Map(), problems: [] };
  let section: IniSection | undefined;
  let option: { key: string; lines: string[]; indent: number; source: string } | undefined;
  const flush = () => {
    if (option && section) {
      const value = option.lines.join("\n").replace(/\s+$/, "");
      section.set(option.key, { value, source: option.source });
    }
    option = undefined;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    if (trimmed.startsWith("#") || trimmed.startsWith(";")) continue; // full-line comment: keeps a value open
    const value = stripInlineComment(raw).trim();
    if (value === "") {
      if (option) option.lines.push(""); // empty line may be inside a multi-line value
      continue;
    }
    const indent = raw.length - raw.trimStart().length;
    if (option && indent > option.indent) {
      option.lines.push(value);
      continue;
    }
    flush();
    const header = /^\[(.+)\]$/.exec(value);
    if (header) {
      const name = header[1] as string;
      if (name === "DEFAULT") section = file.defaults;
      else {
        section = file.sections.get(name) ?? new Map();
        file.sections.set(name, section);
      }
      continue;
    }
    const kv = /^(.*?)\s*[=:]\s*(.*)$/.exec(value);
    if (!kv || !section) {
      file.problems.push(`${path}:${i + 1}: ${section ? "not a key = value line" : "option before any [section]"}: ${value.slice(0, 80)}`);
      continue;
    }
    option = { key: (kv[1] as string).trimEnd().toLowerCase(), lines: [kv[2] as string], indent, source: `${path}:${i + 1}` };
  }
  flush();
  return file;
}

/** configparser's inline comments: `;` preceded by white space */
function stripInlineComment(line: string): string {
  for (let i = 1; i < line.length; i++) {
    if (line[i] === ";" && /\s/.test(line[i - 1] as string)) return line.slice(0, i);
  }
  return line;
}

const CONDITIONAL = /^(\w+)(\?.+)$/;

/** A merged set of fail2ban config files (one "config reader" in fail2ban's terms). */
export class IniSet {
  readonly defaults: IniSection = new Map();
  readonly sections = new Map<string, IniSection>();
  readonly files: string[] = [];
  readonly problems: string[] = [];

  /** merge one parsed file (fail2ban's SafeConfigParserWithIncludes.read) */
  merge(file: IniFile): void {
    this.files.push(file.path);
    this.problems.push(...file.problems);
    for (const [k, v] of file.defaults) this.defaults.set(k, v);
    for (const [rawName, sec] of file.sections) {
      let name = rawName;
      let s = sec;
      const cond = CONDITIONAL.exec(rawName);
      if (cond) {
        name = cond[1] as string;
        s = new Map([...sec].map(([k, v]) => [k + (cond[2] as string), v]));
      }
      const existing = this.sections.get(name);
      if (existing) {
        const known = this.sections.get(`KNOWN/${name}`) ?? new Map();
        for (const [k, v] of existing) if (s.has(k)) known.set(k, v);
        this.sections.set(`KNOWN/${name}`, known);
        for (const [k, v] of s) existing.set(k, v);
      } else this.sections.set(name, new Map(s));
    }
  }

  has(section: string): boolean {
    return section === "DEFAULT" || this.sections.has(section);
  }

  /** own option names of a section (without DEFAULT's) */
  ownOptions(section: string): string[] {
    return [...(this.sections.get(section)?.keys() ?? [])];
  }

  /** option names of a section including DEFAULT's */
  options(section: string): string[] {
    return [...new Set([...this.ownOptions(section), ...this.defaults.keys()])];
  }

  /** the raw (uninterpolated) value: vars, then the section, then DEFAULT */
  raw(section: string, option: string, vars?: ReadonlyMap<string, string>): IniValue | undefined {
    const key = option.toLowerCase();
    const v = vars?.get(key);
    if (v !== undefined) return { value: v, source: "(parameter)" };
    return this.sections.get(section)?.get(key) ?? this.defaults.get(key);
  }

  /**
   * The interpolated value of `option` in `section` (configparser's BasicInterpolation with fail2ban's
   * `%(section/option)s` and `%(known/option)s`). `option` may itself be `section/option`. Throws
   * InterpolationError for a missing reference or a loop.
   */
  get(section: string, option: string, vars?: ReadonlyMap<string, string>): string | undefined {
    const slash = /^([\w-]+)\/([^\s>]+)$/.exec(option);
    if (slash) {
      const sec = slash[1] as string;
      const opt = slash[2] as string;
      const lower = sec.toLowerCase();
      const candidates = lower === "known" ? [`KNOWN/${section}`, section] : lower === "default" ? ["DEFAULT"] : [sec];
      for (const c of candidates) {
        const raw = c === "DEFAULT" ? this.defaults.get(opt.toLowerCase()) : this.sections.get(c)?.get(opt.toLowerCase());
        if (raw !== undefined) return this.interpolate(c.startsWith("KNOWN/") ? section : c, raw.value, vars, 0);
      }
    }
    const raw = this.raw(section, option, vars);
    if (raw === undefined) return undefined;
    return this.interpolate(section, raw.value, vars, 0);
  }

  interpolate(section: string, value: string, vars: ReadonlyMap<string, string> | undefined, depth: number): string {
    if (!value.includes("%")) return value;
    if (depth > 10) throw new InterpolationError(`interpolation too deep (a loop?) in [${section}]: ${value.slice(0, 80)}`);
    let out = "";
    let i = 0;
    while (i < value.length) {
      const p = value.indexOf("%", i);
      if (p < 0) {
        out += value.slice(i);
        break;
      }
      out += value.slice(i, p);
      const next = value[p + 1];
      if (next === "%") {
        out += "%";
        i = p + 2;
        continue;
      }
      const m = /^%\(([^)]+)\)s/.exec(value.slice(p));
      if (next !== "(" || !m)
        throw new InterpolationError(`bad "%" in [${section}]: ${value.slice(p, p + 40)} (write %% for a literal percent)`);
      const name = (m[1] as string).toLowerCase();
      let raw: string | undefined;
      let ctx = section;
      if (name === "__name__") raw = section;
      // set by fail2ban itself at run time (only its user agent string, action_blocklist_de's, reads it)
      else if (name === "fail2ban_version" && this.raw(section, name, vars) === undefined) raw = "rampart-import";
      else {
        const slash = /^([\w-]+)\/(.+)$/.exec(name);
        if (slash && vars?.get(name) === undefined) {
          const sec = slash[1] as string;
          const opt = slash[2] as string;
          if (sec === "known") raw = this.sections.get(`KNOWN/${section}`)?.get(opt)?.value ?? this.defaults.get(opt)?.value;
          else if (sec === "default") raw = this.defaults.get(opt)?.value;
          else {
            const realSec = [...this.sections.keys()].find((s) => s.toLowerCase() === sec) ?? sec;
            raw = this.sections.get(realSec)?.get(opt)?.value;
          }
          ctx = section;
        } else raw = this.raw(section, name, vars)?.value;
      }
      if (raw === undefined) throw new InterpolationError(`[${section}] refers to %(${name})s, which is not set`);
      out += this.interpolate(ctx, raw, vars, depth + 1);
      i = p + m[0].length;
    }
    return out;
  }
}

export class InterpolationError extends Error {}

import { posix } from "node:path";

const dirname = (p: string) => posix.dirname(p);
const isAbs = (p: string) => p.startsWith("/");

/** fail2ban's read order for `name` under `dir`: name.conf, name.d/*.conf, name.local, name.d/*.local */
export async function configFiles(fs: ConfFs, dir: string, name: string): Promise<string[]> {
  const base = `${dir.replace(/\/+$/, "")}/${name}`;
  const inD = (await fs.list(`${base}.d`)).sort();
  return [
    `${base}.conf`,
    ...inD.filter((n) => n.endsWith(".conf")).map((n) => `${base}.d/${n}`),
    `${base}.local`,
    ...inD.filter((n) => n.endsWith(".local")).map((n) => `${base}.d/${n}`),
  ];
}

/** Read files into one IniSet, following [INCLUDES] and .local companions; missing files are skipped. */
export async function readConfig(fs: ConfFs, files: string[]): Promise<IniSet> {
  const set = new IniSet();
  const cache = new Map<string, IniFile | null>();
  const load = async (path: string): Promise<IniFile | null> => {
    if (cache.has(path)) return cache.get(path) ?? null;
    const text = await fs.readTextIfExists(path);
    const parsed = text === undefined ? null : parseIni(text, path);
    cache.set(path, parsed);
    return parsed;
  };
  const expand = async (names: string[], seen: string[]): Promise<string[]> => {
    const withLocal: string[] = [];
    for (const n of names) {
      withLocal.push(n);
      const local = n.replace(/\.[^./]*$/, "") + ".local";
      if (local !== n && !names.includes(local) && (await load(local))) withLocal.push(local);
    }
    const out: string[] = [];
    for (const f of withLocal) {
      const parsed = await load(f);
      if (!parsed) continue;
      const inc = parsed.sections.get("INCLUDES");
      const part = async (key: string): Promise<string[]> => {
        const v = inc?.get(key)?.value;
        if (!v) return [];
        const res: string[] = [];
        for (const line of v
          .split("\n")
          .map((s) => s.trim())
          .filter(Boolean)) {
          const r = posix.normalize(isAbs(line) ? line : `${dirname(f)}/${line}`);
          if (seen.includes(r)) continue;
          res.push(...(await expand([r], [...seen, f])));
        }
        return res;
      };
      out.push(...(await part("before")), f, ...(await part("after")));
    }
    return out;
  };
  for (const f of await expand(files, [])) {
    const parsed = await load(f);
    if (parsed) set.merge(parsed);
  }
  return set;
}
