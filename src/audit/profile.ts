// `audit.profile`: baseline (default) or strict. A finding that only the strict profile fails — a dev-sec or
// Lynis threshold that breaks common setups (SLAAC hosts, debuggers, /tmp noexec) — is a warn (or a pass with
// a note) under baseline, so the baseline score stays about security that applies to every server.
import type { AuditContext, Outcome } from "./types.js";

export const isStrict = (ctx: AuditContext): boolean => ctx.policy.audit.profile === "strict";

/** Keep a fail under `strict`; under baseline turn it into `baseline` (warn or pass) with a note saying so. */
export function strictOnly(ctx: AuditContext, out: Outcome, baseline: "warn" | "pass"): Outcome {
  if (out.status !== "fail" || isStrict(ctx)) return out;
  const note = "audit.profile: strict fails this";
  return { ...out, status: baseline, reason: out.reason ? `${out.reason} (${note})` : note };
}
