// A problem found in a policy file: where it is (file:line:column), what it is, and how to fix it.
// load.ts and rules.ts return these; errors and warnings are kept apart so a warning never blocks.
// (Kept free of the schema and YAML libraries: the CLI's error handler imports it on every run.)
import { RampartError } from "../core/errors.js";

export interface Diagnostic {
  severity: "error" | "warning";
  message: string;
  file: string;
  line: number;
  column: number;
  /** dotted key path inside the policy (ssh.allowUsers.0) */
  path: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.column}`;
  return `${where}: ${d.severity}: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ""}`;
}

/** Closest candidate by edit distance, if it is close enough to be a plausible typo. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const lower = input.toLowerCase();
  for (const c of candidates) {
    const score = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestScore <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min(tmp + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** A policy that cannot be used: every error (and warning) with its place. */
export class PolicyInvalidError extends RampartError {
  constructor(
    readonly errors: Diagnostic[],
    readonly warnings: Diagnostic[],
  ) {
    const first = errors[0];
    super("POLICY", `the policy has ${errors.length} error${errors.length === 1 ? "" : "s"}`, {
      location: first ? `${first.file}:${first.line}:${first.column}` : undefined,
      hint: "Fix them, then check again with `rampart policy check FILE`.",
    });
  }
}
