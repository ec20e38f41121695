// fail2ban's annotated sample logs (tests/files/logs/sshd and the sshd-journal file it adds) walked with
// rampart's BUILT-IN sshd filter — the filter users' sshd jails run — instead of the translated fail2ban
// regex (./samples.ts). Annotations are read as fail2ban's harness reads them (`# filterOptions:`,
// `# fileOptions:`, `# addFILE:`, `test.condition`, `constraint`), with the filter name "sshd"; every
// option set maps to the built-in filter's mode (`mode`, default normal) and each set runs over the files
// with its own filter state, in order, like fail2ban's.
// What a line must do, per option set:
//   - `match: true` with an IP host: a failure with exactly that address (canonical form), and the line's
//     time when it has one; a user name when the annotation gives one;
//   - `match: true` with a host that is not an IP (a DNS name, or a dotted quad with a leading zero, which
//     core/ip.ts refuses as ambiguous): never matched, by design (rampart never resolves names) — counted
//     apart as `notIp`, never as passed;
//   - `match: true` without a host (fail2ban fills it from the connection): a failure (any address);
//   - `match: false` and unannotated lines: not a failure.
// fail2ban's `attempts` and `users` (how many lines its connection id merged) have no counterpart in a
// rampart event (one event per failure) and are not checked.
import { FakeClock } from "../../core/clock.js";
import { formatIp, tryParseIp } from "../../core/ip.js";
import { createFilter } from "../filters/registry.js";
import type { Filter, FilterState, MatchResult } from "../filters/types.js";
import { HostFs } from "../../system/hostfs.js";
import type { ConfFs } from "./ini.js";
import { FAIL2BAN_TESTS, localIsoToEpoch, TEST_NOW, walkSampleLog } from "./samples.js";

export interface BuiltinSampleCheck {
  file: string;
  line: number;
  mode: string;
  text: string;
  /** what the annotation wants: a failure at this host ("" = any), or no failure */
  want: { match: boolean; host?: string };
  got: MatchResult;
  verdict: "pass" | "missed" | "wrong-address" | "false-match" | "wrong-time" | "wrong-user" | "not-ip";
  reason?: string;
}

export interface BuiltinSampleResult {
  filter: string;
  files: string[];
  /** annotated lines (a line passes when every option set that checks it passes) */
  annotated: number;
  passed: number;
  /** annotated lines whose host is not an IP: never matched by design */
  notIp: number;
  /** (line, mode) checks of annotated lines with an IP host or no host */
  checks: number;
  checksPassed: number;
  wrongAddress: number;
  /** checks and passed checks per mode */
  modes: Record<string, { checks: number; passed: number }>;
  unannotated: number;
  unannotatedPassed: number;
  /** every check that did not pass (not-ip ones included, for the report) */
  failures: BuiltinSampleCheck[];
}

export interface BuiltinSampleOptions {
  logsDir?: string;
  fs?: ConfFs;
  /** the sample file to start from (default "sshd"); `# addFILE:` adds more */
  file?: string;
}

interface Active {
  opts: Record<string, unknown>;
  mode: string;
  filter: Filter;
  state: FilterState;
}

/** canonical text of an annotation's host, or undefined when it is not an IP by core/ip.ts's strict rules */
function ipHost(host: string): string | undefined {
  const r = tryParseIp(host);
  return r.ok ? formatIp(r.value) : undefined;
}

