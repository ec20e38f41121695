// Policy waivers: `waivers: [{check, reason, until}]`. An active waiver marks a fail/warn of that check as
// waived (shown with the reason, not counted by --fail-on). A waiver past its date no longer applies and is
// itself a finding (POLICY-WAIVER-EXPIRED), as is a waiver naming a check that does not exist
// (POLICY-WAIVER-UNKNOWN) — a typo there would silently waive nothing.
import { LineCounter, isMap, isSeq, parseDocument } from "yaml";
import type { Policy } from "../policy/schema.js";
import type { CheckMeta, CheckResult } from "./types.js";

type Waiver = Policy["waivers"][number];

export const WAIVER_EXPIRED: CheckMeta = {
  id: "POLICY-WAIVER-EXPIRED",
  area: "policy",
  title: "No policy waiver has expired",
  severity: "medium",
  remediation: "Fix the waived finding, or renew the waiver in the policy with a new `until:` date and a reason.",
  refs: [],
};

export const WAIVER_UNKNOWN: CheckMeta = {
  id: "POLICY-WAIVER-UNKNOWN",
  area: "policy",
  title: "Every policy waiver names an existing check",
  severity: "low",
  remediation: "Correct the check ID in the waiver (see `rampart audit --format json` for the IDs) or remove the waiver.",
  refs: [],
};

/** The last day a waiver applies, as "YYYY-MM-DD"; undefined = no expiry. */
export function waiverUntil(w: Waiver): string | undefined {
  if (w.until === undefined) return undefined;
  return w.until instanceof Date ? w.until.toISOString().slice(0, 10) : w.until;
}

/** A waiver is active through the end (UTC) of its `until` day. */
export function waiverActive(w: Waiver, nowMs: number): boolean {
  const until = waiverUntil(w);
  if (until === undefined) return true;
  const end = Date.parse(`${until}T23:59:59.999Z`);
  return Number.isNaN(end) || end >= nowMs;
}

/** file:line of each waiver in the policy text (index-aligned with policy.waivers), for evidence. */
export function waiverSources(text: string, file: string): string[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (!isMap(doc.contents)) return [];
  const seq = doc.contents.get("waivers", true);
  if (!isSeq(seq)) return [];
  return seq.items.map((item) => {
    const range = (item as { range?: [number, number, number] }).range;
    return `${file}:${range ? lc.linePos(range[0]).line : 1}`;
  });
}

export interface WaiverInput {
  policy: Policy;
  nowMs: number;
  /** every check ID that exists (all areas, not only the selected ones) */
  knownIds: ReadonlySet<string>;
  /** the IDs this audit ran (after --only) */
  ranIds: ReadonlySet<string>;
  /** file:line per waiver, when the policy came from a file */
  sources: readonly string[];
  policyLabel: string;
  /** include the POLICY-* results (false with an --only that leaves out "policy" and nothing expired) */
  includePolicyArea: boolean;
}

/** Mark waived results in place and return the POLICY-* results. */
export function applyWaivers(results: CheckResult[], input: WaiverInput): CheckResult[] {
  const { policy, nowMs } = input;
  const where = (i: number) => input.sources[i] ?? `${input.policyLabel} (waivers[${i}])`;
  const expired: { check: string; until: string; source: string }[] = [];
  const unknown: { check: string; source: string }[] = [];
  policy.waivers.forEach((w, i) => {
    if (!input.knownIds.has(w.check)) {
      unknown.push({ check: w.check, source: where(i) });
      return;
    }
    if (!waiverActive(w, nowMs)) {
      if (input.ranIds.has(w.check)) expired.push({ check: w.check, until: waiverUntil(w) ?? "", source: where(i) });
      return;
    }
    for (const r of results) {
      if (r.id !== w.check || (r.status !== "fail" && r.status !== "warn")) continue;
      const until = waiverUntil(w);
      r.waiver = until === undefined ? { reason: w.reason } : { reason: w.reason, until };
    }
  });
  const out: CheckResult[] = [];
  if (input.includePolicyArea || expired.length > 0) {
    out.push(
      result(WAIVER_EXPIRED, expired.length ? "fail" : "pass", {
        observed: expired.length ? expired.map((e) => `${e.check} (expired ${e.until})`) : "no expired waiver",
        expected: "every waiver's `until` date is today or later",
        source: expired.map((e) => e.source).join(", ") || input.policyLabel,
      }),
    );
  }
  if (input.includePolicyArea) {
    out.push(
      result(WAIVER_UNKNOWN, unknown.length ? "warn" : "pass", {
        observed: unknown.length ? unknown.map((u) => u.check) : "every waiver names a known check",
        expected: "waivers name existing check IDs",
        source: unknown.map((u) => u.source).join(", ") || input.policyLabel,
      }),
    );
  }
  return out;
}

function result(meta: CheckMeta, status: CheckResult["status"], evidence: CheckResult["evidence"]): CheckResult {
  const { id, area, title, severity, remediation, refs } = meta;
  return { id, area, title, severity, status, evidence, remediation, refs, durationMs: 0 };
}
