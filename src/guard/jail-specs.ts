// Where the daemon's jails come from: the policy's `guard.jails` (built-in filters, or fail2ban filters named
// `fail2ban:NAME[params]`) and, when `guard.fail2ban: DIR` is set, the enabled jails of a fail2ban
// configuration run in place. Both resolve their filter names through the one resolver (filters/resolve.ts:
// an sshd jail runs the built-in sshd filter either way) and become the same JailSpec; a policy jail wins over a fail2ban jail of the
// same name or filter, so a log is never watched twice for the same thing.
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import type { HostFs } from "../system/hostfs.js";
import type { Fail2banJail } from "./fail2ban/jails.js";
import { resolveFilter } from "./filters/resolve.js";
import type { Filter } from "./filters/types.js";

export const DEFAULT_SSH_LOG = "/var/log/auth.log";
/** The programs that write sshd's log lines (OpenSSH ≥ 9.8 splits sshd into sshd-session and sshd-auth). */
export const SSHD_PROGRAMS = ["sshd", "sshd-session", "sshd-auth"] as const;
/**
 * The journal entries of sshd: matched on _COMM, which journald sets from the sender's process (the
 * sender's SYSLOG_IDENTIFIER is its own claim: `logger -t sshd` has it); _EXE is checked per entry too.
 */
export const SSH_JOURNAL_MATCHES = SSHD_PROGRAMS.flatMap((p, i) => (i === 0 ? [`_COMM=${p}`] : ["+", `_COMM=${p}`]));

export interface JailSpec {
  name: string;
  filter: Filter;
  /** where it came from, for status and logs: "policy" or the fail2ban directory */
  origin: string;
  logpath: string;
  backend: "auto" | "file" | "journald";
  journalMatches: string[];
  /** journal entries are accepted only from these programs under /usr (sshd jails) */
  trustedPrograms?: readonly string[] | undefined;
  maxretry: number;
  /** seconds */
  findtime: number;
  /** seconds; -1 = permanent */
  bantime: number;
  increment?: { factor?: number; multipliers?: number[]; maxSec: number } | undefined;
  ipv6Prefix: number;
  forgetOnSuccess: boolean;
  ignore: string[];
  /** fail2ban mail actions, for the notifier when the policy has none */
  mailTo?: { to: string; from?: string | undefined; whois: boolean } | undefined;
}

export async function jailSpecs(policy: Policy, fs: HostFs, log: Logger): Promise<JailSpec[]> {
  const dir = policy.guard.fail2ban ?? "/etc/fail2ban";
  const out: JailSpec[] = [];
  for (const [name, j] of Object.entries(policy.guard.jails)) {
    if (!j.enabled) continue;
    const spec = j.filter ?? (name === "sshd" || name === "ssh" ? `sshd[mode=${j.mode}]` : name);
    const filter = await resolveFilter(spec, { fs, dir, onProblem: (m) => log.warn(`jail ${name}: ${m}`) });
    out.push({
      name,
      filter,
      origin: "policy",
      logpath: j.logpath ?? DEFAULT_SSH_LOG,
      backend: j.backend,
      journalMatches: filter.name === "sshd" ? SSH_JOURNAL_MATCHES : [],
      trustedPrograms: filter.name === "sshd" ? SSHD_PROGRAMS : undefined,
      maxretry: j.maxretry,
      findtime: j.findtime,
      bantime: j.bantime,
      increment: j.increment ? { factor: j.increment.factor, maxSec: j.increment.max } : undefined,
      ipv6Prefix: j.ipv6Prefix,
      forgetOnSuccess: j.forgetOnSuccess,
      ignore: j.ignore,
    });
  }
  if (policy.guard.fail2ban) {
    const { loadFail2banJails } = await import("./fail2ban/jails.js");
    const r = await loadFail2banJails(policy.guard.fail2ban, fs);
    for (const p of r.problems) log.warn(`fail2ban ${r.dir}: ${p}`);
    for (const fj of r.jails) {
      const spec = fromFail2ban(fj, r.dir);
      // a policy jail of the same name, or with the same filter (and mode) on the same log, already watches
      // it. Two fail2ban jails with one filter on one log both run, as in fail2ban (since they resolve to the
      // same built-in sshd filter, Debian's [sshd] and a guide's [ssh] would otherwise shadow each other)
      const clash = out.find(
        (s) =>
          s.origin === "policy" &&
          (s.name === spec.name || (sameFilter(s, spec) && s.logpath === spec.logpath && s.backend === spec.backend)),
      );
      if (clash) {
        log.info(`fail2ban jail ${fj.name} skipped: jail ${clash.name} (${clash.origin}) already covers it`);
        continue;
      }
      for (const n of fj.notMapped) log.warn(`fail2ban jail ${fj.name}: not mapped: ${n}`);
      out.push(spec);
    }
  }
  return out;
}

function sameFilter(a: JailSpec, b: JailSpec): boolean {
  return a.filter.name === b.filter.name && a.filter.mode === b.filter.mode;
}

function fromFail2ban(j: Fail2banJail, dir: string): JailSpec {
  const mail = j.actions.find((a) => a.kind === "mail");
  const inc = j.increment;
  return {
    name: j.name,
    filter: j.filter,
    origin: dir,
    logpath: j.logpaths[0] ?? j.logpathPatterns[0] ?? DEFAULT_SSH_LOG,
    backend: j.source,
    // an sshd jail reads sshd's own entries whatever its journalmatch says (fail2ban matches the unit name)
    journalMatches: j.filter.name === "sshd" ? SSH_JOURNAL_MATCHES : j.journalmatch,
    trustedPrograms: j.filter.name === "sshd" ? SSHD_PROGRAMS : undefined,
    maxretry: j.maxretry,
    findtime: j.findtime,
    // fail2ban's -1 is a ban without end: loaded with no timeout (never a huge number the kernel refuses)
    bantime: j.bantime < 0 ? -1 : j.bantime,
    increment: inc.enabled
      ? {
          ...(inc.factor !== undefined ? { factor: inc.factor } : {}),
          ...(inc.multipliers ? { multipliers: inc.multipliers } : {}),
          maxSec: inc.maxtime ?? 7 * 86400,
        }
      : undefined,
    ipv6Prefix: 64,
    forgetOnSuccess: false,
    ignore: j.ignore,
    mailTo: mail?.kind === "mail" && mail.to ? { to: mail.to, from: mail.sender, whois: mail.whois } : undefined,
  };
}
