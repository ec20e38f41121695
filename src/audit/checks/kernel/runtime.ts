// One runtime check per sysctl group: read each key from /proc/sys (live only) and compare with what the
// policy expects — the recommended value, or the policy's own `sysctl.set` value for that key; a strict-only
// group wants its own values whatever the policy says, and fails only under `audit.profile: strict`. Keys the
// kernel does not have (IPv6 off, no Yama) are left out; a group with none of its keys is skipped.
import { procPath, runtimeSysctl } from "../../../facts/sysctl.js";
import { isStrict, strictOnly } from "../../profile.js";
import type { AuditContext, Check, Outcome } from "../../types.js";
import { accepts, describeWant, type SysctlGroup, type SysctlKey, type Want } from "./recommended.js";

/** The keys of a group with the policy's overrides applied; [] when the policy turns the profile off. */
export function expectedKeys(ctx: AuditContext, group: SysctlGroup): SysctlKey[] {
  const set = ctx.policy.sysctl.set;
  const strict = isStrict(ctx);
  const overridden = (k: SysctlKey): SysctlKey => {
    const v = set[k.key];
    if (v !== undefined) return { key: k.key, want: { equals: String(v) } };
    // strict: the stricter value where there is one, and no tolerated values
    return strict
      ? { key: k.key, want: k.strictWant ?? k.want, ...(k.kernelDefault === undefined ? {} : { kernelDefault: k.kernelDefault }) }
      : k;
  };
  if (ctx.policy.sysctl.profile === "none") return group.keys.filter((k) => set[k.key] !== undefined).map(overridden);
  return group.keys.map(overridden);
}

export function runtimeCheck(group: SysctlGroup): Check {
  return {
    id: group.id,
    area: "kernel",
    title: group.title,
    severity: group.severity,
    remediation: group.remediation,
    refs: group.refs,
    ...(group.strict ? { strict: group.strict } : {}),
    live: true,
    async run(ctx) {
      const keys = group.strictOnly ? group.keys : expectedKeys(ctx, group);
      if (keys.length === 0) return { status: "skip", reason: "the policy turns the recommended sysctl profile off (sysctl: none)" };
      const values = await Promise.all(keys.map(async (k) => ({ k, value: await runtimeSysctl(ctx, k.key) })));
      const out = judgeRuntime(values);
      return group.strictOnly ? strictOnly(ctx, out, group.strictOnly.baseline) : out;
    },
  };
}

export function judgeRuntime(values: { k: SysctlKey; value: string | undefined }[]): Outcome {
  const present = values.filter((v): v is { k: SysctlKey; value: string } => v.value !== undefined);
  if (present.length === 0) return { status: "skip", reason: `the kernel has none of ${values.map((v) => v.k.key).join(", ")}` };
  const observed: Record<string, string> = {};
  const expected: Record<string, string> = {};
  const failing: string[] = [];
  const tolerated: string[] = [];
  for (const { k, value } of present) {
    observed[k.key] = value;
    expected[k.key] = describeWant(k.want);
    if (accepts(k.want as Want, value)) continue;
    (k.tolerated?.includes(value) ? tolerated : failing).push(k.key);
  }
  const bad = failing.length ? failing : tolerated;
  const source = (bad.length ? bad : present.map((p) => p.k.key)).map(procPath).join(", ");
  const status = failing.length ? "fail" : tolerated.length ? "warn" : "pass";
  const out: Outcome = { status, observed, expected, source };
  const missing = values.filter((v) => v.value === undefined).map((v) => v.k.key);
  if (missing.length) out.reason = `not in this kernel: ${missing.join(", ")}`;
  return out;
}
