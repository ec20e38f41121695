// Run a filter over a whole log (what `rampart guard test` does): count lines, failures per rule, addresses,
// lines refused (too long, ambiguous, host names) and lines that look like failures but no rule knows
// (sampled). Streams: memory is bounded by the chunk size and the capped tables, not by the log.
import type { Clock } from "../core/clock.js";
import type { Filter, MatchResult } from "./filters/types.js";
import { LineSplitter } from "./lines.js";

export interface ScanMatch {
  /** 1-based line number in the input */
  line: number;
  address: string;
  rule: string;
  time: number;
}

export interface ScanOptions {
  clock: Clock;
  /** lines longer than this many characters are ignored (default 8192) */
  maxLineLength?: number;
  utcOffsetMinutes?: number;
  /** called for every failure, in order */
  onMatch?: (m: ScanMatch) => void;
  /** awaited after every chunk (lets a caller drain its output) */
  afterChunk?: () => Promise<void> | void;
  /** how many missed lines to keep as samples (default 10) */
  missedSamples?: number;
  /** distinct addresses counted before the rest are lumped together (default 100,000) */
  maxAddresses?: number;
  /**
   * only the totals (lines, matched, successes, ignored, missed): no failures per rule or per address and
   * no missed samples — what `guard test --counts` prints; saves two map lookups per failure on large logs
   */
  totalsOnly?: boolean;
}

export interface ScanSummary {
  lines: number;
  /** lines that are failures */
  matched: number;
  /** lines that are successes (Accepted …) */
  successes: number;
  /** lines refused: too long, ambiguous address, not an IP */
  ignored: number;
  ignoredBy: Record<string, number>;
  /** lines that look like failures of the program but no rule knows */
  missed: number;
  missedSamples: { line: number; text: string }[];
  /** failures per rule */
  rules: Record<string, number>;
  /** failures per address, for the first maxAddresses distinct addresses */
  addresses: Map<string, number>;
  /** failures from addresses beyond maxAddresses */
  otherAddresses: number;
  durationMs: number;
}

export async function scanLog(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  filter: Filter,
  options: ScanOptions,
): Promise<ScanSummary> {
  const started = performance.now();
  const maxLineLength = options.maxLineLength ?? 8192;
  const state = filter.createState({
    clock: options.clock,
    maxLineLength,
    ...(options.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: options.utcOffsetMinutes }),
    // totals only, and nobody reads the events: skip time stamps and user names
    ...(options.totalsOnly === true && options.onMatch === undefined ? { details: false } : {}),
  });
  const maxSamples = options.missedSamples ?? 10;
  const maxAddresses = options.maxAddresses ?? 100_000;
  const onMatch = options.onMatch;
  const tables = options.totalsOnly !== true;
  const matchAt = filter.matchAt?.bind(filter);
  const s: ScanSummary = {
    lines: 0,
    matched: 0,
    successes: 0,
    ignored: 0,
    ignoredBy: {},
    missed: 0,
    missedSamples: [],
    rules: {},
    addresses: new Map(),
    otherAddresses: 0,
    durationMs: 0,
  };
  // counters are boxed so that a hit costs one hash lookup, not two
  const ruleCounts = new Map<string, { n: number }>();
  const addressCounts = new Map<string, { n: number }>();
  const ignore = (reason: string) => {
    s.ignored++;
    s.ignoredBy[reason] = (s.ignoredBy[reason] ?? 0) + 1;
  };
  // deterministic reservoir sample of missed lines, so samples come from the whole log
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };

  const splitter = new LineSplitter(
    {
      line(text, start, end) {
        const n = ++s.lines;
        const r: MatchResult = matchAt ? matchAt(text, start, end, state) : filter.match(text.slice(start, end), state);
        if (r.kind === "failure") {
          s.matched++;
          if (onMatch) onMatch({ line: n, address: r.address, rule: r.rule, time: r.time });
          if (!tables) return;
          const rc = ruleCounts.get(r.rule);
          if (rc !== undefined) rc.n++;
          else ruleCounts.set(r.rule, { n: 1 });
          const c = addressCounts.get(r.address);
          if (c !== undefined) c.n++;
          else if (addressCounts.size < maxAddresses) addressCounts.set(r.address, { n: 1 });
          else s.otherAddresses++;
        } else if (r.kind === "success") {
          s.successes++;
        } else if (r.kind !== "none") {
          // unreachable: kinds are failure, success, none
        } else if (r.reason === "too-long" || r.reason === "ambiguous" || r.reason === "not-an-ip") {
          ignore(r.reason);
        } else if (r.missed) {
          const m = s.missed++;
          if (!tables) return;
          if (m < maxSamples) s.missedSamples.push({ line: n, text: clip(text, start, end) });
          else {
            const j = Math.floor(random() * (m + 1));
            if (j < maxSamples) s.missedSamples[j] = { line: n, text: clip(text, start, end) };
          }
        }
      },
      tooLong() {
        s.lines++;
        ignore("too-long");
      },
    },
    maxLineLength * 4,
  );
  const afterChunk = options.afterChunk;
  for await (const chunk of input) {
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    if (afterChunk) await afterChunk();
  }
  splitter.end();
  s.missedSamples.sort((a, b) => a.line - b.line);
  s.rules = Object.fromEntries([...ruleCounts].map(([k, v]) => [k, v.n] as const).sort((a, b) => b[1] - a[1]));
  for (const [k, v] of addressCounts) s.addresses.set(k, v.n);
  s.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return s;
}

/** The n addresses with the most failures. */
export function topAddresses(s: ScanSummary, n: number): [string, number][] {
  return [...s.addresses].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

function clip(text: string, start: number, end: number): string {
  return end - start > 300 ? `${text.slice(start, start + 297)}...` : text.slice(start, end);
}
