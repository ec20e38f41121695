// The two kinds of wildcard matching sshd does: glob(3) paths for `Include` (resolved through HostFs, so
// `--root DIR` works; results sorted byte-wise like glibc glob in the C locale; hidden files only when the
// pattern names the dot) and match_pattern_list for `Match User/Group/Host/Address` ("a*,!admin").
// Both are hand-written iterative matchers: at most O(pattern × text) steps, no regex built from config text.
import path from "node:path";
import { cidrContains, tryParseCidr, tryParseIp } from "../core/ip.js";

/** The part of HostFs the config reader needs (HostFs fits; so does OverlayFs for candidate files). */
export interface ConfigFs {
  readTextIfExists(target: string): Promise<string | undefined>;
  exists(target: string): Promise<boolean>;
  stat(target: string): Promise<{ isFile(): boolean; isDirectory(): boolean } | undefined>;
  list(target: string): Promise<string[]>;
}

/** fnmatch(3) without flags: `*`, `?`, `[a-z]`, `[!x]`; '/' is not special here (callers split paths). */
export function wildcardMatch(pattern: string, text: string, caseInsensitive = false): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const t = caseInsensitive ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = -1;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === "*") {
      starP = pi++;
      starT = ti;
      continue;
    }
    if (pc !== undefined) {
      const step = matchOne(p, pi, t[ti] as string);
      if (step > 0) {
        pi += step;
        ti++;
        continue;
      }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    ti = ++starT;
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}

/** Does pattern char/class at p[pi] match ch? Returns the pattern length consumed, 0 when no match. */
function matchOne(p: string, pi: number, ch: string): number {
  const pc = p[pi] as string;
  if (pc === "?") return 1;
  if (pc === "\\" && pi + 1 < p.length) return p[pi + 1] === ch ? 2 : 0;
  if (pc !== "[") return pc === ch ? 1 : 0;
  let i = pi + 1;
  const negate = p[i] === "!" || p[i] === "^";
  if (negate) i++;
  let matched = false;
  let first = true;
  while (i < p.length && (first || p[i] !== "]")) {
    first = false;
    const lo = p[i] as string;
    if (p[i + 1] === "-" && i + 2 < p.length && p[i + 2] !== "]") {
      const hi = p[i + 2] as string;
      if (ch >= lo && ch <= hi) matched = true;
      i += 3;
    } else {
      if (ch === lo) matched = true;
      i++;
    }
  }
  if (i >= p.length) return pc === ch ? 1 : 0; // no closing ']': a literal '['
  return matched !== negate ? i + 1 - pi : 0;
}

const hasMagic = (s: string): boolean => /[*?[]/.test(s);

/** Expand an absolute glob through HostFs: matching paths, sorted, like glob(3) with no flags. */
export async function expandGlob(fs: ConfigFs, pattern: string): Promise<string[]> {
  const parts = path.posix.normalize(pattern).split("/").filter(Boolean);
  let current = ["/"];
  for (const [idx, part] of parts.entries()) {
    const last = idx === parts.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasMagic(part)) {
        const p = path.posix.join(dir, part);
        if (last ? await fs.exists(p) : (await fs.stat(p))?.isDirectory()) next.push(p);
        continue;
      }
      for (const name of await fs.list(dir)) {
        if (name.startsWith(".") && !part.startsWith(".")) continue;
        if (!wildcardMatch(part, name)) continue;
        const p = path.posix.join(dir, name);
        if (!last && !(await fs.stat(p))?.isDirectory()) continue;
        next.push(p);
      }
    }
    current = next;
  }
  return current.filter((p) => p !== "/").sort(byteOrder);
}

export function byteOrder(a: string, b: string): number {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

/**
 * sshd's match_pattern_list: comma-separated patterns, `!` negates. 1 = matched, 0 = no positive match,
 * -1 = a negated pattern matched (which always wins).
 */
export function matchPatternList(text: string, list: string, caseInsensitive = false): -1 | 0 | 1 {
  let got: 0 | 1 = 0;
  for (const raw of list.split(",")) {
    const neg = raw.startsWith("!");
    const pat = neg ? raw.slice(1) : raw;
    if (pat === "") continue;
    if (wildcardMatch(pat, text, caseInsensitive)) {
      if (neg) return -1;
      got = 1;
    }
  }
  return got;
}

/** sshd's addr_match_list: addresses, CIDRs and wildcards, `!` negates. */
export function matchAddressList(addr: string, list: string): -1 | 0 | 1 {
  const ip = tryParseIp(addr);
  let got: 0 | 1 = 0;
  for (const raw of list.split(",")) {
    const neg = raw.startsWith("!");
    const pat = neg ? raw.slice(1) : raw;
    let hit = false;
    if (pat.includes("/")) {
      const c = tryParseCidr(pat);
      hit = c.ok && ip.ok && cidrContains(c.value, ip.value);
    } else hit = wildcardMatch(pat, addr, true);
    if (hit) {
      if (neg) return -1;
      got = 1;
    }
  }
  return got;
}
