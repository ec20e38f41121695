// fail2ban's regex dialect → JavaScript RegExp. Two steps, as in fail2ban's failregex.py:
//  1. tags: <HOST>, <ADDR>, <IP4>, <IP6>, <DNS>, <CIDR>, <SUBNET>, <F-ID/>, <F-PORT/>, <SKIPLINES>, and the
//     <F-NAME>…</F-NAME> custom groups (<F-USER>, <F-ALT_USER1>, <F-NOFAIL>, <F-MLFID>, …) become named groups
//     with fail2ban's exact sub-expressions, so a translated filter matches what fail2ban matches;
//  2. Python-only syntax: (?P<n>…) → (?<n>…), (?P=n) → \k<n>, leading (?i)/(?s)/(?m) → flags, local (?i:…)
//     → case-folded character classes, \A / \Z, {,n}, (?#…) comments, Python's `$` (end, or before a final
//     newline), and conditionals (?(n)yes|no), which JS lacks: each conditional group doubles the regex into
//     variants — "n took part" (yes-branch, checked after the match) and "n did not" (the group made
//     impossible, no-branch) — tried in that order, which is the order Python's backtracking prefers.
//  3. Python's meaning of the classes and anchors whose JS meaning differs, written out so that a line
//     fail2ban matches is matched here too (Unicode text must not dodge a ban, #13): `.` refuses only "\n"
//     (JS's also refuses \r, U+2028, U+2029); \s \S \d \D \w \W \b \B are Python's Unicode sets
//     (./py-classes.ts); in multi-line mode ^ and $ see only "\n" as a line end (JS's m flag also sees
//     \r, U+2028, U+2029), so no JS flag but i is used: s, m and a are written into the pattern.
// What cannot be translated (atomic groups, possessive quantifiers, verbose mode) throws a TranslateError
// with the reason; the caller reports it per filter, nothing is dropped silently.
// Matching time: see ./bounded.ts.

import { pyClassBody, pyWordBoundary } from "./py-classes.js";

export class TranslateError extends Error {}

const IP_4_RE = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const IP_6_RE = String.raw`(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):)`;
const R_IP4 = String.raw`(?:::f{4,6}:)?(?P<ip4>${IP_4_RE})`;
const R_IP6 = String.raw`(?P<ip6>${IP_6_RE})`;
const R_DNS = String.raw`(?P<dns>[\w\-.^_]*\w)`;
const R_CIDR = String.raw`(?P<cidr>\d+)`;
const R_ADDR = String.raw`\[?(?:${R_IP4}|${R_IP6})\]?`;
const R_HOST = `(?:${R_ADDR}|${R_DNS})`;
const R_SUBNET = String.raw`\[?(?:${R_IP4}|${R_IP6})(?:/${R_CIDR})?\]?`;

const STATIC_TAGS: Record<string, string> = {
  IP4: R_IP4,
  "F-IP4/": R_IP4,
  IP6: R_IP6,
  "F-IP6/": R_IP6,
  ADDR: R_ADDR,
  "F-ADDR/": R_ADDR,
  CIDR: R_CIDR,
  "F-CIDR/": R_CIDR,
  SUBNET: R_SUBNET,
  "F-SUBNET/": R_SUBNET,
  DNS: R_DNS,
  "F-DNS/": R_DNS,
  "F-ID/": String.raw`(?P<fid>\S+)`,
  "F-PORT/": String.raw`(?P<fport>\w+)`,
};
const TAG_MAP: Record<string, string> = { id: "fid", port: "fport" };

/** fail2ban's Regex._resolveHostTag: replace <TAGS> by their sub-expressions (Python syntax). */
export function resolveTags(regex: string, useDns = "yes"): string {
  const open = new Set<string>();
  let skip = 0;
  return regex.replace(/<\/?[\w-]+\/?>/g, (tag) => {
    const tn = tag.slice(1, -1);
    if (tn === "HOST") return useDns === "no" ? R_ADDR : R_HOST;
    if (tn === "SKIPLINES") return String.raw`\n(?P<skiplines${skip++}>(?:(?:.*\n)*?))`;
    const fixed = STATIC_TAGS[tn];
    if (fixed !== undefined) return fixed;
    const m = /^(\/?)F-([A-Z0-9_-]+)$/.exec(tn);
    if (!m) return tag;
    const name = m[2] as string;
    if (m[1]) return open.has(name) ? ")" : tag;
    open.add(name);
    const lower = name.toLowerCase();
    return `(?P<${TAG_MAP[lower] ?? lower}>`;
  });
}

