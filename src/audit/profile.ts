// `audit.profile`: baseline (default) or strict. Two ways a check treats a stricter dev-sec or Lynis bar:
// a finding only strict fails (a threshold that breaks common setups: SLAAC hosts, debuggers, /tmp noexec) is a
// warn (or a pass with a note) under baseline (`strictOnly`); a requirement only strict makes skips under
// baseline (`onlyStrictRequires`). Either way the baseline score stays about what applies to every server.
import type { AuditContext, Outcome } from "./types.js";
import { skip } from "./types.js";

export const isStrict = (ctx: AuditContext): boolean => ctx.policy.audit.profile === "strict";

/** Keep a fail under `strict`; under baseline turn it into `baseline` (warn or pass) with a note saying so. */
export function strictOnly(ctx: AuditContext, out: Outcome, baseline: "warn" | "pass"): Outcome {
  if (out.status !== "fail" || isStrict(ctx)) return out;
  const note = "audit.profile: strict fails this";
  return { ...out, status: baseline, reason: out.reason ? `${out.reason} (${note})` : note };
}

/**
 * A requirement only `strict` makes (a separate /tmp, a GRUB password): under baseline the check skips and
 * says so — never a pass, so the score does not count it.
 */
export const onlyStrictRequires = (what: string): Outcome =>
  skip(`only audit.profile: strict requires ${what} (the baseline profile does not)`);
