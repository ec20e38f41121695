// What the running guard reports about itself: `rampart guard status`, the control socket's "status" and the
// Prometheus metrics (metrics.ts) all read this one shape, built by the daemon (daemon.ts).
import type { BanBookStatus } from "./banbook.js";
import type { ReportsStatus } from "./report/queue.js";
import type { ShareStatus } from "./share/types.js";
import type { SourceStatus } from "./sources/types.js";

export interface GuardStatus {
  startedAt: string;
  enforcer: string;
  lines: number;
  activeBans: number;
  kernelErrors: number;
  latencyMs: { p50: number | undefined; p99: number | undefined };
  /** the BanBook: refusals, quarantine, kernel errors */
  kernel: BanBookStatus;
  quarantined: { target: string; jail: string; problem: string }[];
  /** admin login sources protected now */
  adminSessions: string[];
  sources: SourceStatus[];
  jails: { name: string; filter: string; source: string; tracked: number; matches: number; bans: number }[];
  notifications: { sent: number; failed: number } | undefined;
  /** guard.report: per reporter, reports sent, failed (given up), throttled (limits), waiting */
  reports: ReportsStatus | undefined;
  share: (ShareStatus & { refused: number }) | undefined;
}
