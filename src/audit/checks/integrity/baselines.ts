// The file-integrity baselines the integrity checks recognise, and how old each one is: AIDE's database
// (and the log of its last daily check), rampart's own database, and debsums (which checks files against the
// packages' md5sums, so its "baseline" is always current and freshness means its cron check is on).
import type { AuditContext } from "../../types.js";
import { BaselineStore, type RunRecord } from "../../../integrity/store.js";
import { packages } from "../../../facts/packages.js";

export interface Baseline {
  kind: "aide" | "rampart" | "debsums";
  path: string;
  /** when the baseline was written or last checked (ms since epoch); undefined for debsums */
  at?: number;
  /** debsums: the CRON_CHECK setting and its file:line */
  cron?: { value: string; source: string };
  /** rampart: the last `rampart integrity check` recorded in the database */
  lastCheck?: RunRecord | undefined;
}

const AIDE_DBS = ["/var/lib/aide/aide.db", "/var/lib/aide/aide.db.gz"];
const AIDE_LOGS = ["/var/log/aide/aide.log"];
export const RAMPART_DB = "/var/lib/rampart/integrity.db";

export function baselines(ctx: AuditContext): Promise<Baseline[]> {
  return ctx.memo("integrity:baselines", async () => {
    const out: Baseline[] = [];
    for (const db of AIDE_DBS) {
      const st = await ctx.fs.stat(db);
      if (!st?.isFile()) continue;
      let at = st.mtimeMs;
      for (const log of AIDE_LOGS) {
        const ls = await ctx.fs.stat(log);
        if (ls && ls.mtimeMs > at) at = ls.mtimeMs;
      }
      out.push({ kind: "aide", path: db, at });
      break;
    }
    const r = await ctx.fs.stat(RAMPART_DB);
    if (r?.isFile()) {
      // the runs log says when it was last written or checked (the file's mtime lags behind WAL writes)
      let at = r.mtimeMs;
      let lastCheck: RunRecord | undefined;
      try {
        const store = BaselineStore.open(await ctx.fs.real(RAMPART_DB), { create: false, readonly: true });
        try {
          lastCheck = store.lastRun("check");
          at = Math.max(at, store.lastRun()?.finishedAt ?? 0);
        } finally {
          store.close();
        }
      } catch {
        // unreadable: the mtime is all we know (INT-LAST-CHECK reports it)
      }
      out.push({ kind: "rampart", path: RAMPART_DB, at, lastCheck });
    }
    const db = await packages(ctx);
    if (db.packages.get("debsums")?.installed) {
      const b: Baseline = { kind: "debsums", path: "/var/lib/dpkg/info/*.md5sums" };
      const text = await ctx.fs.readTextIfExists("/etc/default/debsums");
      text?.split("\n").forEach((line, i) => {
        const m = /^\s*CRON_CHECK\s*=\s*"?(\w+)"?/.exec(line);
        if (m) b.cron = { value: m[1] ?? "", source: `/etc/default/debsums:${i + 1}` };
      });
      out.push(b);
    }
    return out;
  });
}
