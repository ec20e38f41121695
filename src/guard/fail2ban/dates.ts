// fail2ban's date handling for imported filters (server/datedetector.py, datetemplate.py, strptime.py):
// `datepattern` strptime patterns (%Y %m %d %H %M %S %b %a %z %Z %f %p %I %k %Ex… with %% for a literal %),
// the markers {^LN-BEG}, {UNB}, {DATE}, {NONE}, **, Epoch/LEpoch/{EPOCH}, TAI64N, ISO8601, and the default
// template list with its "first template near the line start wins" detection. Times without a zone are
// local time (the process time zone, or a fixed offset when configured), years are inferred from the clock
// as fail2ban does (a date more than a day in the future belongs to last year).
// The built-in sshd filter has its own faster envelope parser (../envelope.ts); this module reproduces
// fail2ban's semantics exactly, which its sample logs test.
import { boundedRegExp } from "./bounded.js";
import { TranslateError, translatePython } from "./regex.js";

const LINE_BEGIN = 8;
const LINE_END = 4;

export interface DateMatch {
  /** the date text's bounds in the line */
  start: number;
  end: number;
  /** seconds since the epoch, or undefined when unparsable */
  time: number | undefined;
  /** the template matched an empty text ({NONE}, optional dates) */
  empty: boolean;
}

export interface TimeContext {
  /** now, in ms */
  nowMs: number;
  /** fixed offset (minutes east of UTC) for times without a zone; undefined: the process's local zone */
  utcOffsetMinutes?: number | undefined;
  /** default zone for the log (fail2ban's logtimezone), in minutes east of UTC */
  defaultTzMinutes?: number | undefined;
}

export interface DateTemplate {
  name: string;
  flags: number;
  /** search the line; returns the date group bounds and raw groups */
  find(line: string): { start: number; end: number; groups: Record<string, string | undefined> } | undefined;
  toTime(text: string, groups: Record<string, string | undefined>, ctx: TimeContext): number | undefined;
}

// --- strptime fields (fail2ban's timeRE) ------------------------------------------------------------
const MONTHS_SHORT = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTHS_LONG = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

function yearCentury(nowYear: number): string {
  const set = new Set<string>();
  for (let y = 2000; y <= nowYear + 3; y++) set.add(String(y).slice(0, 3));
  const digits = [...set].map((s) => s.slice(2));
  return digits.length === 1 ? `20${digits[0]}` : `20[${digits.join("")}]`;
}

const TIME_RE: Record<string, string> = {
  d: String.raw`(?P<d>[1-2]\d|[0 ]?[1-9]|3[0-1])`,
  f: String.raw`(?P<f>[0-9]{1,6})`,
  H: String.raw`(?P<H>[0-1]?\d|2[0-3])`,
  I: String.raw`(?P<I>1[0-2]|0[1-9]|[1-9])`,
  G: String.raw`(?P<G>\d\d\d\d)`,
  j: String.raw`(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])`,
  m: String.raw`(?P<m>0?[1-9]|1[0-2])`,
  M: String.raw`(?P<M>[0-5]?\d)`,
  S: String.raw`(?P<S>[0-5]?\d|6[0-1])`,
  U: String.raw`(?P<U>5[0-3]|[0-4]\d|\d)`,
  w: String.raw`(?P<w>[0-6])`,
  u: String.raw`(?P<u>[1-7])`,
  V: String.raw`(?P<V>5[0-3]|0[1-9]|[1-4]\d|\d)`,
  y: String.raw`(?P<y>\d\d)`,
  Y: String.raw`(?P<Y>\d{4})`,
  z: String.raw`(?P<z>Z|UTC|GMT|[+-][01]\d(?::?\d{2})?)`,
  A: String.raw`(?P<A>wednesday|thursday|saturday|tuesday|monday|friday|sunday)`,
  a: String.raw`(?P<a>mon|tue|wed|thu|fri|sat|sun)`,
  B: String.raw`(?P<B>september|february|november|december|january|october|august|march|april|june|july|may)`,
  b: String.raw`(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)`,
  p: String.raw`(?P<p>am|pm)`,
  Z: String.raw`(?P<Z>Z|[A-Z]{3,5})`,
  "%": "%",
  W: String.raw`(?P<W>5[0-3]|[0-4]\d|\d)`,
  k: String.raw` ?(?P<H>[0-2]?\d)`,
  l: String.raw` ?(?P<I>1?\d)`,
  ExZ: String.raw`(?P<Z>[A-Z](?:[A-Z]{2,4})?)`,
  Exz: String.raw`(?P<z>(?:[A-Z](?:[A-Z]{2,4})?)?[+-][01]\d(?::?\d{2})?|[A-Z](?:[A-Z]{2,4})?)`,
  Exd: String.raw`(?P<d>[1-2]\d|0[1-9]|3[0-1])`,
  Exm: String.raw`(?P<m>0[1-9]|1[0-2])`,
  ExH: String.raw`(?P<H>[0-1]\d|2[0-3])`,
  Exk: String.raw` ?(?P<H>[0-1]?\d|2[0-3])`,
  Exl: String.raw` ?(?P<I>1[0-2]|\d)`,
  ExM: String.raw`(?P<M>[0-5]\d)`,
  ExS: String.raw`(?P<S>[0-5]\d|6[0-1])`,
  ExY: `(?P<Y>${yearCentury(new Date().getUTCFullYear())}\\d)`,
  Exy: String.raw`(?P<y>\d{2})`,
};
const FIELD_RE = /%(%|ExZ|Exz|Exd|Exm|ExH|Exk|Exl|ExM|ExS|ExY|Exy|[dfHIGjmMSUwuVyYzAaBbpZWkl])/g;

