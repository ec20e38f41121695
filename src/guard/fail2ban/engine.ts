// The matcher of an imported fail2ban filter: fail2ban's Filter.processLine / findFailure / _mergeFailure
// (server/filter.py) over translated regexes. It keeps fail2ban's semantics — the date is cut out of the
// line before matching, prefregex with <F-CONTENT> narrows the text the failregexes see, ignoreregex,
// maxlines buffers with <SKIPLINES>, multi-line failure ids (<F-MLFID>) with <F-NOFAIL>, <F-MLFFORGET>,
// <F-MLFGAINED> and pending failures whose address comes later — so that fail2ban's own sample logs
// pass. Compiled once per filter (CompiledFilter); per-source state lives in EngineState.
import { boundedRegExp } from "./bounded.js";
import { DateDetector, type DateTemplate, type TimeContext, templatesFor } from "./dates.js";
import type { FilterDefinition } from "./filter-config.js";
import { resolveTags, TranslateError, translatePython } from "./regex.js";

export type Groups = Record<string, string | undefined>;

/** a tuple line as fail2ban keeps it: text before the date, the date, text after */
type TupleLine = [string, string, string];

class CompiledRegex {
  readonly variants: { re: RegExp; mustHave: string[] }[];
  readonly alt: [string, string][] = [];
  readonly tuple: [string, string][] = [];
  readonly groups: string[];
  constructor(
    readonly original: string,
    multiline: boolean,
    useDns: string,
  ) {
    const t = translatePython(resolveTags(original, useDns), multiline);
    if (original.trim() === "") throw new TranslateError("empty regex");
    this.variants = t.variants.map((v) => ({ re: boundedRegExp(v.source, v.flags), mustHave: v.mustHave }));
    this.groups = t.groups;
    for (const k of t.groups) {
      const m = /^(alt_|tuple_)(.*?)(?:_\d+)?$/.exec(k);
      if (!m || k.length <= 4) continue;
      const n = (m[2] as string).toLowerCase();
      const mapped = n === "id" ? "fid" : n === "port" ? "fport" : n;
      (m[1] === "alt_" ? this.alt : this.tuple).push([k, mapped]);
    }
    this.alt.sort();
    this.tuple.sort();
  }

  /** leftmost match over the variants (a conditional's yes-variant first) */
  search(buf: string): RegExpExecArray | undefined {
    for (const v of this.variants) {
      v.re.lastIndex = 0;
      const m = v.re.exec(buf);
      if (!m) continue;
      if (v.mustHave.some((g) => m.groups?.[g] === undefined)) continue;
      return m;
    }
    return undefined;
  }

  groupsOf(m: RegExpExecArray): Groups {
    const g: Groups = { ...(m.groups ?? {}) };
    for (const [k, n] of this.alt) {
      const v = g[k];
      if (v && !g[n]) g[n] = v;
    }
    for (const [k, n] of this.tuple) {
      const v = g[k];
      const t = g[n];
      g[n] = `${t ?? ""}\u0000${v ?? ""}`;
    }
    return g;
  }
}

const joinTuples = (lines: TupleLine[]) => `${lines.map((l) => l[0] + l[2]).join("\n")}\n`;

