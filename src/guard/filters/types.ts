// The filter contract: a filter turns one log line into a failure, a success or nothing, with the address
// it is about. Built-in filters (sshd) register in ./registry.ts; fail2ban filters (../fail2ban/filter.ts)
// implement it too; ./resolve.ts turns any filter name into one. A filter keeps per-source state (connections seen, year inference) in the
// FilterState it creates, so one filter object serves many sources.
import type { Clock } from "../../core/clock.js";

export type MatchKind = "failure" | "success" | "none";

/** Why a line the filter recognised (or refused to look at) produced no event. */
export type NoneReason =
  /** longer than the line cap: never matched (bounded work per line) */
  | "too-long"
  /** the address sshd wrote is not an IP (a host name): rampart never resolves names */
  | "not-an-ip"
  /** attacker text made the address position ambiguous: nothing is extracted */
  | "ambiguous"
  /** a known line that is not a failure in this mode, or only tells us a connection's address */
  | "helper"
  /** a failure whose address comes with a later line of the same connection */
  | "pending";

export type MatchResult =
  | {
      kind: "failure" | "success";
      /** canonical address text (IPv4-mapped IPv6 as IPv4) */
      address: string;
      rule: string;
      /** ms since the epoch: the line's own time, or the clock's when it has none */
      time: number;
      user?: string;
    }
  | {
      kind: "none";
      /** the rule that recognised the line, if any */
      rule?: string;
      reason?: NoneReason;
      /** the line looks like a failure of this program but no rule knows it (for `guard test`) */
      missed?: boolean;
    };

export interface FilterStateOptions {
  clock: Clock;
  /** lines longer than this (characters) are not matched; default 8192 */
  maxLineLength?: number;
  /**
   * messages (the text after `program[pid]: `) longer than this are not matched; default: the filter's own
   * (sshd: 2048 — sshd formats every log message in a 1024-byte buffer, so a longer one is not sshd's)
   */
  maxMessageLength?: number;
  /** syslog times without a zone are read in this offset (minutes east of UTC); default: local zone */
  utcOffsetMinutes?: number;
  /**
   * false: events carry no user and `time` 0 — for counting only (`guard test --counts`), where reading the
   * time stamp and copying the user name of every failure is wasted work. Default true.
   */
  details?: boolean;
}

/** Per-source memory of a filter (e.g. which address a connection came from). Opaque to callers. */
export interface FilterState {
  readonly options: Readonly<Required<Omit<FilterStateOptions, "utcOffsetMinutes" | "maxMessageLength" | "details">>> & {
    utcOffsetMinutes?: number;
    maxMessageLength?: number;
    details?: boolean;
  };
}

export interface FilterRule {
  id: string;
  description: string;
  /** modes in which a match is counted as a failure (or success) */
  modes: readonly string[];
}

export interface Filter {
  /** e.g. "sshd" */
  readonly name: string;
  /** the active mode, e.g. "normal" */
  readonly mode: string;
  /** every mode the filter knows */
  readonly modes: readonly string[];
  /** every rule, for docs, `guard test` and the sample-coverage test */
  readonly rules: readonly FilterRule[];
  createState(options: FilterStateOptions): FilterState;
  match(line: string, state: FilterState): MatchResult;
  /**
   * Optional fast path: the same as match(text.slice(start, end)), where text may hold many lines (a
   * decoded chunk), so no string is made per line. The filter must not look past `end`.
   */
  matchAt?(text: string, start: number, end: number, state: FilterState): MatchResult;
}

/** Parameters in a filter spec: `sshd[mode=aggressive]` → { mode: "aggressive" } */
export type FilterParams = Record<string, string>;

export interface FilterFactory {
  name: string;
  description: string;
  /**
   * Optional: the parameters the filter takes and the values each accepts (sshd: mode ∈ its modes), so a
   * fail2ban jail's `NAME[params]` can be mapped onto it, leaving out (and reporting) what it does not take.
   */
  params?: Readonly<Record<string, readonly string[]>>;
  create(params: FilterParams): Filter;
}