// --- time zones (fail2ban's TZ_STR: abbreviation → fixed offset) --------------------------------------
const TZ_STR = `-12 Y
-11 X NUT SST
-10 W CKT HAST HST TAHT TKT
-9 V AKST GAMT GIT HADT HNY
-8 U AKDT CIST HAY HNP PST PT
-7 T HAP HNR MST PDT
-6 S CST EAST GALT HAR HNC MDT
-5 R CDT COT EASST ECT EST ET HAC HNE PET
-4 Q AST BOT CLT COST EDT FKT GYT HAE HNA PYT
-3 P ADT ART BRT CLST FKST GFT HAA PMST PYST SRT UYT WGT
-2 O BRST FNT PMDT UYST WGST
-1 N AZOT CVT EGT
0 Z EGST GMT UTC WET WT
1 A CET DFT WAT WEDT WEST
2 B CAT CEDT CEST EET SAST WAST
3 C EAT EEDT EEST IDT MSK
4 D AMT AZT GET GST KUYT MSD MUT RET SAMT SCT
5 E AMST AQTT AZST HMT MAWT MVT PKT TFT TJT TMT UZT YEKT
6 F ALMT BIOT BTT IOT KGT NOVT OMST YEKST
7 G CXT DAVT HOVT ICT KRAT NOVST OMSST THA WIB
8 H ACT AWST BDT BNT CAST HKT IRKT KRAST MYT PHT SGT ULAT WITA WST
9 I AWDT IRKST JST KST PWT TLT WDT WIT YAKT
10 K AEST ChST PGT VLAT YAKST YAPT
11 L AEDT LHDT MAGT NCT PONT SBT VLAST VUT
12 M ANAST ANAT FJT GILT MAGST MHT NZST PETST PETT TVT WFT
13 FJST NZDT
11.5 NFT
10.5 ACDT LHST
9.5 ACST
6.5 CCT MMT
5.75 NPT
5.5 SLT
4.5 AFT IRDT
3.5 IRST
-2.5 HAT NDT
-3.5 HNT NST NT
-4.5 HLV VET
-9.5 MART MIT`;
const TZ_ABBR = new Map<string, number>([["", 0]]);
for (const line of TZ_STR.split("\n")) {
  const [off, ...names] = line.trim().split(/\s+/);
  for (const n of names) TZ_ABBR.set(n, Math.round(Number(off) * 60));
}

/** fail2ban's zone2offset: "UTC", "CET", "+0200", "CET+01:00", "-04" → minutes east of UTC */
export function zoneOffset(tz: string): number | undefined {
  if (tz === "Z" || tz === "UTC" || tz === "GMT") return 0;
  const m = /^([A-Z](?:[A-Z]{2,4})?)?([+-][01]\d(?::?\d{2})?)?$/.exec(tz);
  if (!m) return undefined;
  const base = TZ_ABBR.get(m[1] ?? "");
  if (base === undefined) return undefined;
  const o = m[2];
  if (!o) return base;
  const sign = o[0] === "-" ? -1 : 1;
  if (o.length <= 3) return base + Number(o);
  const mm = o[3] === ":" ? o.slice(4, 6) : o.slice(3, 5);
  return base + sign * (Number(o.slice(1, 3)) * 60 + Number(mm));
}