/** which tuple lines a match covers (fail2ban's Regex.search bookkeeping for multi-line buffers) */
function splitMatched(m: RegExpExecArray, lines: TupleLine[], re: CompiledRegex): { matched: TupleLine[]; unmatched: TupleLine[] } {
  if (lines.length <= 1) return { matched: lines, unmatched: [] };
  const s = m.input;
  const start = s.lastIndexOf("\n", m.index) + 1;
  let end = s.indexOf("\n", m.index + m[0].length - 1);
  end = end < 0 ? s.length : end + 1;
  const count = (to: number) => {
    let n = 0;
    for (let k = 0; k < to; k++) if (s.charCodeAt(k) === 10) n++;
    return n;
  };
  const c1 = count(start);
  const c2 = count(end);
  const matched = lines.slice(c1, c2);
  const unmatched = lines.slice(0, c1);
  const skipped: string[] = [];
  for (let n = 0; ; n++) {
    if (!re.groups.includes(`skiplines${n}`)) break;
    const v = m.groups?.[`skiplines${n}`];
    if (v) skipped.push(...v.split("\n").filter((x, i, a) => !(i === a.length - 1 && x === "")));
  }
  let n = 0;
  for (const sk of skipped) {
    for (let k = n; k < matched.length; k++) {
      const t = matched[k] as TupleLine;
      if (t[0] + t[2] === sk) {
        unmatched.push(...matched.splice(k, 1));
        n = k;
        break;
      }
    }
  }
  unmatched.push(...lines.slice(c2));
  return { matched, unmatched };
}

export interface FailureResult {
  /** index of the failregex */
  index: number;
  /** failure id: the address text, or the <F-ID>, or undefined for a pending failure */
  id: string | undefined;
  /** seconds since the epoch */
  time: number | undefined;
  fail: FailData;
}

export interface FailData {
  [key: string]: unknown;
  user?: string;
  users?: Set<string>;
  nofail?: string;
  matches?: string[];
}

export interface CompileProblem {
  option: string;
  regex: string;
  reason: string;
}

/** A fail2ban filter compiled for matching. */
export class CompiledFilter {
  readonly fail: (CompiledRegex | undefined)[] = [];
  readonly ignore: CompiledRegex[] = [];
  readonly pref: CompiledRegex | undefined;
  readonly templates: DateTemplate[];
  readonly problems: CompileProblem[] = [];
  readonly maxlines: number;

  constructor(readonly def: FilterDefinition) {
    this.maxlines = def.maxlines;
    const multiline = def.maxlines > 1;
    const useDns = def.usedns ?? "warn";
    const compile = (option: string, regex: string): CompiledRegex | undefined => {
      try {
        return new CompiledRegex(regex, multiline, useDns);
      } catch (e) {
        this.problems.push({ option, regex, reason: e instanceof TranslateError || e instanceof SyntaxError ? e.message : String(e) });
        return undefined;
      }
    };
    this.pref = def.prefregex === undefined ? undefined : compile("prefregex", def.prefregex);
    if (def.prefregex !== undefined && !this.pref) {
      // without its prefregex the failregexes would see the wrong text: refuse them all
      this.problems.push({ option: "failregex", regex: "*", reason: "the prefregex could not be translated, so no failregex can run" });
    } else {
      for (const r of def.failregex) {
        const c = compile("failregex", r);
        if (c && !hasFailureId(c) && !(this.pref && hasFailureId(this.pref))) {
          this.problems.push({ option: "failregex", regex: r, reason: "no failure-id group (<HOST>, <ADDR>, <F-ID>, …)" });
          this.fail.push(undefined);
        } else this.fail.push(c);
      }
    }
    for (const r of def.ignoreregex) {
      const c = compile("ignoreregex", r);
      if (c) this.ignore.push(c);
    }
    let templates: DateTemplate[] = [];
    try {
      templates = templatesFor(def.datepattern);
    } catch (e) {
      this.problems.push({ option: "datepattern", regex: def.datepattern ?? "", reason: (e as Error).message });
      templates = templatesFor(undefined);
    }
    this.templates = templates;
  }

  createState(): EngineState {
    return new EngineState(this);
  }
}

function hasFailureId(c: CompiledRegex): boolean {
  return ["fid", "ip4", "ip6", "dns", "mlfid"].some((g) => c.groups.includes(g));
}

interface MlfidEntry {
  time: number;
  fail: FailData;
}

/** Per-source state: the date detector, the line buffer, the multi-line failure-id cache. */
export class EngineState {
  private readonly dates: DateDetector;
  private lineBuffer: TupleLine[] = [];
  private lastDate: number | undefined;
  private lastTimeText = "";
  private readonly mlfid = new Map<string, MlfidEntry>();

