// `rampart guard import-fail2ban [DIR]`: fail2ban jails → a `guard:` policy snippet, with a report of what
// was mapped and what was not, per jail and per filter. sshd jails become rampart's built-in sshd filter
// (same modes, faster, anchored extraction) — the filter the same jail runs in place (`guard.fail2ban`);
// other jails keep their fail2ban filter as `fail2ban:NAME[…]`, which resolveFilter (../filters/resolve.ts)
// loads from the same directory.
import { stringify } from "yaml";
import { HostFs } from "../../system/hostfs.js";
import { isBuiltinFilter } from "../filters/resolve.js";
import type { ConfFs } from "./ini.js";
import { type Fail2banJail, type Fail2banJailsResult, loadFail2banJails } from "./jails.js";

/** Where the imported policy expects the report keys: fail2ban keeps them in jail.local, rampart in root-only files. */
export const ABUSEIPDB_KEY_FILE = "/etc/rampart/abuseipdb.key";
export const BLOCKLIST_DE_KEY_FILE = "/etc/rampart/blocklist-de.key";
/** blocklist.de files SSH reports under "ssh"; fail2ban passes the jail's name (sshd) */
const blocklistService = (s: string | undefined) =>
  !s || /^(sshd?|ssh-ddos)$/.test(s)
    ? "ssh"
    : s
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 32);
const FOREVER = 3650 * 86400;

export interface ImportedJail {
  name: string;
  fail2ban: { filter: string; backend: string; logpath: string[]; actions: string[] };
  /** the rampart jail (policy guard.jails entry) */
  rampart: Record<string, unknown>;
  mapped: string[];
  notMapped: string[];
}

export interface ImportReport {
  dir: string;
  files: string[];
  jails: ImportedJail[];
  disabled: string[];
  problems: string[];
  /** the `guard:` snippet */
  policy: { guard: Record<string, unknown> };
  /** true when nothing was left unmapped */
  complete: boolean;
}

function rampartJail(j: Fail2banJail, sharedIgnore: string[] | undefined, notMapped: string[], mapped: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isBuiltinFilter(j.filterName)) {
    // the jail's filter was resolved by the one resolver (./jails.ts → filters/resolve.ts): a built-in filter,
    // with the parameters it does not take already reported in notMapped
    if (j.name !== j.filterName) out.filter = j.filterName;
    if (j.filter.mode !== "default") out.mode = j.filter.mode;
  } else {
    out.filter = `fail2ban:${j.filterSpec}`;
    mapped.push(`filter ${j.filterSpec} → fail2ban:${j.filterSpec} (run through rampart's fail2ban filter translation)`);
  }
  out.maxretry = j.maxretry;
  out.findtime = Math.round(j.findtime);
  if (j.bantime < 0) {
    out.bantime = FOREVER;
    mapped.push("bantime = -1 (forever) → 3650 days");
  } else out.bantime = Math.round(j.bantime);
  if (j.increment.enabled) {
    const inc: Record<string, number> = { factor: j.increment.factor ?? 1 };
    if (j.increment.maxtime !== undefined) inc.max = Math.round(j.increment.maxtime);
    out.increment = inc;
    mapped.push(`bantime.increment → increment (factor ${inc.factor}${inc.max ? `, max ${inc.max}s` : ""})`);
    if (j.increment.multipliers)
      notMapped.push(
        `bantime.multipliers = ${j.increment.multipliers.join(" ")}: rampart grows bans by a factor; used factor ${inc.factor}`,
      );
    if (j.increment.formula) notMapped.push("bantime.formula: rampart grows bans by a factor, not a formula");
    if (j.increment.rndtime) notMapped.push(`bantime.rndtime = ${j.increment.rndtime}s: rampart adds no random time`);
    if (j.increment.overalljails) notMapped.push("bantime.overalljails: rampart counts repeat offences per jail");
  }
  if (j.logpathPatterns.length === 1) out.logpath = j.logpathPatterns[0];
  else if (j.logpathPatterns.length > 1) {
    out.logpath = j.logpathPatterns[0];
    notMapped.push(
      `logpath: ${j.logpathPatterns.length} paths; a rampart jail reads one (kept ${j.logpathPatterns[0]}; add a jail per extra path)`,
    );
  }
  if (/[*?[]/.test(String(out.logpath ?? ""))) notMapped.push(`logpath ${out.logpath}: a glob; rampart jails read one file`);
  out.backend = j.source;
  mapped.push(`backend = ${j.backend} → ${j.source}`);
  if (!sharedIgnore && j.ignore.length) out.ignore = j.ignore;
  return out;
}

