// Python's character classes \s \d \w, as JavaScript character-class bodies. fail2ban compiles its regexes as
// Python str patterns, where these classes are Unicode-aware: \w is every letter and number (str.isalnum) plus
// "_", \d every decimal digit (Nd), \s Python's own whitespace set. JavaScript (without the u flag, which the
// translation does not use: it would reject many of fail2ban's identity escapes) has ASCII \w and \d, and a \s
// that differs from Python's (it has U+FEFF; it lacks U+001C–U+001F and U+0085). Each difference lets a user
// name dodge a translated filter, so regex.ts writes these explicit sets instead. Sets cover the BMP (one
// UTF-16 unit per character; astral characters stay outside \w and \d, as before). Computed once, on first use.

type Range = [number, number];

/** Python 3's str.isspace(), which re's \s uses for str patterns (checked with Python 3.11) */
const PY_SPACE: Range[] = [
  [0x09, 0x0d],
  [0x1c, 0x20],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

/** BMP code units for which `test` holds, as ranges */
function rangesOf(test: RegExp): Range[] {
  const out: Range[] = [];
  for (let c = 0; c <= 0xffff; c++) {
    if (!test.test(String.fromCharCode(c))) continue;
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

function complement(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of ranges) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

const hex = (c: number) => `\\u${c.toString(16).padStart(4, "0")}`;
const body = (ranges: Range[]) => ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join("");

const cache = new Map<string, string>();

/**
 * The class body (no brackets) of Python's \s \S \d \D \w \W for str patterns. Usable inside a JS class too,
 * so "[^\S,]" and "[\W.]" keep Python's meaning (the complement is written out, not negated).
 */
export function pyClassBody(letter: "s" | "S" | "d" | "D" | "w" | "W"): string {
  let b = cache.get(letter);
  if (b !== undefined) return b;
  const lower = letter.toLowerCase();
  // Python: \d is str.isdecimal() (Nd); \w is str.isalnum() or "_" — letters (L*) and numbers (N*)
  const ranges = lower === "s" ? PY_SPACE : lower === "d" ? rangesOf(/^\p{Nd}$/u) : rangesOf(/^[\p{L}\p{N}_]$/u);
  b = body(letter === lower ? ranges : complement(ranges));
  cache.set(letter, b);
  return b;
}

/** Python's \b (true) or \B (false) for str patterns: a boundary between a Python \w and a non-\w */
export function pyWordBoundary(boundary: boolean): string {
  const w = `[${pyClassBody("w")}]`;
  return boundary ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
}
