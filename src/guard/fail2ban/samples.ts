// fail2ban's sample-log suite run against rampart's import of fail2ban filters. Checks each annotated line
// as fail2ban's own harness does (tests/samplestestcase.py): `# failJSON: {...}` says whether the next line
// must match and with which host, time, user, users and attempts; `# filterOptions:` switches the filter's
// parameters (modes, logtype) for the lines that follow, and every line is checked under every active option
// set; `# fileOptions:`, `# addFILE:`, `test.condition`, `constraint` and journal lines (`logtype: journal`,
// which take the frozen clock as their date) work as there. The clock is frozen at fail2ban's TEST_NOW
// (2005-08-14 10:00 UTC) and local time is CET/CEST (Europe/Zurich), like fail2ban's test set-up. Lines with
// no annotation must not match. A line counts as passed when it passes under every option set.
import { HostFs } from "../../system/hostfs.js";
import type { TimeContext } from "./dates.js";
import { CompiledFilter, type EngineState, type FailureResult } from "./engine.js";
import { readFilter } from "./filter-config.js";
import type { ConfFs } from "./ini.js";

/** fail2ban's frozen test clock (tests/utils.py TEST_NOW) */
export const TEST_NOW = 1124013600;
/** the zone fail2ban's tests run in ('CET-01CEST-02,M3.5.0,M10.5.0') */
export const TEST_TZ = "Europe/Zurich";

export const FAIL2BAN_TESTS = "/usr/lib/python3/dist-packages/fail2ban/tests";

export interface SampleFailure {
  filter: string;
  file: string;
  line: number;
  /** the option set (e.g. {"mode":"aggressive"}) */
  options: string;
  text: string;
  reason: string;
}

export interface FilterSampleResult {
  filter: string;
  /** annotated lines (a failJSON line and the log line after it) */
  annotated: number;
  passed: number;
  /** lines without annotation (must not match) */
  unannotated: number;
  unannotatedPassed: number;
  failures: SampleFailure[];
  /** translation problems of the filter, per option set */
  problems: string[];
  /** failregexes no sample exercised (fail2ban's "Regex has no samples") */
  unused: string[];
}

export interface SampleRunOptions {
  /** directory with the sample logs (fail2ban's tests/files/logs) */
  logsDir?: string;
  /** fail2ban configuration directory for the filters (fail2ban's CONFIG_DIR, /etc/fail2ban) */
  configDir?: string;
  /** fail2ban's test configuration (zzz-* filters) */
  testConfigDir?: string;
  /** only these filters */
  only?: string[];
  fs?: ConfFs;
}

interface Active {
  key: string;
  opts: Record<string, unknown>;
  compiled: CompiledFilter;
  state: EngineState;
  used: Set<number>;
}

export const ANNOTATION = /^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$/;

/** the few Python expressions the sample logs use in `constraint` and `test.condition` */
export function evalCondition(expr: string, name: string, opts: Record<string, unknown>): boolean {
  const m = /^\s*(name|opts\.get\('([\w.-]+)'\))\s*(==|!=)\s*'([^']*)'\s*$/.exec(expr);
  if (!m) return true;
  const left = m[1] === "name" ? name : opts[m[2] as string];
  const eq = left === m[4];
  return m[3] === "==" ? eq : !eq;
}

export function localIsoToEpoch(t: string): number {
  const m = /^(\d{4})-(\d\d?)-(\d\d?)T(\d\d?):(\d\d?):(\d\d?)(?:\.(\d+))?$/.exec(t);
  if (!m) return Number.NaN;
  const d = new Date(0);
  d.setFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  const frac = m[7] ? Number(`0.${m[7]}`) : 0;
  return d.getTime() / 1000 + frac;
}

function pyStr(v: unknown): string {
  if (v === undefined || v === null) return "None";
  if (v instanceof Set) return JSON.stringify([...v].sort());
  return JSON.stringify(v);
}

/** compare one failure's data with the failJSON (fail2ban's assertions); returns the first mismatch */
function checkFailure(r: FailureResult, faildata: Record<string, unknown>): string | undefined {
  for (const [k, v] of Object.entries(faildata)) {
    if (k === "time" || k === "match" || k === "desc" || k === "constraint") continue;
    let fv: unknown = r.fail[k];
    if (fv === undefined || fv === null) {
      if (k === "host") fv = r.id;
      if (k === "attempts") fv = (r.fail.matches ?? []).length;
    }
    if (fv instanceof Set || Array.isArray(fv)) {
      const a = [...(fv as Iterable<unknown>)].map(String).sort();
      const b = (Array.isArray(v) ? v : [v]).map(String).sort();
      if (JSON.stringify(a) !== JSON.stringify(b)) return `${k}: got ${pyStr(fv)}, want ${pyStr(v)}`;
      continue;
    }
    const want = v === null ? undefined : v;
    if (fv !== want && !(typeof want === "number" && Number(fv) === want)) return `${k}: got ${pyStr(fv)}, want ${pyStr(v)}`;
  }
  const t = faildata.time;
  if (typeof t === "string") {
    const want = localIsoToEpoch(t);
    if (r.time !== want) {
      const got = r.time === undefined ? "none" : new Date(r.time * 1000).toISOString();
      return `time: got ${got}, want ${t} local (${Number.isNaN(want) ? "?" : new Date(want * 1000).toISOString()})`;
    }
  }
  return undefined;
}

