// The audit's fact readers (dpkg status, apt config and simulation, sysctl files, MAC state, enabled units)
// take an AuditContext; parts reuse them through this adapter instead of reading the same files twice in
// two ways. One memo per call: a plan reads each fact once.
import { auditContext } from "../../audit/run.js";
import type { AuditContext } from "../../audit/types.js";
import type { PartContext } from "../plan.js";

export function auditFacts(ctx: PartContext): AuditContext {
  return auditContext({
    fs: ctx.fs,
    run: ctx.run,
    live: ctx.live,
    policy: ctx.policy,
    policyFromFile: true,
    clock: ctx.clock,
    log: ctx.log,
  });
}
