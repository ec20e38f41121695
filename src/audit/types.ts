// The audit's plug-in contract: a Check is a small object with stable metadata and one `run` that returns
// an Outcome. Checks never print and never throw for an expected condition: "sshd not installed" is a
// skip with a reason, "unexpected output" is an error with why — never a false pass. Shared, expensive
// facts (sshd -T, /etc/passwd, the nft ruleset) are loaded once per audit through ctx.memo in src/facts/.
import type { Clock } from "../core/clock.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import type { FactContext } from "../facts/context.js";
import type { Policy } from "../policy/schema.js";

export { SEVERITIES, type Severity };
export const STATUSES = ["pass", "fail", "warn", "skip", "error"] as const;
export type Status = (typeof STATUSES)[number];
export const AREAS = [
  "ssh",
  "accounts",
  "firewall",
  "updates",
  "kernel",
  "services",
  "mac",
  "files",
  "logging",
  "boot",
  "system",
  "defence",
  "integrity",
  "policy",
] as const;
export type Area = (typeof AREAS)[number];

export interface Evidence {
  /** what the host has (a value, a list, a short text) */
  observed: unknown;
  /** what a hardened host has */
  expected: unknown;
  /** where the observed value came from: "file:line", "sshd -T -C user=root", "/proc/sys/net/…" */
  source: string;
}

export interface Outcome {
  status: Status;
  observed?: unknown;
  expected?: unknown;
  source?: string;
  /** for skip/error: why; for fail/warn: optional extra detail shown under the title */
  reason?: string;
  /** the fix for this host (naming only files that exist), replacing the check's general remediation */
  remediation?: string;
}

export interface CheckMeta {
  /** stable, upper-case, area-prefixed: SSH-PASSWORD-AUTH */
  id: string;
  area: Area;
  title: string;
  severity: Severity;
  /** how to fix a failure: one or two sentences, with the exact command or setting */
  remediation: string;
  /** CIS / Lynis / dev-sec IDs and URLs */
  refs: string[];
  /** true when the check needs the running system (skipped under --root) */
  live?: boolean;
  /** what `audit.profile: strict` demands beyond the baseline, when the check has a stricter threshold */
  strict?: string;
}

export interface Check extends CheckMeta {
  run(ctx: AuditContext): Promise<Outcome>;
}

/** What a check reads the host through (the facts' context: fs, run, live, log, memo) plus the policy. */
export interface AuditContext extends FactContext {
  policy: Policy;
  /** true when the policy came from a file (not the built-in baseline) */
  policyFromFile: boolean;
  clock: Clock;
}

export interface CheckResult {
  id: string;
  area: Area;
  title: string;
  severity: Severity;
  status: Status;
  evidence: Evidence;
  remediation: string;
  refs: string[];
  /** why a check was skipped or errored, or detail for a finding */
  reason?: string;
  /** set when the policy waives this check (a fail/warn then does not count) */
  waiver?: { reason: string; until?: string };
  durationMs: number;
}

/** A check that cannot judge: not applicable (skip) or failed to read what it needs (error). */
export const skip = (reason: string): Outcome => ({ status: "skip", reason });
export const errorOutcome = (reason: string): Outcome => ({ status: "error", reason });