/**
 * fail2ban's test filters include common.conf through a symlink of its source tree that Debian's package
 * does not ship: a missing filter.d/common.conf is read from the configuration directory instead.
 */
function withCommonConf(fs: ConfFs, configDir: string): ConfFs {
  return {
    list: (p) => fs.list(p),
    readTextIfExists: async (p) => {
      const text = await fs.readTextIfExists(p);
      if (text !== undefined || !p.endsWith("/filter.d/common.conf")) return text;
      return fs.readTextIfExists(`${configDir}/filter.d/common.conf`);
    },
  };
}

export async function listSampleFilters(opts: SampleRunOptions = {}): Promise<{ name: string; base: string }[]> {
  const fs = opts.fs ?? new HostFs("/");
  const configDir = opts.configDir ?? "/etc/fail2ban";
  const testConfigDir = opts.testConfigDir ?? `${FAIL2BAN_TESTS}/config`;
  const out: { name: string; base: string }[] = [];
  for (const f of await fs.list(`${configDir}/filter.d`)) {
    if (f.endsWith(".conf") && !f.endsWith("common.conf") && !f.startsWith(".")) out.push({ name: f.slice(0, -5), base: configDir });
  }
  for (const f of await fs.list(`${testConfigDir}/filter.d`)) {
    if (f.startsWith("zzz-") && f.endsWith(".conf")) out.push({ name: f.slice(0, -5), base: testConfigDir });
  }
  return out.filter((f) => !opts.only || opts.only.includes(f.name));
}

/** Run one filter's sample log. Undefined when the filter has no sample log. */
/** One line of a sample log to check, with the option sets (filters) it applies to. */
export interface SampleLine<A> {
  file: string;
  /** 1-based */
  line: number;
  text: string;
  /** the line's failJSON (empty when it has none) */
  faildata: Record<string, unknown>;
  annotated: boolean;
  /** the option sets this line is checked with (its `constraint` applied); never empty */
  tests: A[];
}

/**
 * fail2ban's walk of an annotated sample log (tests/samplestestcase.py), shared by the translated-filter
 * runner below and the built-in sshd runner (builtin-samples.ts): `# fileOptions:` (defaults for the file),
 * `# filterOptions:` (the option sets that follow, each loaded once by `load`; `test.condition` skips a
 * block), `# addFILE:` (more files, walked after), `# failJSON:` (the annotation of the next line), and
 * `constraint` (an annotation that applies to some option sets only). Comment and blank lines are skipped.
 */
export async function* walkSampleLog<A extends { opts: Record<string, unknown> }>(o: {
  name: string;
  first: string;
  read: (file: string) => Promise<string>;
  load: (opts: Record<string, unknown>) => A | Promise<A>;
  problem: (message: string) => void;
}): AsyncGenerator<SampleLine<A>> {
  const files = [o.first];
  let commonOpts: Record<string, unknown> = {};
  let tests: A[] | undefined;
  for (let fi = 0; fi < files.length; fi++) {
    const file = files[fi] as string;
    const lines = (await o.read(file)).split("\n");
    if (lines.at(-1) === "") lines.pop();
    let ignoreBlock = false;
    for (let ln = 0; ln < lines.length; ln++) {
      let line = (lines[ln] as string).replace(/\r$/, "");
      let lineNo = ln + 1;
      let faildata: Record<string, unknown> = {};
      let annotated = false;
      const jm = ANNOTATION.exec(line);
      if (jm) {
        let data: unknown;
        try {
          data = JSON.parse(jm[2] as string);
        } catch (e) {
          o.problem(`${file}:${lineNo}: bad JSON in annotation: ${(e as Error).message}`);
          continue;
        }
        if (jm[1] === "fileOptions") {
          commonOpts = data as Record<string, unknown>;
          continue;
        }
        if (jm[1] === "filterOptions") {
          tests = [];
          ignoreBlock = false;
          for (const fd of Array.isArray(data) ? data : [data]) {
            const opts = { ...commonOpts, ...(fd as Record<string, unknown>) };
            const cond = opts["test.condition"];
            if (typeof cond === "string") ignoreBlock = !evalCondition(cond, o.name, opts);
            if (!ignoreBlock) tests.push(await o.load(opts));
          }
          continue;
        }
        if (jm[1] === "addFILE") {
          files.push(String(data));
          continue;
        }
        faildata = data as Record<string, unknown>;
        annotated = true;
        ln++;
        if (ln >= lines.length) break;
        line = (lines[ln] as string).replace(/\r$/, "");
        lineNo = ln + 1;
      } else if (ignoreBlock || line.startsWith("#") || line.trim() === "") continue;
      if (ignoreBlock) continue;
      tests ??= [await o.load({})];
      const constraint = faildata.constraint;
      const applicable = typeof constraint === "string" ? tests.filter((t) => evalCondition(constraint, o.name, t.opts)) : tests;
      if (applicable.length === 0) continue;
      yield { file, line: lineNo, text: line, faildata, annotated, tests: applicable };
    }
  }
}