  constructor(readonly filter: CompiledFilter) {
    this.dates = new DateDetector(filter.templates);
  }

  /**
   * fail2ban's processLine. `date` (seconds) given: the line has no date to detect (journal entries).
   * checkAll: report every matching regex (the sample harness), not just the first.
   */
  processLine(line: string, ctx: TimeContext, opts: { date?: number; checkAll?: boolean } = {}): FailureResult[] {
    let tuple: TupleLine;
    let date: number | undefined;
    const nowS = ctx.nowMs / 1000;
    if (opts.date !== undefined) {
      tuple = ["", "", line];
      date = opts.date;
      this.lastDate = date;
    } else {
      const dm = this.dates.match(line, ctx);
      if (dm) {
        const text = line.slice(dm.start, dm.end);
        tuple = [line.slice(0, dm.start), text, line.slice(dm.end)];
        if (!dm.empty) {
          if (dm.time !== undefined) {
            date = dm.time;
            this.lastTimeText = text;
            this.lastDate = date;
          }
        } else if (this.lastDate !== undefined && this.lastDate > nowS - 60) {
          tuple = ["", this.lastTimeText, line];
          date = this.lastDate;
        } else date = nowS;
      } else tuple = ["", "", line];
      if (date === undefined && this.lastDate !== undefined && this.lastDate > nowS - 60) {
        tuple = ["", this.lastTimeText, line];
        date = this.lastDate;
      }
    }
    return this.findFailure(tuple, date, opts.checkAll === true);
  }

  private findFailure(tuple: TupleLine, date: number | undefined, checkAll: boolean): FailureResult[] {
    const f = this.filter;
    const out: FailureResult[] = [];
    let orgBuffer: TupleLine[];
    if (f.maxlines > 1) {
      this.lineBuffer.push(tuple);
      this.lineBuffer = this.lineBuffer.slice(-f.maxlines);
      orgBuffer = this.lineBuffer;
    } else {
      this.lineBuffer = [tuple];
      orgBuffer = this.lineBuffer;
    }
    let buf: string | undefined = joinTuples(orgBuffer);
    if (f.ignore.length > 0 && f.ignore.length < f.fail.length - 2) {
      if (this.ignoreLine(buf, orgBuffer, undefined, checkAll) !== undefined) return out;
    }
    let preGroups: Groups | undefined;
    if (f.pref) {
      const pm = f.pref.search(buf);
      if (!pm) return out;
      preGroups = f.pref.groupsOf(pm);
      const content = preGroups.content;
      delete preGroups.content;
      if (content) {
        this.lineBuffer = [["", "", content]];
        buf = undefined;
      }
    }
    for (let index = 0; index < f.fail.length; index++) {
      const re = f.fail[index];
      if (!re) continue;
      buf ??= joinTuples(this.lineBuffer);
      const m = re.search(buf);
      if (!m) continue;
      let fail: FailData = { ...re.groupsOf(m) } as FailData;
      const { matched, unmatched } = splitMatched(m, this.lineBuffer, re);
      if (f.ignore.length > 0 && this.ignoreLine(buf, orgBuffer, matched, checkAll, unmatched) !== undefined) {
        buf = undefined;
        if (!checkAll) break;
        continue;
      }
      if (!checkAll || f.maxlines > 1) {
        this.lineBuffer = unmatched;
        buf = undefined;
      }
      if (preGroups) fail = { ...preGroups, ...fail } as FailData;
      for (const k of Object.keys(fail)) if (fail[k] === undefined) delete fail[k];
      const matchedText = matched.map((t) => t.join(""));
      const mlfid = fail.mlfid as string | undefined;
      if (mlfid !== undefined) {
        fail = this.mergeFailure(mlfid, fail, matchedText, date);
        if (fail.nofail && !checkAll) return out;
      } else fail.matches = [...(fail.matches ?? []), ...matchedText];
      const fid = fail.fid as string | undefined;
      let ip = (fail.ip4 as string | undefined) ?? (fail.ip6 as string | undefined) ?? (fail.dns as string | undefined);
      if (ip === undefined) ip = fid;
      if (ip === undefined) {
        fail.mlfpending = 1;
        if (!checkAll) return out; // fail2ban's ignorePending
        out.push({ index, id: undefined, time: date, fail: checkAll && mlfid !== undefined ? { ...fail } : fail });
      } else {
        out.push({ index, id: fid ?? ip, time: date, fail: checkAll && mlfid !== undefined ? { ...fail } : fail });
        if (fid !== undefined && fid !== ip) fail.ip = ip;
      }
      if (!checkAll) break;
    }
    return out;
  }

