// INT-BASELINE-RECENT: the baseline is kept up: the newest of the database and its last check is at most
// 7 days old (by the injected clock), or debsums' cron check is on (daily/weekly). A baseline nobody checks
// against is shelfware.
import type { Check } from "../../types.js";
import { baselines } from "./baselines.js";

export const MAX_AGE_DAYS = 7;
const DAY = 86_400_000;

export const intBaselineRecent: Check = {
  id: "INT-BASELINE-RECENT",
  area: "integrity",
  title: `The integrity baseline was checked within ${MAX_AGE_DAYS} days`,
  severity: "low",
  remediation:
    "Schedule the check: `rampart integrity check` daily (rampart-integrity.timer), or AIDE's daily cron (/etc/cron.daily/aide, `aide --check`); for debsums set CRON_CHECK=daily in /etc/default/debsums.",
  refs: ["CIS Debian Linux 12 6.1.2 (filesystem integrity regularly checked)", "Lynis FINT-4350"],
  async run(ctx) {
    const found = await baselines(ctx);
    if (found.length === 0) return { status: "skip", reason: "no integrity baseline (see INT-BASELINE-PRESENT)" };
    const now = ctx.clock.now();
    const observed: string[] = [];
    let fresh = false;
    for (const b of found) {
      if (b.at !== undefined) {
        const days = Math.floor((now - b.at) / DAY);
        observed.push(`${b.kind}: ${b.path} ${days} day(s) old (${new Date(b.at).toISOString().slice(0, 10)})`);
        if (now - b.at <= MAX_AGE_DAYS * DAY) fresh = true;
      } else {
        const cron = b.cron?.value ?? "unset";
        observed.push(`debsums: CRON_CHECK=${cron}${b.cron ? ` (${b.cron.source})` : ""}`);
        if (cron === "daily" || cron === "weekly") fresh = true;
      }
    }
    const expected = `a baseline written or checked within ${MAX_AGE_DAYS} days`;
    const source = found.map((b) => b.cron?.source ?? b.path).join(", ");
    return fresh
      ? { status: "pass", observed, expected, source }
      : { status: "fail", observed, expected, source, reason: "the baseline is stale" };
  },
};
