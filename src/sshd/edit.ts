// Minimal edits to one sshd_config file, for `rampart apply`: set or remove a global directive, and make
// sure an Include sits above every directive. Edits work on the lossless ConfigFile (config.ts) and return
// a new one; every line they do not touch keeps its exact bytes (comments, indentation, quoting, CRLF).
// Only the global section (before the file's first Match line) is edited: Match blocks are the user's.
import { type ConfigFile, type ConfigLine, lexLine, quoteArg } from "./config.js";
import { canonicalName, keyOf } from "./keywords.js";

export interface EditResult {
  file: ConfigFile;
  changed: boolean;
}

/** "PasswordAuthentication no" with arguments quoted when needed. */
export function formatDirective(keyword: string, args: readonly string[]): string {
  return `${keyword} ${args.map(quoteArg).join(" ")}`;
}

/** The line ending the file mostly uses ("\n" for an empty file). */
export function eolOf(file: ConfigFile): string {
  let crlf = 0;
  let lf = 0;
  for (const l of file.lines) {
    if (l.eol === "\r\n") crlf++;
    else if (l.eol === "\n") lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}

/** Index of the first Match line (the end of the global section), or lines.length. */
function globalEnd(file: ConfigFile): number {
  const i = file.lines.findIndex((l) => l.kind === "directive" && l.key === "match");
  return i === -1 ? file.lines.length : i;
}

function renumber(lines: ConfigLine[]): ConfigLine[] {
  return lines.map((l, i) => (l.line === i + 1 ? l : { ...l, line: i + 1 }));
}

/** Insert `text` as a new line before index `at`, giving the previous line an ending if it lacks one. */
function insertLine(file: ConfigFile, at: number, text: string): ConfigLine[] {
  const eol = eolOf(file);
  const lines = [...file.lines];
  const prev = lines[at - 1];
  if (prev && prev.eol === "") lines[at - 1] = { ...prev, eol };
  lines.splice(at, 0, lexLine(text, eol, at + 1));
  return lines;
}

/**
 * Set a global directive: the first global line for the key is rewritten in place (indentation and a
 * trailing comment kept), later global lines for the same key in this file are removed; when there is
 * none, the line is added at the end of the global section (before the first Match).
 */
export function setDirective(file: ConfigFile, keyword: string, args: readonly string[]): EditResult {
  const key = keyOf(keyword);
  const end = globalEnd(file);
  const hits: number[] = [];
  for (let i = 0; i < end; i++) {
    const l = file.lines[i];
    if (l && l.kind === "directive" && l.key === key) hits.push(i);
  }
  const first = hits[0];
  if (first === undefined) {
    const lines = insertLine(file, end, formatDirective(canonicalName(key), args));
    return { file: { path: file.path, lines: renumber(lines) }, changed: true };
  }
  const old = file.lines[first] as ConfigLine;
  const indent = old.text.slice(0, old.text.length - old.text.trimStart().length);
  const comment = trailingComment(old.text);
  const text = `${indent}${formatDirective(old.keyword ?? canonicalName(key), args)}${comment}`;
  const same = sameArgs(old.args, args) && hits.length === 1;
  if (same) return { file, changed: false };
  const lines = file.lines.filter((_, i) => !hits.slice(1).includes(i));
  lines[first] = lexLine(text, old.eol, old.line);
  return { file: { path: file.path, lines: renumber(lines) }, changed: true };
}

/** Remove every global line for the key from this file. */
export function removeDirective(file: ConfigFile, keyword: string): EditResult {
  const key = keyOf(keyword);
  const end = globalEnd(file);
  const lines = file.lines.filter((l, i) => !(i < end && l.kind === "directive" && l.key === key));
  if (lines.length === file.lines.length) return { file, changed: false };
  return { file: { path: file.path, lines: renumber(lines) }, changed: true };
}

/**
 * Make `Include pattern` the first directive of the file (after the leading comments), so what it
 * includes is read first and wins. An Include of the same pattern further down is moved, not duplicated.
 */
export function ensureIncludeAtTop(file: ConfigFile, pattern: string): EditResult {
  const firstDirective = file.lines.findIndex((l) => l.kind === "directive" || l.kind === "invalid");
  const isOurs = (l: ConfigLine | undefined) =>
    l?.kind === "directive" && l.key === "include" && l.args.length === 1 && l.args[0] === pattern;
  if (firstDirective !== -1 && isOurs(file.lines[firstDirective])) return { file, changed: false };
  const end = globalEnd(file);
  const without = file.lines.filter((l, i) => !(i < end && isOurs(l)));
  const base: ConfigFile = { path: file.path, lines: without };
  const at = firstDirective === -1 ? without.length : without.findIndex((l) => l.kind === "directive" || l.kind === "invalid");
  const lines = insertLine(base, at === -1 ? without.length : at, formatDirective("Include", [pattern]));
  return { file: { path: file.path, lines: renumber(lines) }, changed: true };
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** " # comment" at the end of a directive line (an unquoted '#' starting a word), or "". */
function trailingComment(text: string): string {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") {
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "#" && i > 0 && (text[i - 1] === " " || text[i - 1] === "\t")) {
      let s = i;
      while (s > 0 && (text[s - 1] === " " || text[s - 1] === "\t")) s--;
      return text.slice(s);
    }
  }
  return "";
}