export interface TranslatedVariant {
  source: string;
  flags: string;
  /** groups that must have taken part for this variant's match to count */
  mustHave: string[];
}

export interface Translated {
  variants: TranslatedVariant[];
  /** named groups, in order */
  groups: string[];
  /** notes on approximations (not failures) */
  notes: string[];
}

interface Cond {
  name: string;
  start: number;
  end: number;
  yes: string;
  no: string;
}

/**
 * Translate a Python regex (already tag-resolved) into JS. `multiline` is fail2ban's multi-line mode
 * (maxlines > 1: re.MULTILINE).
 */
export function translatePython(pattern: string, multiline: boolean): Translated {
  const notes: string[] = [];
  let src = pattern;
  // fail2ban's R_GLOB2LOCFLAGS: ((?i)xxx) or (?:(?i)xxx) → (?i:xxx)
  src = src.replace(/(?<!\\)\((?:\?:)?(\(\?[a-z]+)\)/g, "$1:");
  let flags = "";
  const ctx: ConvCtx = { multiline, dotAll: false, ascii: false, conds: [], groups: [], notes, caseFold: false };
  // leading global flags
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/.exec(src);
    if (!m) break;
    for (const f of m[1] as string) {
      if (f === "i" && !flags.includes(f)) flags += f;
      else if (f === "s") ctx.dotAll = true;
      else if (f === "m") ctx.multiline = true;
      else if (f === "a") ctx.ascii = true;
      else if (f === "x") throw new TranslateError("verbose mode (?x) is not supported");
    }
    src = src.slice(m[0].length);
  }
  const { conds, groups } = ctx;
  const out = convert(src, 0, src.length, ctx);
  if (conds.length > 6) throw new TranslateError("more than 6 conditional groups (?(name)…)");
  // variants for conditionals: yes first (the group took part), then no
  const names = [...new Set(conds.map((c) => c.name))];
  const variants: TranslatedVariant[] = [];
  const total = 1 << names.length;
  for (let mask = 0; mask < total; mask++) {
    let s = out;
    const present = names.filter((_, i) => (mask & (1 << i)) === 0);
    for (const name of names) {
      const isPresent = present.includes(name);
      s = s.replace(
        new RegExp(String.raw`\u0000C${escapeRe(name)}\u0001([^\u0002]*)\u0002([^\u0003]*)\u0003`, "g"),
        (_m, yes: string, no: string) => (isPresent ? yes : no),
      );
      if (!isPresent) s = s.replace(`(?<${name}>`, "(?:(?!)");
    }
    variants.push({ source: s, flags, mustHave: present });
  }
  return { variants, groups, notes };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface ConvCtx {
  /** Python's re.MULTILINE: ^ and $ at every "\n" */
  multiline: boolean;
  /** Python's re.DOTALL: . also matches "\n" */
  dotAll: boolean;
  /** Python's re.ASCII: \s \d \w \b are ASCII-only */
  ascii: boolean;
  conds: Cond[];
  groups: string[];
  notes: string[];
  caseFold: boolean;
}

/** Convert src[from, to) — a sequence of regex items — into JS syntax. */
function convert(src: string, from: number, to: number, ctx: ConvCtx): string {
  let out = "";
  let i = from;
  while (i < to) {
    const c = src[i] as string;
    if (c === "\\") {
      const n = src[i + 1] ?? "";
      if (n === "A") out += "(?<![\\s\\S])";
      else if (n === "Z") out += "(?![\\s\\S])";
      else if (isClassEscape(n)) out += classEscape(n, ctx.ascii, false);
      else if (n === "b" || n === "B") out += ctx.ascii ? c + n : pyWordBoundary(n === "b");
      else if (ctx.caseFold && /[a-zA-Z]/.test(n) && !/[dDwWsSbBntrfv0-9xuU]/.test(n)) out += foldChar(n);
      else out += c + n;
      i += 2;
      continue;
    }
    if (c === "[") {
      const end = classEnd(src, i);
      let cls = src.slice(i, end);
      // Python: a "]" right after "[" or "[^" is literal; in JS "[]" / "[^]" are complete classes
      cls = cls.replace(/^(\[\^?)\]/, "$1\\]");
      if (ctx.caseFold) cls = foldClass(cls);
      out += expandClassEscapes(cls, ctx.ascii);
      i = end;
      continue;
    }
    if (c === ".") {
      // Python's . (without DOTALL) refuses only "\n"; JS's also refuses \r, U+2028 and U+2029
      out += ctx.dotAll ? "[\\s\\S]" : "[^\\n]";
      i++;
      continue;
    }
    if (c === "^") {
      // multi-line: at the start or after "\n" only (the JS m flag would also accept \r, U+2028, U+2029)
      out += ctx.multiline ? "(?<![^\\n])" : "^";
      i++;
      continue;
    }
    if (c === "$") {
      out += ctx.multiline ? "(?![^\\n])" : "(?=\\n?$)";
      i++;
      continue;
    }
    if (c === "{") {
      const q = /^\{,(\d+)\}/.exec(src.slice(i, to));
      if (q) {
        out += `{0,${q[1]}}`;
        i += q[0].length;
        continue;
      }
      out += c;
      i++;
      continue;
    }
    if ((c === "+" || c === "*" || c === "?" || c === "}") && src[i + 1] === "+") {
      throw new TranslateError(`possessive quantifier "${c}+" at ${i} is not supported`);
    }
    if (c === "(") {
      const close = groupEnd(src, i);
      if (close < 0 || close > to) throw new TranslateError(`unbalanced "(" at ${i}`);
      const head = src.slice(i, Math.min(i + 4, to));
      if (head.startsWith("(?#")) {
        i = close + 1;
        continue;
      }
      if (head.startsWith("(?>")) throw new TranslateError(`atomic group (?>…) at ${i} is not supported`);
      if (head.startsWith("(?P=")) {
        const name = src.slice(i + 4, close);
        out += `\\k<${name}>`;
        i = close + 1;
        continue;
      }
      if (head.startsWith("(?P<")) {
        const gt = src.indexOf(">", i);
        const name = src.slice(i + 4, gt);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TranslateError(`group name "${name}" is not valid`);
        if (ctx.groups.includes(name)) throw new TranslateError(`group "${name}" is defined twice`);
        ctx.groups.push(name);
        out += `(?<${name}>${convert(src, gt + 1, close, ctx)})`;
        i = close + 1;
        continue;
      }
      if (head.startsWith("(?(")) {
        const rp = src.indexOf(")", i + 3);
        const name = src.slice(i + 3, rp);
        if (/^\d+$/.test(name)) throw new TranslateError(`conditional on a numbered group (?(${name})…) is not supported`);
        // split the body at the top-level "|"
        const bar = topLevelBar(src, rp + 1, close);
        const yes = convert(src, rp + 1, bar < 0 ? close : bar, ctx);
        const no = bar < 0 ? "" : convert(src, bar + 1, close, ctx);
        if (/[\u0000-\u0003]/.test(yes + no)) throw new TranslateError("nested conditionals are not supported");
        ctx.conds.push({ name, start: i, end: close, yes, no });
        out += `\u0000C${name}\u0001(?:${yes})\u0002(?:${no})\u0003`;
        i = close + 1;
        continue;
      }
      const local = /^\(\?([aiLmsux]*)(?:-([imsx]+))?:/.exec(src.slice(i, close));
      if (local && (local[1] || local[2])) {
        const on = local[1] as string;
        const body = i + local[0].length;
        const off = local[2] ?? "";
        if (on.includes("x")) throw new TranslateError("verbose mode (?x:…) is not supported");
        // s, m and a are written into the pattern, so they apply locally exactly; only -i cannot be undone
        if (off.includes("i")) ctx.notes.push(`local flags (?${on}-${off}:…) approximated`);
        const inner: ConvCtx = {
          ...ctx,
          caseFold: ctx.caseFold || on.includes("i"),
          dotAll: on.includes("s") || (ctx.dotAll && !off.includes("s")),
          multiline: on.includes("m") || (ctx.multiline && !off.includes("m")),
          ascii: ctx.ascii || on.includes("a"),
        };
        out += `(?:${convert(src, body, close, inner)})`;
        i = close + 1;
        continue;
      }
      if (/^\(\?[aiLmsux]+\)/.test(src.slice(i))) throw new TranslateError(`global flags not at the start of the regex (at ${i})`);
      // plain, non-capturing or lookaround group: keep its opener
      const opener = /^\((?:\?(?::|=|!|<=|<!))?/.exec(src.slice(i)) as RegExpExecArray;
      out += `${opener[0]}${convert(src, i + opener[0].length, close, ctx)})`;
      i = close + 1;
      continue;
    }
    out += ctx.caseFold && /[a-zA-Z]/.test(c) ? foldChar(c) : c;
    i++;
  }
  return out;
}

type ClassLetter = "s" | "S" | "d" | "D" | "w" | "W";
const isClassEscape = (n: string): n is ClassLetter => n.length === 1 && "sSdDwW".includes(n);

/** \s \S \d \D \w \W with Python's meaning: a whole class, or (inClass) a body to put inside one */
function classEscape(n: ClassLetter, ascii: boolean, inClass: boolean): string {
  // re.ASCII: JS's own \d \w are ASCII; Python's ASCII \s is [ \t\n\r\f\v] (JS's has Unicode spaces)
  if (ascii) {
    if (n === "s") return inClass ? "\\t-\\r " : "[\\t-\\r ]";
    if (n === "S") return inClass ? "\\0-\\x08\\x0e-\\x1f!-\\uffff" : "[^\\t-\\r ]";
    return `\\${n}`;
  }
  if (inClass) return pyClassBody(n);
  const lower = n.toLowerCase() as ClassLetter;
  return n === lower ? `[${pyClassBody(n)}]` : `[^${pyClassBody(lower)}]`;
}

/** rewrite the class escapes inside a (translated) character class; "\b" there is a backspace, kept */
function expandClassEscapes(cls: string, ascii: boolean): string {
  return cls.replace(/\\([\s\S])/g, (all, n: string) => (isClassEscape(n) ? classEscape(n, ascii, true) : all));
}

function foldChar(c: string): string {
  const l = c.toLowerCase();
  const u = c.toUpperCase();
  return l === u ? c : `[${l}${u}]`;
}

/** add the other case of every letter in a character class */
function foldClass(cls: string): string {
  const neg = cls.startsWith("[^");
  const body = cls.slice(neg ? 2 : 1, -1);
  let extra = "";
  for (let k = 0; k < body.length; k++) {
    const ch = body[k] as string;
    if (ch === "\\") {
      k++;
      continue;
    }
    if (body[k + 1] === "-" && body[k + 2] !== undefined && body[k + 2] !== "]") {
      const a = ch;
      const b = body[k + 2] as string;
      if (/[a-z]/.test(a) && /[a-z]/.test(b)) extra += `${a.toUpperCase()}-${b.toUpperCase()}`;
      else if (/[A-Z]/.test(a) && /[A-Z]/.test(b)) extra += `${a.toLowerCase()}-${b.toLowerCase()}`;
      k += 2;
      continue;
    }
    if (/[a-zA-Z]/.test(ch)) extra += ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
  }
  return `[${neg ? "^" : ""}${body}${extra}]`;
}

/** index just past the "]" closing the class opened at `at` (Python rules: a "]" first is literal) */
export function classEnd(src: string, at: number): number {
  let k = at + 1;
  if (src[k] === "^") k++;
  if (src[k] === "]") k++;
  while (k < src.length) {
    const ch = src[k];
    if (ch === "\\") k += 2;
    else if (ch === "]") return k + 1;
    else k++;
  }
  throw new TranslateError(`unterminated character class at ${at}`);
}

/** index of the ")" closing the group opened at `at`, or -1 */
export function groupEnd(src: string, at: number): number {
  let depth = 0;
  let k = at;
  while (k < src.length) {
    const ch = src[k];
    if (ch === "\\") {
      k += 2;
      continue;
    }
    if (ch === "[") {
      k = classEnd(src, k);
      continue;
    }
    if (ch === "(") depth++;
    else if (ch === ")") {
      depth--;
      if (depth === 0) return k;
    }
    k++;
  }
  return -1;
}

function topLevelBar(src: string, from: number, to: number): number {
  let depth = 0;
  let k = from;
  while (k < to) {
    const ch = src[k];
    if (ch === "\\") {
      k += 2;
      continue;
    }
    if (ch === "[") {
      k = classEnd(src, k);
      continue;
    }
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "|" && depth === 0) return k;
    k++;
  }
  return -1;
}