/** Build the import report and policy snippet from loaded jails. */
export function buildImport(r: Fail2banJailsResult): ImportReport {
  const ignores = r.jails.map((j) => JSON.stringify(j.ignore));
  const shared = r.jails.length > 0 && ignores.every((i) => i === ignores[0]) ? (r.jails[0] as Fail2banJail).ignore : undefined;
  const jails: ImportedJail[] = [];
  const rampartJails: Record<string, unknown> = {};
  let email: Record<string, unknown> | undefined;
  const report: Record<string, unknown> = {};
  const reportJails = new Set<string>();
  for (const j of r.jails) {
    const mapped = [...j.mapped];
    const notMapped = [...j.notMapped];
    const name = j.name.replace(/[^a-zA-Z0-9_-]/g, "-");
    if (name !== j.name) mapped.push(`jail [${j.name}] → ${name}`);
    const rj = rampartJail(j, shared, notMapped, mapped);
    rampartJails[name] = rj;
    for (const a of j.actions) {
      if (a.kind === "ban") mapped.push(`action ${a.from} → rampart ban sets (nftables/ipset with timeouts)`);
      else if (a.kind === "abuseipdb") {
        reportJails.add(name);
        const c: Record<string, unknown> = { keyFile: ABUSEIPDB_KEY_FILE };
        if (a.categories) c.categories = a.categories;
        if (report.abuseipdb && JSON.stringify(report.abuseipdb) !== JSON.stringify(c))
          notMapped.push(
            `action ${a.from}: categories ${a.categories?.join(",")}; rampart reports every jail with one list (kept the first jail's)`,
          );
        report.abuseipdb ??= c;
        mapped.push(`action ${a.from} → guard.report.abuseipdb (categories ${(a.categories ?? [18, 22]).join(",")})`);
        notMapped.push(
          `action ${a.from}: the API key is not copied${a.hasKey ? " from the fail2ban configuration" : " (none was set)"}; write it to ${ABUSEIPDB_KEY_FILE} (install -m 600 -o root)`,
        );
      } else if (a.kind === "blocklist_de") {
        reportJails.add(name);
        const c: Record<string, unknown> = {
          email: a.email ?? "root@localhost",
          keyFile: BLOCKLIST_DE_KEY_FILE,
          service: blocklistService(a.service ?? j.name),
        };
        if (report.blocklistDe && JSON.stringify(report.blocklistDe) !== JSON.stringify(c))
          notMapped.push(
            `action ${a.from}: service ${String(c.service)}; rampart reports every jail under one service (kept the first jail's)`,
          );
        report.blocklistDe ??= c;
        mapped.push(`action ${a.from} → guard.report.blocklistDe (server ${String(c.email)}, service ${String(c.service)})`);
        if (!a.email) notMapped.push(`action ${a.from}: no server e-mail (email=/sender); set guard.report.blocklistDe.email`);
        notMapped.push(
          `action ${a.from}: the API key is not copied${a.hasKey ? " from the fail2ban configuration" : " (none was set)"}; write it to ${BLOCKLIST_DE_KEY_FILE} (install -m 600 -o root)`,
        );
      } else {
        const e: Record<string, unknown> = { to: a.to ?? "root@localhost" };
        if (a.sender) e.from = a.sender;
        if (a.whois) e.whois = true;
        if (email && JSON.stringify(email) !== JSON.stringify(e))
          notMapped.push(`action ${a.from}: mail to ${a.to}; rampart sends one mail per ban to guard.notify.email (kept the first jail's)`);
        email ??= e;
        mapped.push(
          `action ${a.from} → rampart mail to ${a.to ?? "root@localhost"}${a.whois ? " with whois" : ""}${a.lines ? " with the matching log lines" : ""}`,
        );
      }
    }
    if (!j.actions.some((a) => a.kind === "ban")) notMapped.push("no ban action was mapped: rampart bans anyway (its jails always ban)");
    jails.push({
      name: j.name,
      fail2ban: { filter: j.filterSpec, backend: j.backend, logpath: j.logpathPatterns, actions: j.actions.map((a) => a.from) },
      rampart: rj,
      mapped,
      notMapped,
    });
  }
  const guard: Record<string, unknown> = {};
  if (shared?.length) guard.ignore = shared;
  if (email) guard.notify = { email };
  if (Object.keys(report).length) {
    // fail2ban reports per jail; rampart reports the listed jails (all of them when every jail reported)
    if (reportJails.size < Object.keys(rampartJails).length) report.jails = [...reportJails];
    guard.report = report;
  }
  guard.jails = rampartJails;
  return {
    dir: r.dir,
    files: r.files,
    jails,
    disabled: r.disabled,
    problems: r.problems,
    policy: { guard },
    complete: r.problems.length === 0 && jails.every((j) => j.notMapped.length === 0),
  };
}

export async function importFail2ban(dir: string, fs: ConfFs = new HostFs("/")): Promise<ImportReport> {
  return buildImport(await loadFail2banJails(dir, fs));
}

export function policyYaml(report: ImportReport): string {
  return `# rampart guard jails imported from fail2ban (${report.dir}) by \`rampart guard import-fail2ban\`\n${stringify(report.policy)}`;
}

export function humanImport(report: ImportReport): string {
  const out: string[] = [`fail2ban configuration ${report.dir}: ${report.files.join(", ") || "no files"}`];
  for (const j of report.jails) {
    out.push(
      "",
      `jail [${j.name}]  filter ${j.fail2ban.filter}, backend ${j.fail2ban.backend}, actions ${j.fail2ban.actions.join(", ") || "none"}`,
    );
    for (const m of j.mapped) out.push(`  mapped      ${m}`);
    for (const m of j.notMapped) out.push(`  NOT mapped  ${m}`);
  }
  if (report.disabled.length) out.push("", `not enabled (skipped): ${report.disabled.join(", ")}`);
  for (const p of report.problems) out.push(`problem: ${p}`);
  out.push("", report.complete ? "everything was mapped." : "some settings were not mapped (see NOT mapped above).");
  return out.join("\n");
}