export async function runFilterSamples(name: string, base: string, opts: SampleRunOptions = {}): Promise<FilterSampleResult | undefined> {
  const fs = withCommonConf(opts.fs ?? new HostFs("/"), opts.configDir ?? "/etc/fail2ban");
  const logsDir = opts.logsDir ?? `${FAIL2BAN_TESTS}/files/logs`;
  if ((await fs.readTextIfExists(`${logsDir}/${name}`)) === undefined) return undefined;
  const ctx: TimeContext = { nowMs: TEST_NOW * 1000 };
  const result: FilterSampleResult = {
    filter: name,
    annotated: 0,
    passed: 0,
    unannotated: 0,
    unannotatedPassed: 0,
    failures: [],
    problems: [],
    unused: [],
  };
  const cache = new Map<string, Active>();
  const load = async (o: Record<string, unknown>): Promise<Active> => {
    const fltOpts = Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith("test.")));
    const key = (o["test.filter-name"] as string | undefined) ?? (Object.keys(fltOpts).length ? JSON.stringify(fltOpts) : "");
    const hit = cache.get(key);
    if (hit) return { ...hit, opts: o };
    const def = await readFilter(fs, base, name, { params: Object.fromEntries(Object.entries(fltOpts).map(([k, v]) => [k, String(v)])) });
    const compiled = new CompiledFilter(def);
    for (const p of def.problems) result.problems.push(`${key || "{}"}: ${p}`);
    for (const p of compiled.problems) result.problems.push(`${key || "{}"}: ${p.option} ${p.regex.slice(0, 100)}: ${p.reason}`);
    const a: Active = { key, opts: o, compiled, state: compiled.createState(), used: new Set() };
    cache.set(key, a);
    return a;
  };
  const walk = walkSampleLog({
    name,
    first: name,
    read: async (file) => (await fs.readTextIfExists(`${logsDir}/${file}`)) ?? "",
    load,
    problem: (m) => result.problems.push(m),
  });
  for await (const l of walk) {
    let lineOk = true;
    for (const t of l.tests) {
      const reason = checkLine(t, l.text, l.faildata, ctx);
      if (reason) {
        lineOk = false;
        result.failures.push({ filter: name, file: l.file, line: l.line, options: t.key || "{}", text: l.text, reason });
      }
    }
    if (l.annotated) {
      result.annotated++;
      if (lineOk) result.passed++;
    } else {
      result.unannotated++;
      if (lineOk) result.unannotatedPassed++;
    }
  }
  for (const a of cache.values()) {
    a.compiled.fail.forEach((re, i) => {
      if (re && !a.used.has(i)) result.unused.push(`${a.key || "{}"} failregex ${i}: ${a.compiled.def.failregex[i]?.slice(0, 100)}`);
    });
  }
  return result;
}

function checkLine(t: Active, rawLine: string, faildata: Record<string, unknown>, ctx: TimeContext): string | undefined {
  let found: FailureResult[];
  try {
    if (t.opts.logtype !== "journal") found = t.state.processLine(rawLine, ctx, { checkAll: true });
    else {
      const prefix = typeof t.opts["test.prefix-line"] === "string" ? (t.opts["test.prefix-line"] as string) : "";
      found = t.state.processLine(prefix + rawLine, ctx, { checkAll: true, date: TEST_NOW });
    }
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
  const real: FailureResult[] = [];
  for (const r of found) {
    if (r.id === undefined || r.fail.nofail) {
      t.used.add(r.index);
      continue;
    }
    real.push(r);
  }
  const must = faildata.match === true;
  if (real.length === 0) return must ? "not matched, but should match" : undefined;
  if (!must) return `matched by failregex ${real.map((r) => r.index).join(", ")}, but should not match`;
  if (real.length > 1) return `several failregexes matched: ${real.map((r) => r.index).join(", ")}`;
  const r = real[0] as FailureResult;
  t.used.add(r.index);
  return checkFailure(r, faildata);
}

export interface SampleTotals {
  filters: number;
  annotated: number;
  passed: number;
  unannotated: number;
  unannotatedPassed: number;
}

export async function runAllSamples(
  opts: SampleRunOptions = {},
): Promise<{ results: FilterSampleResult[]; totals: SampleTotals; withoutLog: string[] }> {
  const results: FilterSampleResult[] = [];
  const withoutLog: string[] = [];
  for (const f of await listSampleFilters(opts)) {
    const r = await runFilterSamples(f.name, f.base, opts);
    if (r) results.push(r);
    else withoutLog.push(f.name);
  }
  const totals: SampleTotals = { filters: results.length, annotated: 0, passed: 0, unannotated: 0, unannotatedPassed: 0 };
  for (const r of results) {
    totals.annotated += r.annotated;
    totals.passed += r.passed;
    totals.unannotated += r.unannotated;
    totals.unannotatedPassed += r.unannotatedPassed;
  }
  return { results, totals, withoutLog };
}
