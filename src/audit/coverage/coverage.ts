// What the audit covers, computed from the checks' own refs at run time (`rampart audit --coverage`): for
// every dev-sec ssh-baseline and linux-baseline control and every Lynis test that raised a finding on the
// reference server, the checks that implement it — or why none does (why-not.ts), or "open". A ref that looks
// like a control reference but names no control in the data (a typo, an old ID) is reported, never ignored,
// so a check cannot claim coverage it does not have.
import type { Check } from "../types.js";
import { type Control, LINUX_BASELINE, LYNIS_RAISED, LYNIS_RUN, LYNIS_TEST_IDS, SSH_BASELINE } from "./controls.js";
import { WHY_NOT } from "./why-not.js";

export const BASELINES = ["ssh-baseline", "linux-baseline", "lynis"] as const;
export type Baseline = (typeof BASELINES)[number];

export const BASELINE_TITLES: Record<Baseline, string> = {
  "ssh-baseline": "dev-sec ssh-baseline",
  "linux-baseline": "dev-sec linux-baseline",
  lynis: `Lynis ${LYNIS_RUN.version} findings on ${LYNIS_RUN.os}`,
};

export type RefTarget = { baseline: Baseline; id: string };

/** A ref that reads like a control reference but does not resolve to one. */
export interface BadRef {
  check: string;
  ref: string;
  why: string;
}

export interface CoverageRow {
  id: string;
  title: string;
  /** covered: a check implements it; why-not: a decision not to; open: neither */
  status: "covered" | "why-not" | "open";
  checks: string[];
  whyNot?: string;
}

export interface BaselineCoverage {
  baseline: Baseline;
  title: string;
  total: number;
  covered: number;
  whyNot: number;
  open: number;
  /** covered / total, in percent with one decimal */
  percent: number;
  rows: CoverageRow[];
}

export interface Coverage {
  baselines: BaselineCoverage[];
  /** checks with a stricter threshold under audit.profile: strict */
  strict: { check: string; strict: string }[];
  badRefs: BadRef[];
}

const CONTROLS: Record<Exclude<Baseline, "lynis">, Control[]> = { "ssh-baseline": SSH_BASELINE, "linux-baseline": LINUX_BASELINE };
const KNOWN = {
  "ssh-baseline": new Set(SSH_BASELINE.map((c) => c.id)),
  "linux-baseline": new Set(LINUX_BASELINE.map((c) => c.id)),
};
// dev-sec's hardening projects (Ansible/Chef/Puppet), named as a source of a recommendation, not a control
const DEVSEC_PROJECTS = /^dev-sec (os|ssh|nginx|mysql|apache|windows)-hardening\b/;

/**
 * Resolve one ref: a control target, a BadRef reason (string), or undefined for a ref that is not a control
 * reference at all (CIS, a URL, a man page). Forms: "dev-sec ssh-baseline sshd-11", "dev-sec linux-baseline
 * os-05", the older "dev-sec os-02" (baseline from the prefix), "Lynis BANN-7126" (a Lynis test ID, may be
 * followed by a note in parentheses).
 */
export function resolveRef(ref: string): RefTarget | string | undefined {
  if (ref.startsWith("dev-sec ")) {
    if (DEVSEC_PROJECTS.test(ref)) return undefined;
    const full = /^dev-sec (ssh-baseline|linux-baseline) (\S+)$/.exec(ref);
    const short = /^dev-sec ((?:sshd|ssh|os|package|sysctl)-\w+)$/.exec(ref);
    const baseline = full ? (full[1] as "ssh-baseline" | "linux-baseline") : short ? baselineOf(short[1] as string) : undefined;
    const id = full ? full[2] : short?.[1];
    if (!baseline || !id) return `not a dev-sec control reference (use "dev-sec ssh-baseline sshd-NN" or "dev-sec linux-baseline os-NN")`;
    if (!KNOWN[baseline].has(id)) return `${id} is not a control of dev-sec ${baseline}`;
    return { baseline, id };
  }
  if (ref.startsWith("Lynis ")) {
    const m = /^Lynis ([A-Z]+(?:-[0-9]+)?)(?: \([^()]*\))?$/.exec(ref);
    if (!m) return `not a Lynis reference (use "Lynis BANN-7126", optionally followed by a note in parentheses)`;
    const id = m[1] as string;
    if (!LYNIS_TEST_IDS.has(id)) return `${id} is not a Lynis ${LYNIS_RUN.version} test ID`;
    return { baseline: "lynis", id };
  }
  return undefined;
}

const baselineOf = (id: string): "ssh-baseline" | "linux-baseline" => (/^sshd?-/.test(id) ? "ssh-baseline" : "linux-baseline");

export function computeCoverage(checks: readonly Check[]): Coverage {
  const implementers = new Map<string, string[]>();
  const badRefs: BadRef[] = [];
  for (const c of checks) {
    for (const ref of c.refs) {
      const r = resolveRef(ref);
      if (r === undefined) continue;
      if (typeof r === "string") {
        badRefs.push({ check: c.id, ref, why: r });
        continue;
      }
      const key = `${r.baseline} ${r.id}`;
      const list = implementers.get(key) ?? [];
      if (!list.includes(c.id)) list.push(c.id);
      implementers.set(key, list);
    }
  }
  const lists: Record<Baseline, Control[]> = {
    ...CONTROLS,
    lynis: LYNIS_RAISED.map((f) => ({ id: f.id, title: f.messages.join("; ") })),
  };
  const baselines = BASELINES.map((baseline): BaselineCoverage => {
    const rows = lists[baseline].map((ctl): CoverageRow => {
      const key = `${baseline} ${ctl.id}`;
      const impl = implementers.get(key) ?? [];
      const whyNot = WHY_NOT[key];
      if (impl.length) return { id: ctl.id, title: ctl.title, status: "covered", checks: impl };
      if (whyNot) return { id: ctl.id, title: ctl.title, status: "why-not", checks: [], whyNot };
      return { id: ctl.id, title: ctl.title, status: "open", checks: [] };
    });
    const count = (s: CoverageRow["status"]) => rows.filter((r) => r.status === s).length;
    const covered = count("covered");
    return {
      baseline,
      title: BASELINE_TITLES[baseline],
      total: rows.length,
      covered,
      whyNot: count("why-not"),
      open: count("open"),
      percent: rows.length ? Math.round((covered / rows.length) * 1000) / 10 : 0,
      rows,
    };
  });
  const strict = checks.filter((c) => c.strict).map((c) => ({ check: c.id, strict: c.strict as string }));
  return { baselines, strict, badRefs };
}
