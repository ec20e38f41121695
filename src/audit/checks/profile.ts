// audit.profile for checks: `strict` holds the host to dev-sec's and Lynis's stricter bar. A check that only
// the strict profile requires skips under `baseline` (never a pass: the score does not count it), and says so.
import type { AuditContext, Outcome } from "../types.js";
import { skip } from "../types.js";

export const isStrict = (ctx: AuditContext): boolean => ctx.policy.audit.profile === "strict";

/** The outcome of a strict-only requirement under the baseline profile. */
export const strictOnly = (what: string): Outcome => skip(`only audit.profile: strict requires ${what} (the baseline profile does not)`);

/** "0644" */
export const oct = (mode: number): string => (mode & 0o7777).toString(8).padStart(4, "0");