  private ignoreLine(
    buf: string,
    orgBuffer: TupleLine[],
    matched: TupleLine[] | undefined,
    checkAll: boolean,
    unmatched?: TupleLine[],
  ): number | undefined {
    let text = buf;
    if (matched && this.filter.maxlines > 1) text = joinTuples(matched);
    let found: number | undefined;
    for (let k = 0; k < this.filter.ignore.length; k++) {
      const re = this.filter.ignore[k] as CompiledRegex;
      if (re.search(text)) {
        found = k;
        if ((!checkAll || this.filter.maxlines > 1) && unmatched) this.lineBuffer = unmatched;
        if (!checkAll) break;
      }
    }
    void orgBuffer;
    return found;
  }

  /** fail2ban's _mergeFailure: one connection's lines combined by its multi-line failure id */
  private mergeFailure(mlfid: string, failIn: FailData, matched: string[], date: number | undefined): FailData {
    let fail = failIn;
    const cached = this.mlfid.get(mlfid);
    let users: Set<string> | undefined;
    let flags = 0;
    if (fail.mlfgained) {
      flags |= 8 | 1;
      if (!fail.nofail) fail.nofail = fail.mlfgained as string;
    } else if (fail.nofail) flags |= 1;
    if (fail.mlfforget !== undefined) {
      delete fail.mlfforget;
      flags |= 2;
    }
    const updateUsers = (f: FailData, user: string | undefined): Set<string> | undefined => {
      if (user !== undefined) {
        f.users ??= new Set();
        f.users.add(user);
      }
      return f.users;
    };
    if (cached) {
      const g = cached.fail;
      users = updateUsers(g, fail.user);
      if (g.nofail !== undefined) {
        delete g.nofail;
        flags |= 4;
      }
      if (g.mlfgained !== undefined) {
        delete g.mlfgained;
        flags |= 4;
      }
      if (flags & 8) delete g.mlfpending;
      if ((flags & 4) === 0 && !g.mlfpending) delete g.matches;
      for (const [k, v] of Object.entries(fail)) if (v !== undefined) g[k] = v;
      fail = g;
      if (flags & 2) this.mlfid.delete(mlfid);
    } else if (!(flags & 2)) {
      users = updateUsers(fail, fail.user);
      this.mlfid.set(mlfid, { time: date ?? 0, fail });
      if (this.mlfid.size > 10_000) {
        const first = this.mlfid.keys().next().value;
        if (first !== undefined) this.mlfid.delete(first);
      }
    }
    if (fail.mlfpending || (users && users.size > 1)) {
      delete fail.mlfpending;
      delete fail.nofail;
      delete fail.mlfgained;
      flags &= ~(8 | 1);
    }
    if ((flags & 1) === 0) {
      const m = [...((fail["nofail-matches"] as string[] | undefined) ?? []), ...(fail.matches ?? [])];
      delete fail["nofail-matches"];
      if ((flags & 8) === 0) m.push(...matched);
      fail.matches = m;
    } else if ((flags & 3) === 1) {
      fail["nofail-matches"] = [...((fail["nofail-matches"] as string[] | undefined) ?? []), ...matched];
    }
    return fail;
  }
}