// --- local time helpers ----------------------------------------------------------------------------------
/** naive wall-clock fields → epoch seconds, in the configured zone */
function localToEpoch(y: number, mo: number, d: number, h: number, mi: number, s: number, ctx: TimeContext): number {
  if (ctx.utcOffsetMinutes !== undefined) return Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - ctx.utcOffsetMinutes * 60;
  const dt = new Date(0);
  dt.setFullYear(y, mo - 1, d);
  dt.setHours(h, mi, s, 0);
  return dt.getTime() / 1000;
}

/** now as naive local wall-clock, expressed as a UTC epoch of the same fields (for comparisons) */
function nowNaive(ctx: TimeContext): number {
  if (ctx.utcOffsetMinutes !== undefined) return ctx.nowMs / 1000 + ctx.utcOffsetMinutes * 60;
  const d = new Date(ctx.nowMs);
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) / 1000;
}

/** fail2ban's reGroupDictStrptime */
export function strptimeFields(g: Record<string, string | undefined>, ctx: TimeContext): number | undefined {
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let tzoffset: number | undefined;
  for (const [key, val] of Object.entries(g)) {
    if (val === undefined || val === null) continue;
    switch (key) {
      case "y":
        year = Number(val);
        if (year <= 2000) year += 2000;
        break;
      case "Y":
        year = Number(val);
        break;
      case "m":
        month = Number(val);
        break;
      case "B":
        month = MONTHS_LONG.indexOf(val.toLowerCase()) + 1;
        break;
      case "b":
        month = MONTHS_SHORT.indexOf(val.toLowerCase()) + 1;
        break;
      case "d":
        day = Number(val);
        break;
      case "H":
        hour = Number(val);
        break;
      case "I": {
        hour = Number(val);
        const ampm = (g.p ?? "").toLowerCase();
        if (ampm === "" || ampm === "am") {
          if (hour === 12) hour = 0;
        } else if (ampm === "pm" && hour !== 12) hour += 12;
        break;
      }
      case "M":
        minute = Number(val);
        break;
      case "S":
        second = Number(val);
        break;
      case "z":
      case "Z":
        tzoffset = zoneOffset(val);
        if (tzoffset === undefined) return undefined;
        break;
    }
  }
  const nowN = nowNaive(ctx);
  const nowDate = new Date(nowN * 1000);
  let assumeYear = false;
  if (year === undefined) {
    year = nowDate.getUTCFullYear();
    assumeYear = true;
  }
  let assumeToday = false;
  if (month === undefined && day === undefined) {
    month = nowDate.getUTCMonth() + 1;
    day = nowDate.getUTCDate();
    assumeToday = true;
  }
  if (month === undefined || day === undefined || month < 1) return undefined;
  // naive result as a UTC epoch of its fields
  let naive = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  if (new Date(naive * 1000).getUTCDate() !== day) return undefined; // invalid date (Feb 30)
  if (tzoffset === undefined && ctx.defaultTzMinutes !== undefined) tzoffset = ctx.defaultTzMinutes;
  if (tzoffset !== undefined) naive -= tzoffset * 60;
  if (assumeToday && naive > nowN) naive -= 86400;
  if (assumeYear && naive > nowN + 86400) {
    const d = new Date(naive * 1000);
    d.setUTCFullYear(year - 1);
    naive = d.getTime() / 1000;
  }
  if (tzoffset !== undefined) return naive;
  const d = new Date(naive * 1000);
  return localToEpoch(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), ctx);
}

