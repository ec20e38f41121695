// How bad a finding is: the one scale of the audit's checks (audit/types.ts re-exports it), of the recommended
// kernel parameters (policy/sysctl.ts) and of the reports. In core/ because policy data carries it too.
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
