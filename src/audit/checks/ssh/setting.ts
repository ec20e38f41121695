// The shape most ssh checks share: read one effective sshd setting for each probed connection (admin,
// root, unknown user), judge it, and report the worst, with the file:line that set it. Which keyword a check
// judges comes from SSHD_SETTINGS (src/sshd/settings.ts) by the check's ID; a check module then only says
// what is acceptable and why. Also the skip for "openssh-server not installed".
import { type SshdFacts, sshdFacts } from "../../../facts/sshd.js";
import type { AuditContext, Check, CheckMeta, Outcome, Status } from "../../types.js";
import { skip } from "../../types.js";
import type { EffectiveView } from "../../../sshd/effective.js";
import { setting } from "../../../sshd/effective.js";
import { keywordOfCheck } from "../../../sshd/settings.js";

export const NOT_INSTALLED = "openssh-server not installed";

/**
 * Load the facts or say why the check cannot run. A config tree under --root (sshd_config, no binary) is
 * judged from its files: the views then carry CONFIG_TREE_NOTE, so every verdict says how it was reached.
 */
export async function factsOrSkip(ctx: AuditContext): Promise<SshdFacts | Outcome> {
  const f = await sshdFacts(ctx, ctx.policyFromFile ? ctx.policy.admins.map((a) => a.name) : []);
  if (!f.installed && !f.configTree) return skip(NOT_INSTALLED);
  return f;
}

export const isOutcome = (x: SshdFacts | Outcome): x is Outcome => "status" in x;

const RANK: Record<Status, number> = { pass: 0, skip: 0, warn: 1, error: 2, fail: 3 };

export interface Judgement {
  status: "pass" | "warn" | "fail";
  /** extra detail shown with a finding */
  why?: string;
}

export interface SettingCheckSpec extends CheckMeta {
  /** which connections to judge: all probed (default) or only root's */
  who?: "all" | "root";
  expected: string | ((ctx: AuditContext) => string);
  judge(value: string, ctx: AuditContext, view: EffectiveView): Judgement;
  /** a fix naming this host's own files, for a finding (default: the general remediation) */
  remediationFor?(f: SshdFacts): string | undefined;
}

/** A check judging one effective setting across the probed connections. */
export function settingCheck(spec: SettingCheckSpec): Check {
  const { who, expected, judge, remediationFor, ...meta } = spec;
  const key = keywordOfCheck(meta.id);
  return {
    ...meta,
    async run(ctx) {
      const f = await factsOrSkip(ctx);
      if (isOutcome(f)) return f;
      const views = who === "root" ? f.views.filter((v) => v.label === "root") : f.views;
      let worst: { label: string; value: string; source: string; j: Judgement } | undefined;
      const seen: string[] = [];
      for (const { label, view } of views) {
        const s = setting(view, key);
        const value = s?.values.join(" ");
        if (!s || value === undefined) return { status: "error", reason: `sshd did not report ${key} for ${label}` };
        const j = judge(value, ctx, view);
        seen.push(`${label}: ${value} (${s.source})`);
        if (!worst || RANK[j.status] > RANK[worst.j.status]) worst = { label, value, source: s.source, j };
      }
      if (!worst) return skip("no connection to judge");
      const notes = viewNotes(f);
      const differs = new Set(seen.map((s) => s.split(": ")[1])).size > 1;
      const reason = [worst.j.why, differs ? `per connection: ${seen.join("; ")}` : undefined, ...notes].filter(Boolean).join(" — ");
      const out: Outcome = {
        status: worst.j.status,
        observed: views.length > 1 && differs ? `${worst.value} (for ${worst.label})` : worst.value,
        expected: typeof expected === "function" ? expected(ctx) : expected,
        source: worst.source,
      };
      if (reason) out.reason = reason;
      const fix = out.status !== "pass" ? remediationFor?.(f) : undefined;
      if (fix) out.remediation = fix;
      return out;
    },
  };
}

/** Notes about how the values were obtained (parser fallback), once. */
export function viewNotes(f: SshdFacts): string[] {
  const notes = new Set<string>();
  for (const v of f.views) if (v.view.note) notes.add(v.view.note);
  return [...notes];
}

/** The view of a connection kind ("root", "unknown user") or the first one. */
export function viewFor(f: SshdFacts, label: string): EffectiveView {
  return (f.views.find((v) => v.label === label) ?? f.views[0])?.view as EffectiveView;
}

export const pass = (): Judgement => ({ status: "pass" });
export const failWith = (why?: string): Judgement => (why ? { status: "fail", why } : { status: "fail" });
export const warnWith = (why?: string): Judgement => (why ? { status: "warn", why } : { status: "warn" });

export const CIS = (id: string, what: string) => `CIS Debian Linux 11 Benchmark ${id} (${what})`;
export const DEVSEC = (id: string) => `dev-sec ssh-baseline ${id}`;
export const LYNIS = (id: string) => `Lynis ${id}`;
