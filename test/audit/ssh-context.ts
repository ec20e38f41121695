// A test AuditContext for the ssh checks: files under a root (like `--root DIR`) or the live system, the
// real process runner (or one that runs inside a lab host), the built-in policy, a per-context memo.
import { FakeClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { defaultPolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";
import type { AuditContext, Check, CheckResult, Outcome } from "../../src/audit/types.js";
import { type Runner, run as realRun } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";

export function testContext(options: {
  root?: string;
  live?: boolean;
  run?: Runner;
  policy?: Policy;
  policyFromFile?: boolean;
}): AuditContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    fs: new HostFs(options.root ?? "/"),
    run: options.run ?? realRun,
    live: options.live ?? false,
    policy: options.policy ?? defaultPolicy(),
    policyFromFile: options.policyFromFile ?? false,
    clock: new FakeClock(Date.parse("2026-01-01T00:00:00Z")),
    log: silentLogger,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = load();
        memo.set(key, p);
      }
      return p;
    },
  };
}

/** Run checks like the engine does (minus waivers): a thrown error is an "error" outcome. */
export async function runChecks(ctx: AuditContext, checks: Check[]): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  for (const c of checks) {
    try {
      out.set(c.id, await c.run(ctx));
    } catch (e) {
      out.set(c.id, { status: "error", reason: (e as Error).message });
    }
  }
  return out;
}

export type { CheckResult };
