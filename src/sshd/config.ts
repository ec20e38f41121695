// src/sshd/ — sshd_config as written and as sshd -T sees it. Imports core/, system/ (and facts/);
// imported by audit/, apply/ and mfa/.
// Lossless lexer for one sshd_config file. Every line is kept as written (text + its own line ending), so
// `serializeConfig(parseConfigText(t)) === t` for any input, and an editor can change one directive while
// every other byte stays the same. Tokenising follows OpenSSH exactly (misc.c strdelim + argv_split):
// the keyword ends at whitespace, a quote or one '='; arguments honour "double" and 'single' quotes and
// backslash escapes; an unquoted '#' starting a word ends the line. Hand-written (no library models sshd's
// quoting), one pass per line, linear in the line length: hostile or huge lines cannot slow it down.
import { keyOf } from "./keywords.js";

export type LineKind = "blank" | "comment" | "directive" | "invalid";

export interface ConfigLine {
  /** the line's text without its line ending (a trailing "\r" of CRLF is in `eol`, not here) */
  text: string;
  /** "\n", "\r\n" or "" (last line without a newline) */
  eol: string;
  /** 1-based line number in its file */
  line: number;
  kind: LineKind;
  /** the keyword as written (directive/invalid lines) */
  keyword?: string;
  /** lower-case key it sets, aliases resolved (ChallengeResponseAuthentication → kbdinteractiveauthentication) */
  key?: string;
  /** arguments, unquoted and unescaped, comment stripped */
  args: string[];
  /** why sshd would reject the line (invalid lines) */
  error?: string;
}

export interface ConfigFile {
  /** target path (as on the server, not under --root) */
  path: string;
  lines: ConfigLine[];
}

const WS = new Set([" ", "\t", "\r", "\n", "\f"]);

/** Split text into lines keeping endings, and lex each one. Never throws. */
export function parseConfigText(path: string, text: string): ConfigFile {
  const lines: ConfigLine[] = [];
  let start = 0;
  let n = 1;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    const end = nl === -1 ? text.length : nl;
    let body = text.slice(start, end);
    let eol = nl === -1 ? "" : "\n";
    if (eol && body.endsWith("\r")) {
      body = body.slice(0, -1);
      eol = "\r\n";
    }
    lines.push(lexLine(body, eol, n++));
    start = end + 1;
  }
  return { path, lines };
}

/** The exact text of a file: every line's text and ending, concatenated. */
export function serializeConfig(file: ConfigFile): string {
  let out = "";
  for (const l of file.lines) out += l.text + l.eol;
  return out;
}

/** Lex one line (without its ending) the way sshd's process_server_config_line does. */
export function lexLine(text: string, eol: string, line: number): ConfigLine {
  const len = text.length;
  let i = 0;
  while (i < len && WS.has(text[i] as string)) i++;
  if (i === len) return { text, eol, line, kind: "blank", args: [] };
  if (text[i] === "#") return { text, eol, line, kind: "comment", args: [] };
  const kwStart = i;
  while (i < len && !WS.has(text[i] as string) && text[i] !== "=" && text[i] !== '"') i++;
  const keyword = text.slice(kwStart, i);
  // separator: whitespace, at most one '=', whitespace
  while (i < len && WS.has(text[i] as string)) i++;
  if (text[i] === "=") {
    i++;
    while (i < len && WS.has(text[i] as string)) i++;
  }
  const base = { text, eol, line, keyword, key: keyOf(keyword) };
  if (keyword === "") return { ...base, kind: "invalid", args: [], error: "a line starts with '=' or a quote, not a keyword" };
  const rest = trimEnd(text.slice(i));
  if (rest === "") return { ...base, kind: "invalid", args: [], error: `no argument after keyword "${keyword}"` };
  const split = splitArgs(rest);
  if (typeof split === "string") return { ...base, kind: "invalid", args: [], error: split };
  if (split.length === 0) return { ...base, kind: "invalid", args: [], error: `no argument after keyword "${keyword}"` };
  return { ...base, kind: "directive", args: split };
}

function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0 && WS.has(s[e - 1] as string)) e--;
  return s.slice(0, e);
}

/** OpenSSH argv_split(s, terminate_on_comment=1): quotes, escapes, '#' comments. */
export function splitArgs(s: string): string[] | string {
  const out: string[] = [];
  const len = s.length;
  let i = 0;
  while (i < len) {
    const c = s[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "#") break;
    let quote = "";
    let arg = "";
    for (; i < len; i++) {
      const ch = s[i] as string;
      if (ch === "\\") {
        const nx = s[i + 1];
        if (nx === "'" || nx === '"' || nx === "\\" || (quote === "" && nx === " ")) {
          arg += nx;
          i++;
        } else arg += ch;
      } else if (quote === "" && (ch === " " || ch === "\t")) break;
      else if (quote === "" && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== "" && ch === quote) quote = "";
      else arg += ch;
    }
    if (quote !== "") return "invalid quotes (a quote is not closed)";
    out.push(arg);
  }
  return out;
}

/** Quote one argument so splitArgs gives it back unchanged (for the editor). */
export function quoteArg(arg: string): string {
  if (arg !== "" && /^[^\s"'\\#]+$/.test(arg)) return arg;
  return `"${arg.replace(/(["\\])/g, "\\$1")}"`;
}
