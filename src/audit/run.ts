// src/audit/ — the checks, their engine and the report model. Imports the layers below (and mfa/,
// integrity/ beside it); imported by report/ and cli/. audit/checks is imported only inside audit/.
// The audit engine: run every selected check concurrently against one context, with a per-audit memo so
// shared facts (passwd, sshd -T, the ruleset) are loaded once; turn throws into `error` results and
// live-only checks under --root into `skip`; apply the policy's waivers; order the results stably (area,
// then id) and build the report model. It prints nothing: the CLI renders the model.
import { RampartError } from "../core/errors.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import { factContext } from "../facts/context.js";
import { VERSION } from "../core/version.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { type AuditReport, compareResults, summarize } from "./report.js";
import { hostInfo } from "./host.js";
import { allChecks } from "./registry.js";
import { AREAS, type Area, type AuditContext, type Check, type CheckResult, type Outcome, STATUSES } from "./types.js";
import { applyWaivers } from "./waivers.js";

export interface RunAuditOptions {
  fs: HostFs;
  run: Runner;
  /** false under --root DIR: live-only checks are skipped */
  live: boolean;
  policy: Policy;
  policyFromFile: boolean;
  clock: Clock;
  log: Logger;
  /** limit to these areas */
  only?: readonly Area[] | undefined;
  /** the checks to run (default: the registry); tests pass their own */
  checks?: readonly Check[];
  /** the policy file, for evidence ("built-in baseline" when none) */
  policyLabel?: string;
  /** file:line of each waiver in the policy file */
  waiverSources?: readonly string[];
  /** a check that takes longer becomes an error (default 15 s) */
  checkTimeoutMs?: number;
}

/** The context checks run in: what they read from, plus a per-audit memo so each fact is loaded once. */
export function auditContext(o: Omit<AuditContext, "memo">): AuditContext {
  return { ...factContext(o), policy: o.policy, policyFromFile: o.policyFromFile, clock: o.clock };
}

export const NEEDS_LIVE = "needs the running system (not available under --root)";

/** Parse an --only list; unknown areas are a usage error. */
export function parseAreas(list: readonly string[]): Area[] {
  const out: Area[] = [];
  for (const raw of list) {
    const a = raw.trim().toLowerCase();
    if (!(AREAS as readonly string[]).includes(a)) {
      throw new RampartError("USAGE", `unknown area \`${raw}\` in --only`, { hint: `Use one or more of: ${AREAS.join(", ")}.` });
    }
    out.push(a as Area);
  }
  return out;
}

export async function runAudit(o: RunAuditOptions): Promise<AuditReport> {
  const started = o.clock.now();
  const t0 = performance.now();
  const every = o.checks ?? allChecks();
  const only = o.only && o.only.length > 0 ? new Set(o.only) : undefined;
  const selected = only ? every.filter((c) => only.has(c.area)) : [...every];
  const ctx = auditContext(o);
  const [host, results] = await Promise.all([
    hostInfo(o.fs, o.live),
    Promise.all(selected.map((c) => runOne(c, ctx, o.checkTimeoutMs ?? 15_000))),
  ]);
  const policyLabel = o.policyLabel ?? (o.policyFromFile ? "policy file" : "built-in baseline");
  results.push(
    ...applyWaivers(results, {
      policy: o.policy,
      nowMs: started,
      knownIds: new Set(every.map((c) => c.id)),
      ranIds: new Set(selected.map((c) => c.id)),
      sources: o.waiverSources ?? [],
      policyLabel,
      includePolicyArea: !only || only.has("policy"),
    }),
  );
  results.sort(compareResults);
  return {
    tool: { name: "rampart", version: VERSION },
    host,
    startedAt: new Date(started).toISOString(),
    durationMs: Math.round(performance.now() - t0),
    root: o.fs.root,
    policy: policyLabel,
    summary: summarize(results),
    checks: results,
  };
}

async function runOne(check: Check, ctx: AuditContext, timeoutMs: number): Promise<CheckResult> {
  const t = performance.now();
  let outcome: Outcome;
  if (check.live && !ctx.live) {
    outcome = { status: "skip", reason: NEEDS_LIVE };
  } else {
    let timer: NodeJS.Timeout | undefined;
    try {
      outcome = await Promise.race([
        check.run(ctx),
        new Promise<Outcome>((resolve) => {
          timer = setTimeout(() => resolve({ status: "error", reason: `did not finish within ${timeoutMs} ms` }), timeoutMs);
        }),
      ]);
    } catch (e) {
      outcome = { status: "error", reason: e instanceof Error ? e.message : String(e) };
      ctx.log.debug("check failed", { check: check.id, error: e });
    } finally {
      clearTimeout(timer);
    }
    if (!STATUSES.includes(outcome.status)) {
      outcome = { status: "error", reason: `internal: check returned status ${JSON.stringify(outcome.status)}` };
    }
  }
  const r: CheckResult = {
    id: check.id,
    area: check.area,
    title: check.title,
    severity: check.severity,
    status: outcome.status,
    evidence: {
      observed: outcome.observed ?? null,
      expected: outcome.expected ?? null,
      source: outcome.source ?? "",
    },
    remediation: outcome.remediation ?? check.remediation,
    refs: check.refs,
    durationMs: Math.round((performance.now() - t) * 10) / 10,
  };
  if (outcome.reason !== undefined) r.reason = outcome.reason;
  return r;
}