// --- templates -----------------------------------------------------------------------------------------
const RE_NO_WRD_BOUND_BEG = /^\(*(?:\(\?\w+\))?(?:\^|\(*\*\*|\((?:\?:)?\^)/;
const RE_NO_WRD_BOUND_END = /(?<!\\)(?:\$\)?|\\b|\\s|\*\*\)*)$/;
const RE_LINE_BOUND_BEG = /^(?:\(\?\w+\))?(?:\^|\((?:\?:)?\^(?!\|))/;
const RE_LINE_BOUND_END = /(?<![\\|])(?:\$\)?)$/;
const RE_GROUPED = /(?<!(?:\(\?))(?<!\\)\((?!\?)/;

class RegexTemplate implements DateTemplate {
  flags = 0;
  readonly re: RegExp;
  readonly mustHave: string[];
  /** which capture group holds the date text */
  constructor(
    readonly name: string,
    regex: string,
    wordBegin: boolean | "start",
    wordEnd: boolean,
    private readonly convert: (text: string, groups: Record<string, string | undefined>, ctx: TimeContext) => number | undefined,
    private readonly dateGroup = 1,
  ) {
    let r = regex.trim();
    let gflags = "";
    const gf = /((?:^|(?!<\\))\(\?[a-z]+\))/.exec(r);
    if (gf) {
      gflags = gf[1] as string;
      r = r.replace(gf[1] as string, "");
    }
    const boundBegin = wordBegin !== false && !RE_NO_WRD_BOUND_BEG.test(r);
    const boundEnd = wordEnd && !RE_NO_WRD_BOUND_END.test(r);
    if (!RE_GROUPED.test(r)) {
      const m = /^((?:\(\?\w+\))?\^?(?:\(\?\w+\))?)(.*?)(\$?)$/s.exec(r) as RegExpExecArray;
      r = `${m[1]}(${m[2]})${m[3]}`;
    }
    if (boundBegin) {
      if (wordBegin !== "start") r = String.raw`(?=^|\b|\W)${r}`;
      else {
        this.flags |= LINE_BEGIN;
        r = String.raw`^(?:\W{0,2})?${r}`;
      }
    }
    if (boundEnd) r += String.raw`(?=\b|\W|$)`;
    if (!(this.flags & LINE_BEGIN) && RE_LINE_BOUND_BEG.test(r)) this.flags |= LINE_BEGIN;
    if (!(this.flags & LINE_END) && RE_LINE_BOUND_END.test(r)) this.flags |= LINE_END;
    r = r.replace(/^\(*(?:\(\?\w+\))?\(*\*\*|(?<!\\)\*\*\)*$/g, (m) => m.replace("**", ""));
    const t = translatePython(gflags + r, false);
    const v = t.variants[0];
    if (!v || t.variants.length > 1) throw new TranslateError(`date pattern "${name}" uses conditionals`);
    // Python's `$` in a date template means the end of the line (no trailing newline here)
    this.re = boundedRegExp(v.source.replaceAll("(?=\\n?$)", "$"), `${v.flags}d`);
    this.mustHave = v.mustHave;
  }

  find(line: string) {
    const m = this.re.exec(line);
    if (!m) return undefined;
    const idx = (m as RegExpExecArray & { indices: [number, number][] }).indices[this.dateGroup];
    if (!idx) return undefined;
    return { start: idx[0], end: idx[1], groups: { ...(m.groups ?? {}), __text: m[this.dateGroup] } };
  }

  toTime(text: string, groups: Record<string, string | undefined>, ctx: TimeContext): number | undefined {
    return this.convert(text, groups, ctx);
  }
}

const strptimeConvert = (_t: string, g: Record<string, string | undefined>, ctx: TimeContext) => {
  const { __text: _, ...fields } = g;
  return strptimeFields(fields, ctx);
};

/** a strptime-style datepattern (fail2ban's DatePatternRegex) */
export function patternTemplate(pattern: string): DateTemplate {
  let p = pattern;
  let wordBegin: boolean | "start" = true;
  let wordEnd = true;
  if (/^\{UNB\}/.test(p)) {
    p = p.replace(/^\{UNB\}/, "");
    wordBegin = wordEnd = false;
  }
  if (wordBegin && /^\{\^LN-BEG\}/.test(p)) {
    p = p.replace(/^\{\^LN-BEG\}/, "");
    wordBegin = "start";
  }
  let regex = p.replace(FIELD_RE, (_m, key: string) => {
    const r = TIME_RE[key];
    if (r === undefined) throw new TranslateError(`date pattern field %${key} is not supported`);
    return r;
  });
  if (/(?<!%)%[aAbBpc]/.test(p)) regex = `(?i)${regex}`;
  return new RegexTemplate(wordBegin === "start" ? `{^LN-BEG}${pattern}` : pattern, regex, wordBegin, wordEnd, strptimeConvert);
}

const EPOCH_RE = String.raw`\d{10,11}\b(?:\.\d{3,6})?`;
const LEPOCH_RE = String.raw`\d{10,11}(?:\d{3}(?:\.\d{1,6}|\d{3})?)?`;

function epochValue(v: string, long: boolean): number {
  if (long && v.length >= 13) return v.length >= 16 && !v.includes(".") ? Number(v) / 1e6 : Number(v) / 1000;
  return Number(v);
}

export function epochTemplate(opts: { lineBeginOnly?: boolean; pattern?: string; long?: boolean }): DateTemplate {
  const long = opts.long === true;
  const e = long ? LEPOCH_RE : EPOCH_RE;
  const conv = (t: string) => epochValue(t, long);
  if (opts.pattern) {
    const regex = `(${opts.pattern.replace(/(?<!\\)\{L?EPOCH\}/gi, `(${e})`)})`;
    return new RegexTemplate(opts.pattern, regex, true, true, conv, 2);
  }
  if (!opts.lineBeginOnly) {
    // fail2ban: at the line start, inside "[…]" at the line start, or after "audit(" (SELinux)
    const regex = String.raw`((?:^|(?<=^\[))${e}|(?<=\baudit\()${e}(?=:\d+\)))`;
    return new RegexTemplate(long ? "LongEpoch" : "Epoch", regex, false, true, conv);
  }
  const regex = String.raw`((?:(?<=^\[)${e}(?=\])|${e}))`;
  return new RegexTemplate(long ? "{^LN-BEG}LongEpoch" : "{^LN-BEG}Epoch", regex, "start", true, conv);
}

export function tai64nTemplate(start: boolean): DateTemplate {
  return new RegexTemplate(start ? "{^LN-BEG}TAI64N" : "TAI64N", "@[0-9a-f]{24}", start ? "start" : false, true, (t) =>
    Number.parseInt(t.slice(2, 17), 16),
  );
}

const DEFAULT_PATTERNS = [
  String.raw`%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?`,
  String.raw`(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  String.raw`(?:%a )?%b %d %ExY %k:%M:%S(?:\.%f)?`,
  String.raw`%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S`,
  String.raw`%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\.%f)?(?: %z)?`,
  String.raw`%m/%d/%ExY:%H:%M:%S`,
  String.raw`%m-%d-%ExY %k:%M:%S(?:\.%f)?`,
  "EPOCH",
  String.raw`{^LN-BEG}%H:%M:%S`,
  String.raw`^<%m/%d/%Exy@%H:%M:%S>`,
  String.raw`%Exy%Exm%Exd  ?%H:%M:%S`,
  String.raw`%b %d, %ExY %I:%M:%S %p`,
  String.raw`^%b-%d-%Exy %k:%M:%S`,
  String.raw`%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\s*%z)?`,
  String.raw`(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  String.raw`(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\.%f)?(?: %ExY)?`,
  "TAI64N",
];

function templateFor(pattern: string): DateTemplate {
  const key = pattern.includes("%") ? pattern : pattern.toUpperCase();
  if (key.includes("EPOCH")) {
    if (/(?<!\\)\{L?EPOCH\}/i.test(pattern)) return epochTemplate({ pattern, long: key.includes("LEPOCH") });
    if (["EPOCH", "{^LN-BEG}EPOCH", "^EPOCH"].includes(key)) return epochTemplate({ lineBeginOnly: key !== "EPOCH" });
    if (["LEPOCH", "{^LN-BEG}LEPOCH", "^LEPOCH"].includes(key)) return epochTemplate({ lineBeginOnly: key !== "LEPOCH", long: true });
  }
  if (["TAI64N", "{^LN-BEG}TAI64N", "^TAI64N"].includes(key)) return tai64nTemplate(key !== "TAI64N");
  if (key === "ISO8601") return patternTemplate(String.raw`%ExY-%Exm-%Exd(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\s*%z)?`);
  return patternTemplate(pattern);
}

/** fail2ban's default template list: anchored copies first (weight 100), then the originals */
function defaultTemplates(): { all: DateTemplate[]; plain: DateTemplate[] } {
  const anchored: DateTemplate[] = [];
  const plain: DateTemplate[] = [];
  for (const p of DEFAULT_PATTERNS) {
    const t = templateFor(p);
    plain.push(t);
    if (p.startsWith("{^LN-BEG}") || p.startsWith("^")) continue;
    anchored.push(templateFor(p === "EPOCH" || p === "TAI64N" ? `{^LN-BEG}${p}` : `{^LN-BEG}${p}`));
  }
  return { all: [...anchored, ...plain], plain };
}

let defaults: { all: DateTemplate[]; plain: DateTemplate[] } | undefined;
const defaultSet = () => {
  defaults ??= defaultTemplates();
  return defaults;
};

/** The templates for a filter's `datepattern` (one per line; undefined: fail2ban's defaults). */
export function templatesFor(datepattern: string | undefined): DateTemplate[] {
  if (datepattern === undefined || datepattern.trim() === "") return defaultSet().all;
  const out: DateTemplate[] = [];
  for (const line of datepattern
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const key = line.includes("%") ? line : line.toUpperCase();
    if (key === "{^LN-BEG}") out.push(...defaultSet().all.filter((t) => t.flags & LINE_BEGIN));
    else if (key === "{DEFAULT}") out.push(...defaultSet().all);
    else if (key.includes("{DATE}")) {
      for (const p of DEFAULT_PATTERNS) {
        const unbound = p.replace(/^\{\^LN-BEG\}/, "");
        if (p === "EPOCH" || p === "TAI64N") continue; // not strptime patterns: fail2ban wraps their regex
        out.push(patternTemplate(line.replace(/(?<!\\)\{DATE\}/gi, unbound)));
      }
    } else if (key === "{NONE}") out.push(patternTemplate("{UNB}^"));
    else out.push(templateFor(line));
  }
  return out;
}

interface Slot {
  template: DateTemplate;
  hits: number;
  distance: number;
}

/** fail2ban's DateDetector.matchTime: per-source state (last template, its position) */
export class DateDetector {
  private readonly slots: Slot[];
  private lastIdx = -1;
  private lastPos = 1;
  private lastEnd = 0x7fffffff;

  constructor(templates: DateTemplate[]) {
    this.slots = templates.map((template) => ({ template, hits: 0, distance: 0x7fffffff }));
  }

  match(line: string, ctx: TimeContext): DateMatch | undefined {
    let found: { m: NonNullable<ReturnType<DateTemplate["find"]>>; i: number } | undefined;
    let ignore = -1;
    const last = this.slots[this.lastIdx];
    if (last) {
      const m = last.template.find(line);
      ignore = this.lastIdx;
      if (m) {
        if (
          this.slots.length === 1 ||
          last.template.flags & (LINE_BEGIN | LINE_END) ||
          (m.start === this.lastPos && m.end === this.lastEnd)
        ) {
          return this.use(this.lastIdx, m, ctx);
        }
        found = { m, i: this.lastIdx };
      }
    }
    let best = found;
    for (let i = 0; i < this.slots.length; i++) {
      if (i === ignore) continue;
      const slot = this.slots[i] as Slot;
      const m = slot.template.find(line);
      if (!m) continue;
      const d = m.start;
      if (i + 1 >= this.slots.length) return this.use(i, m, ctx);
      if (slot.template.flags & (LINE_BEGIN | LINE_END)) return this.use(i, m, ctx);
      if (d === 0 && slot.hits > 0 && !(this.slots[i + 1] as Slot).hits) return this.use(i, m, ctx);
      if (d > slot.distance || d > this.lastPos) {
        if (!best || d < best.m.start) best = { m, i };
        continue;
      }
      return this.use(i, m, ctx);
    }
    return best ? this.use(best.i, best.m, ctx) : undefined;
  }

  private use(i: number, m: NonNullable<ReturnType<DateTemplate["find"]>>, ctx: TimeContext): DateMatch {
    const slot = this.slots[i] as Slot;
    slot.hits++;
    slot.distance = m.start;
    this.lastPos = m.start;
    this.lastEnd = m.end;
    this.lastIdx = i;
    const text = m.groups.__text ?? "";
    return { start: m.start, end: m.end, empty: text === "", time: text === "" ? undefined : slot.template.toTime(text, m.groups, ctx) };
  }
}
