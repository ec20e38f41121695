// Bounded matching time for imported fail2ban regexes. fail2ban's filters are written for Python's
// backtracking engine and use lookaheads, backreferences and conditionals, so a linear engine (RE2, V8's
// experimental `l` engine) cannot run most of them (sshd.conf alone needs lookaheads). Choices considered:
//  - re2 (npm): native build with node-gyp, no lookaround/backreferences → cannot run sshd.conf; rejected;
//  - a worker thread with a per-line watchdog (Atomics.wait + terminate): bounds time, but a synchronous
//    round trip per line costs several µs and a terminated worker must be rebuilt; kept as the fallback idea;
//  - V8's own per-regexp backtrack limit: irregexp counts backtracks and gives up (no match) past the limit.
//    It is what V8 uses for its linear-engine fallback; JS reaches it through the %NewRegExpWithBacktrackLimit
//    intrinsic, enabled for one `new Function` compile and switched off again. Cost: zero per line.
// We use the backtrack limit: every imported regex is compiled with it, so one exec does a bounded amount of
// work whatever the line (plus the line-length cap of the Filter contract). A line that hits the limit does
// not match that regex (as if the regex were not there for that line); the filter counts such slow lines
// (`slowLines`) so `guard test` and the daemon can flag the pattern. A runaway pattern is not disabled
// outright: one crafted line must not switch protection off. If the intrinsic is missing (another Node),
// regexes are compiled plainly and `boundedAvailable` is false — callers report it.
import v8 from "node:v8";

/** backtracks allowed per exec: about 1–3 ms of work on this kind of machine */
export const BACKTRACK_LIMIT = 200_000;

type Make = (pattern: string, flags: string, limit: number) => RegExp;

function loadIntrinsic(): Make | undefined {
  try {
    v8.setFlagsFromString("--allow-natives-syntax");
    const make = new Function("p", "f", "l", "return %NewRegExpWithBacktrackLimit(p, f, l)") as Make;
    const probe = make("^(a+)+$", "", 1000);
    if (!(probe instanceof RegExp) || probe.test(`${"a".repeat(40)}!`)) return undefined;
    return make;
  } catch {
    return undefined;
  } finally {
    try {
      v8.setFlagsFromString("--no-allow-natives-syntax");
    } catch {
      /* the flag could not be reset: harmless */
    }
  }
}

const make = loadIntrinsic();

export const boundedAvailable = make !== undefined;

/** a RegExp whose every exec stops after BACKTRACK_LIMIT backtracks (treated as no match) */
export function boundedRegExp(source: string, flags: string, limit = BACKTRACK_LIMIT): RegExp {
  // validate with the normal constructor first: the intrinsic reports syntax errors less clearly
  const plain = new RegExp(source, flags);
  if (!make) return plain;
  return make(source, flags, limit);
}
