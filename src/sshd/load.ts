// sshd_config as sshd reads it: the main file with every `Include` expanded in place (globs relative to
// /etc/ssh, sorted, recursive up to sshd's depth limit, inside Match blocks too), read through HostFs so
// `--root DIR` works. The result lists every directive in reading order with its file:line and the Match
// block it sits in, so `globalValue()` can say which line sshd keeps (the first one read; accumulating
// keywords such as AllowUsers collect every line) and `matchOverrides()` which Match blocks change it for
// some connections. The files themselves stay lossless (config.ts) for the editor.
import path from "node:path";
import { type ConfigFile, parseConfigText } from "./config.js";
import { ACCUMULATING, keyOf } from "./keywords.js";
import { type ConfigFs, expandGlob } from "./patterns.js";

export type { ConfigFs } from "./patterns.js";

export const SSHD_CONFIG = "/etc/ssh/sshd_config";
export const SSHD_DIR = "/etc/ssh";
/** servconf.c SERVCONF_MAX_DEPTH */
const MAX_DEPTH = 16;

export interface MatchBlock {
  /** set for an ssh_config `Host` block (ssh_config: `Host` and `Match` both start a block); sshd has only Match */
  keyword?: "Host";
  /** the Match line's arguments, e.g. ["User", "alice,bob", "Address", "10.0.0.0/8"] */
  criteria: string[];
  file: string;
  line: number;
  /** the Match block an Include of this file sat in (conditions are ANDed) */
  parent: MatchBlock | undefined;
}

export interface Directive {
  /** lower-case key, aliases resolved */
  key: string;
  /** as written */
  keyword: string;
  args: string[];
  file: string;
  line: number;
  /** undefined: global section */
  match: MatchBlock | undefined;
}

export interface IncludeRef {
  file: string;
  line: number;
  pattern: string;
  /** files it expanded to, in order ([] when the glob matched nothing) */
  files: string[];
  match: MatchBlock | undefined;
}

export interface ConfigProblem {
  file: string;
  line: number;
  message: string;
}

export interface SshdConfig {
  main: string;
  /** every file read, lossless, keyed by target path */
  files: Map<string, ConfigFile>;
  /** every directive sshd reads, in reading order (Include expanded in place, Match/Include lines excluded) */
  directives: Directive[];
  matches: MatchBlock[];
  includes: IncludeRef[];
  problems: ConfigProblem[];
}

/** Read the main config (default /etc/ssh/sshd_config) and everything it includes. */
export function loadSshdConfig(fs: ConfigFs, main = SSHD_CONFIG): Promise<SshdConfig> {
  return loadConfigTree(fs, main, "sshd");
}

/**
 * The same reader for ssh_config (the client, readconf.c): Include works the same way (relative to /etc/ssh for
 * the system file, depth 16, an included file starts in the block of its Include line, and a block in it is
 * ANDed with that one — ssh's SSHCONF_NEVERMATCH), and a `Host` line starts a block like `Match` does.
 */
export async function loadConfigTree(fs: ConfigFs, main: string, dialect: "sshd" | "ssh"): Promise<SshdConfig> {
  const cfg: SshdConfig = { main, files: new Map(), directives: [], matches: [], includes: [], problems: [] };
  const text = await fs.readTextIfExists(main);
  if (text === undefined) {
    cfg.problems.push({ file: main, line: 0, message: `${main} does not exist` });
    return cfg;
  }
  await walk(fs, cfg, parseConfigText(main, text), undefined, 0, dialect === "ssh");
  return cfg;
}

async function walk(
  fs: ConfigFs,
  cfg: SshdConfig,
  file: ConfigFile,
  outer: MatchBlock | undefined,
  depth: number,
  hostBlocks: boolean,
): Promise<void> {
  cfg.files.set(file.path, file);
  let current = outer;
  for (const l of file.lines) {
    if (l.kind === "invalid") {
      cfg.problems.push({ file: file.path, line: l.line, message: l.error ?? "invalid line" });
      continue;
    }
    if (l.kind !== "directive" || !l.keyword) continue;
    const key = l.key ?? keyOf(l.keyword);
    if (key === "match") {
      const all = l.args.length >= 1 && l.args[0]?.toLowerCase() === "all";
      current = all ? outer : { criteria: l.args, file: file.path, line: l.line, parent: outer };
      if (current && current !== outer) cfg.matches.push(current);
      continue;
    }
    if (hostBlocks && key === "host") {
      current = { keyword: "Host", criteria: l.args, file: file.path, line: l.line, parent: outer };
      cfg.matches.push(current);
      continue;
    }
    if (key === "include") {
      for (const pattern of l.args) {
        const abs = pattern.startsWith("/") || pattern.startsWith("~") ? pattern : `${SSHD_DIR}/${pattern}`;
        const ref: IncludeRef = { file: file.path, line: l.line, pattern, files: [], match: current };
        cfg.includes.push(ref);
        if (depth + 1 > MAX_DEPTH) {
          cfg.problems.push({ file: file.path, line: l.line, message: `Include nested deeper than ${MAX_DEPTH} levels` });
          continue;
        }
        for (const p of await expandGlob(fs, abs)) {
          const st = await fs.stat(p);
          if (!st?.isFile()) continue;
          ref.files.push(p);
          const text = await fs.readTextIfExists(p);
          if (text === undefined) continue;
          await walk(fs, cfg, parseConfigText(p, text), current, depth + 1, hostBlocks);
        }
      }
      continue;
    }
    cfg.directives.push({ key, keyword: l.keyword, args: l.args, file: file.path, line: l.line, match: current });
  }
}

export const where = (d: { file: string; line: number }): string => `${d.file}:${d.line}`;

export interface GlobalValue {
  key: string;
  /** the effective arguments (accumulating keys: every line's, in order); undefined when no line sets it */
  args: string[] | undefined;
  /** the line sshd keeps (accumulating keys: the first of `all`) */
  source: Directive | undefined;
  /** every global line for the key, in reading order; for first-wins keys all but the first are ignored */
  all: Directive[];
}

/** The value of `key` in the global section, as sshd keeps it, with the line it came from. */
export function globalValue(cfg: SshdConfig, keyword: string): GlobalValue {
  const key = keyOf(keyword);
  const all = cfg.directives.filter((d) => d.key === key && d.match === undefined);
  const first = all[0];
  if (!first) return { key, args: undefined, source: undefined, all };
  if (ACCUMULATING.has(key)) return { key, args: all.flatMap((d) => d.args), source: first, all };
  return { key, args: first.args, source: first, all };
}

/** Directives inside Match blocks that set `key` (each may override the global value for some connections). */
export function matchOverrides(cfg: SshdConfig, keyword: string): Directive[] {
  const key = keyOf(keyword);
  return cfg.directives.filter((d) => d.key === key && d.match !== undefined);
}

/** "Match User alice Address 10.0.0.0/8" (with the enclosing Match of an Include, joined by " and "). */
export function describeMatch(m: MatchBlock): string {
  const own = `${m.keyword ?? "Match"} ${m.criteria.join(" ")}`;
  return m.parent ? `${describeMatch(m.parent)} and ${own}` : own;
}

/** Every file the config reads, main first, in reading order. */
export function configFiles(cfg: SshdConfig): string[] {
  return [...cfg.files.keys()];
}

/** Relative include patterns resolve against /etc/ssh; exported for the editor. */
export function includeTarget(pattern: string): string {
  return pattern.startsWith("/") ? pattern : path.posix.join(SSHD_DIR, pattern);
}