/** Walk fail2ban's sshd sample logs with rampart's built-in sshd filter. */
export async function runBuiltinSshdSamples(opts: BuiltinSampleOptions = {}): Promise<BuiltinSampleResult> {
  const fs = opts.fs ?? new HostFs("/");
  const logsDir = opts.logsDir ?? `${FAIL2BAN_TESTS}/files/logs`;
  const name = "sshd";
  const result: BuiltinSampleResult = {
    filter: "sshd (built-in)",
    files: [],
    annotated: 0,
    passed: 0,
    notIp: 0,
    checks: 0,
    checksPassed: 0,
    wrongAddress: 0,
    modes: {},
    unannotated: 0,
    unannotatedPassed: 0,
    failures: [],
  };
  // one state per option set, kept across files (fail2ban keeps its filter per option set too)
  const cache = new Map<string, Active>();
  const load = (o: Record<string, unknown>): Active => {
    const mode = typeof o.mode === "string" ? o.mode : "normal";
    const key = JSON.stringify(Object.entries(o).filter(([k]) => !k.startsWith("test.") && k !== "logtype")) + mode;
    const hit = cache.get(key);
    if (hit) return { ...hit, opts: o };
    const filter = createFilter({ name: "sshd", params: { mode } });
    const a: Active = { opts: o, mode, filter, state: filter.createState({ clock: new FakeClock(TEST_NOW * 1000) }) };
    cache.set(key, a);
    return a;
  };
  const walk = walkSampleLog({
    name,
    first: opts.file ?? name,
    read: async (file) => {
      const text = await fs.readTextIfExists(`${logsDir}/${file}`);
      if (text === undefined) throw new Error(`fail2ban sample log ${logsDir}/${file} not found`);
      result.files.push(`${logsDir}/${file}`);
      return text;
    },
    load,
    problem: (m) => {
      throw new Error(m);
    },
  });
  for await (const { file, line: lineNo, text: line, faildata, annotated, tests } of walk) {
    const host = typeof faildata.host === "string" ? faildata.host : undefined;
    const must = faildata.match === true;
    const canonical = host === undefined ? undefined : ipHost(host);
    const notIp = must && host !== undefined && canonical === undefined;
    let lineOk = true;
    for (const t of tests) {
      const got = t.filter.match(line, t.state);
      const check: BuiltinSampleCheck = {
        file,
        line: lineNo,
        mode: t.mode,
        text: line,
        want: must ? { match: true, host: canonical ?? host ?? "" } : { match: false },
        got,
        verdict: "pass",
      };
      judge(check, faildata, t.opts.logtype === "journal", notIp);
      if (annotated && !notIp) {
        result.checks++;
        const pm = (result.modes[t.mode] ??= { checks: 0, passed: 0 });
        pm.checks++;
        if (check.verdict === "pass") {
          result.checksPassed++;
          pm.passed++;
        }
        if (check.verdict === "wrong-address") result.wrongAddress++;
      }
      if (check.verdict !== "pass") {
        lineOk = false;
        result.failures.push(check);
      }
    }
    if (!annotated) {
      result.unannotated++;
      if (lineOk) result.unannotatedPassed++;
    } else if (notIp) result.notIp++;
    else {
      result.annotated++;
      if (lineOk) result.passed++;
    }
  }
  return result;
}

function judge(c: BuiltinSampleCheck, faildata: Record<string, unknown>, journal: boolean, notIp: boolean): void {
  const r = c.got;
  if (notIp) {
    // a host name (or an ambiguous dotted quad): rampart must not extract anything from it
    if (r.kind === "failure") {
      c.verdict = "wrong-address";
      c.reason = `host ${c.want.host} is not an IP, yet got ${r.address}`;
    } else {
      c.verdict = "not-ip";
      c.reason = `host ${c.want.host} is not an IP: never matched (rampart does not resolve names)`;
    }
    return;
  }
  if (!c.want.match) {
    if (r.kind === "failure") {
      c.verdict = "false-match";
      c.reason = `must not be a failure, got ${r.address} (${r.rule})`;
    }
    return;
  }
  if (r.kind !== "failure") {
    c.verdict = "missed";
    c.reason = `not a failure: ${JSON.stringify(r)}`;
    return;
  }
  if (c.want.host && r.address !== c.want.host) {
    c.verdict = "wrong-address";
    c.reason = `address ${r.address}, want ${c.want.host} (${r.rule})`;
    return;
  }
  const t = faildata.time;
  if (typeof t === "string" && !journal) {
    const want = localIsoToEpoch(t);
    if (Math.floor(r.time / 1000) !== want) {
      c.verdict = "wrong-time";
      c.reason = `time ${new Date(r.time).toISOString()}, want ${t} local`;
      return;
    }
  }
  const u = faildata.user;
  if (typeof u === "string" && r.user !== undefined && r.user !== u) {
    c.verdict = "wrong-user";
    c.reason = `user ${JSON.stringify(r.user)}, want ${JSON.stringify(u)}`;
  }
}
