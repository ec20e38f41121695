// sudo's policy: /etc/sudoers and the files it includes (#includedir /etc/sudoers.d, @include …), read as
// sudo reads them (continuation lines, aliases, include rules: files in an includedir whose name contains
// a "." or ends in "~" are ignored). Only what the audit judges is extracted: who may run ALL commands,
// with or without a password, and `Defaults !authenticate`. Each rule keeps its file:line.
import path from "node:path";
import type { FactContext } from "./context.js";

export interface SudoRule {
  /** users, %groups, ALL, after expanding User_Alias */
  who: string[];
  /** the rule lets `who` run ALL commands */
  all: boolean;
  /** ALL (or the listed commands) without a password */
  nopasswdAll: boolean;
  /** some command of the rule (ALL or a specific one) runs without a password */
  nopasswd: boolean;
  text: string;
  source: string;
}

export interface SudoersFile {
  path: string;
  /** included from (undefined for /etc/sudoers) */
  from?: string;
}

export interface Sudoers {
  /** false when /etc/sudoers does not exist (sudo not installed) */
  present: boolean;
  files: SudoersFile[];
  rules: SudoRule[];
  /** `Defaults !authenticate` and similar global password bypasses */
  noAuthDefaults: { text: string; source: string }[];
}

export const SUDOERS = "/etc/sudoers";

export function sudoers(ctx: FactContext): Promise<Sudoers> {
  return ctx.memo("sudoers", async () => {
    const out: Sudoers = { present: false, files: [], rules: [], noAuthDefaults: [] };
    const main = await ctx.fs.readTextIfExists(SUDOERS);
    if (main === undefined) return out;
    out.present = true;
    const aliases = new Map<string, string[]>();
    const cmndAliases = new Map<string, string[]>();
    const seen = new Set<string>();
    const visit = async (file: string, text: string, from: string | undefined, depth: number) => {
      if (seen.has(file) || depth > 8) return;
      seen.add(file);
      out.files.push(from === undefined ? { path: file } : { path: file, from });
      for (const { text: l, line } of logicalLines(text)) {
        const source = `${file}:${line}`;
        const inc = /^[#@](include|includedir)\s+(.+)$/.exec(l);
        if (inc) {
          const target = resolveInclude(inc[2]?.trim() ?? "", file);
          if (inc[1] === "includedir") {
            for (const name of await ctx.fs.list(target)) {
              if (name.includes(".") || name.endsWith("~")) continue;
              const p = path.posix.join(target, name);
              const st = await ctx.fs.stat(p);
              if (!st?.isFile()) continue;
              await visit(p, (await ctx.fs.readTextIfExists(p)) ?? "", source, depth + 1);
            }
          } else {
            const t = await ctx.fs.readTextIfExists(target);
            if (t !== undefined) await visit(target, t, source, depth + 1);
          }
          continue;
        }
        const code = stripComment(l).trim();
        if (code === "") continue;
        const alias = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/.exec(code);
        if (alias) {
          for (const def of (alias[2] ?? "").split(":")) {
            const eq = def.indexOf("=");
            if (eq === -1) continue;
            const name = def.slice(0, eq).trim();
            const members = splitList(def.slice(eq + 1));
            if (alias[1] === "User_Alias") aliases.set(name, members);
            if (alias[1] === "Cmnd_Alias" || alias[1] === "Cmd_Alias") cmndAliases.set(name, members);
          }
          continue;
        }
        if (/^Defaults\b/.test(code)) {
          if (/!\s*authenticate\b/.test(code)) out.noAuthDefaults.push({ text: code, source });
          continue;
        }
        const rule = parseRule(code, aliases, cmndAliases);
        if (rule) out.rules.push({ ...rule, text: code, source });
      }
    };
    await visit(SUDOERS, main, undefined, 0);
    return out;
  });
}

/** Lines joined at a trailing backslash, each with the number of its first physical line. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let l = lines[i] ?? "";
    while (l.endsWith("\\") && i + 1 < lines.length) l = l.slice(0, -1) + (lines[++i] ?? "");
    out.push({ text: l.trim(), line: start + 1 });
  }
  return out;
}

/** '#' starts a comment unless it is a uid ("#1000"). */
function stripComment(l: string): string {
  for (let i = 0; i < l.length; i++) {
    if (l[i] === "#" && !/[0-9]/.test(l[i + 1] ?? "")) return l.slice(0, i);
  }
  return l;
}

function splitList(s: string): string[] {
  return s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Split a command list at commas that are not inside a runas "(root, bob)". */
function splitOutsideParens(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function resolveInclude(p: string, from: string): string {
  const unquoted = p.replace(/^"(.*)"$/, "$1");
  return unquoted.startsWith("/") ? unquoted : path.posix.join(path.posix.dirname(from), unquoted);
}

/** `who host = (runas) TAG: cmnd, …` — does it grant ALL, and without a password? */
function parseRule(
  code: string,
  aliases: Map<string, string[]>,
  cmndAliases: Map<string, string[]>,
): Omit<SudoRule, "text" | "source"> | undefined {
  const m = /^(\S+(?:\s*,\s*\S+)*)\s+(.+)$/.exec(code);
  if (!m) return undefined;
  const eq = (m[2] ?? "").indexOf("=");
  if (eq === -1) return undefined;
  const who = splitList(m[1] ?? "").flatMap((w) => aliases.get(w) ?? [w]);
  let all = false;
  let nopasswdAll = false;
  let nopasswdAny = false;
  let nopasswd = false;
  for (const spec of splitOutsideParens((m[2] ?? "").slice(eq + 1))) {
    let item = spec.trim().replace(/^\([^)]*\)\s*/, "");
    for (;;) {
      const tag = /^([A-Z_]+)\s*:\s*/.exec(item);
      if (!tag) break;
      if (tag[1] === "NOPASSWD") nopasswd = true;
      if (tag[1] === "PASSWD") nopasswd = false;
      item = item.slice(tag[0].length);
    }
    const cmd = item.trim();
    if (nopasswd && cmd !== "") nopasswdAny = true;
    const grantsAll = cmd === "ALL" || (cmndAliases.get(cmd) ?? []).includes("ALL");
    if (grantsAll) {
      all = true;
      if (nopasswd) nopasswdAll = true;
    }
  }
  return { who, all, nopasswdAll, nopasswd: nopasswdAny };
}
