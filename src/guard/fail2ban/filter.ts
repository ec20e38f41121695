// An imported fail2ban filter as a rampart Filter (../filters/types.ts), so `guard test` and the daemon run
// it unchanged; ../filters/resolve.ts (the one resolver of filter names) loads it with loadFail2banFilter.
// A journal entry (a `journalctl -o json` line) is matched as fail2ban's systemd backend shows it: rebuilt as
// `HOST IDENT[PID]: MESSAGE` with the entry's own time (./journal.ts). The address comes only from the
// <HOST>/<ADDR>/<IP4>/<IP6> capture (or an <F-ID> that is an address) and is parsed strictly by
// src/core/ip.ts; a host name (fail2ban's `usedns` resolves it, rampart never does) gives "not-an-ip". Lines
// longer than the cap are not matched, and each regex exec is bounded (./bounded.ts); lines that took longer
// than SLOW_LINE_MS are counted in `slowLines`.
import { formatIp, tryParseIp } from "../../core/ip.js";
import type { Filter, FilterRule, FilterState, FilterStateOptions, MatchResult } from "../filters/types.js";
import { CompiledFilter, type EngineState } from "./engine.js";
import { type FilterDefinition, type ReadFilterOptions, readFilter } from "./filter-config.js";
import type { ConfFs } from "./ini.js";
import { journalLine } from "./journal.js";

const DEFAULT_MAX_LINE = 8192;
/**
 * A journal JSON line may be this many times the line cap: its metadata takes 1–2 KiB, and a MESSAGE that is
 * not UTF-8 comes as an array of byte values (up to 4 characters a byte). The cap proper applies to the
 * rebuilt line the regexes see; JSON.parse is linear.
 */
const JOURNAL_JSON_FACTOR = 4;
export const SLOW_LINE_MS = 50;

export class Fail2banFilterState implements FilterState {
  readonly options: FilterState["options"];
  readonly engine: EngineState;
  /** lines whose matching took longer than SLOW_LINE_MS (a runaway pattern; each exec is bounded) */
  slowLines = 0;
  constructor(o: FilterStateOptions, compiled: CompiledFilter) {
    this.options = { clock: o.clock, maxLineLength: o.maxLineLength ?? DEFAULT_MAX_LINE };
    if (o.utcOffsetMinutes !== undefined) this.options.utcOffsetMinutes = o.utcOffsetMinutes;
    this.engine = compiled.createState();
  }
}

export class Fail2banFilter implements Filter {
  readonly name: string;
  readonly mode: string;
  readonly modes: readonly string[];
  readonly rules: readonly FilterRule[];
  constructor(
    readonly compiled: CompiledFilter,
    name?: string,
  ) {
    const def = compiled.def;
    this.name = name ?? `fail2ban:${def.name}`;
    this.mode = def.options.mode ?? "default";
    this.modes = [this.mode];
    this.rules = def.failregex.map((r, i) => ({ id: `failregex.${i}`, description: r, modes: [this.mode] }));
  }

  get definition(): FilterDefinition {
    return this.compiled.def;
  }

  createState(options: FilterStateOptions): Fail2banFilterState {
    return new Fail2banFilterState(options, this.compiled);
  }

  match(lineIn: string, stateIn: FilterState): MatchResult {
    const state = stateIn as Fail2banFilterState;
    const max = state.options.maxLineLength;
    let line = lineIn;
    let date: number | undefined;
    if (line.charCodeAt(0) === 123 /* { */) {
      // a journal entry: the cap applies to the line it becomes, its JSON may be longer (metadata, escapes)
      if (line.length > max * JOURNAL_JSON_FACTOR) return { kind: "none", reason: "too-long" };
      const j = journalLine(line);
      if (j.kind === "bad") return { kind: "none" };
      if (j.kind === "entry") {
        line = j.text;
        date = j.date;
      }
    }
    if (line.length > max) return { kind: "none", reason: "too-long" };
    const t0 = performance.now();
    const found = state.engine.processLine(
      line,
      { nowMs: state.options.clock.now(), utcOffsetMinutes: state.options.utcOffsetMinutes },
      date === undefined ? {} : { date },
    );
    if (performance.now() - t0 > SLOW_LINE_MS) state.slowLines++;
    const r = found[0];
    if (!r) return { kind: "none" };
    const rule = `failregex.${r.index}`;
    if (r.fail.nofail) return { kind: "none", rule, reason: "helper" };
    const text = (r.fail.ip4 as string | undefined) ?? (r.fail.ip6 as string | undefined) ?? (r.fail.dns === undefined ? r.id : undefined);
    if (text === undefined) return { kind: "none", rule, reason: "not-an-ip" };
    const parsed = tryParseIp(text);
    if (!parsed.ok) return { kind: "none", rule, reason: "not-an-ip" };
    const res: MatchResult = {
      kind: "failure",
      address: formatIp(parsed.value),
      rule,
      time: r.time === undefined ? state.options.clock.now() : Math.round(r.time * 1000),
    };
    if (typeof r.fail.user === "string") res.user = r.fail.user;
    return res;
  }
}

/** problems of a filter, as report lines */
export function filterProblems(f: Fail2banFilter): string[] {
  return [...f.definition.problems, ...f.compiled.problems.map((p) => `${p.option} ${JSON.stringify(p.regex.slice(0, 120))}: ${p.reason}`)];
}

/** Read and compile one fail2ban filter (by name under DIR/filter.d, or a .conf path). */
export async function loadFail2banFilter(
  fs: ConfFs,
  dir: string,
  nameOrPath: string,
  opts: ReadFilterOptions = {},
): Promise<Fail2banFilter> {
  const def = await readFilter(fs, dir, nameOrPath, opts);
  return new Fail2banFilter(new CompiledFilter(def));
}
