// fail2ban jails → rampart jails. Reads jail.conf, jail.d/*.conf, jail.local, jail.d/*.local (with their
// includes: paths-*.conf) in fail2ban's order and semantics (./ini.ts), resolves each enabled jail's options
// (%(var)s interpolation, `filter = name[params]` through the one filter resolver — so an sshd jail runs
// rampart's built-in sshd filter, run in place or imported alike —, logpath globs, backend, journalmatch, ignoreip, times
// with fail2ban's abbreviations, bantime.* options), maps old names still found in guides (`[ssh]`,
// `[ssh-ddos]`, `filter = sshd-ddos`) to today's, and maps actions onto rampart's: firewall actions
// (iptables*, nftables*, ipset*, firewallcmd*, ufw, shorewall) → rampart's ban sets; the mail actions
// (action_mw / action_mwl: sendmail-whois[-lines], mail-whois[-lines]) → rampart mail; the report actions
// (abuseipdb, blocklist_de) → guard.report (their API keys are never copied out). Anything else is
// listed in `notMapped` and never run: rampart does not execute fail2ban's shell action templates.
import { hostname } from "node:os";
import { formatCidr, tryParseCidr } from "../../core/ip.js";
import type { Filter } from "../filters/types.js";
import { resolveFilter } from "../filters/resolve.js";
import { Fail2banFilter } from "./filter.js";
import { type ConfFs, configFiles, InterpolationError, type IniSet, readConfig } from "./ini.js";

export interface IncrementOptions {
  enabled: boolean;
  factor?: number;
  multipliers?: number[];
  /** seconds */
  maxtime?: number;
  /** seconds */
  rndtime?: number;
  formula?: string;
  overalljails?: boolean;
}

export type MappedAction =
  | { kind: "ban"; from: string; ports?: string; protocol?: string }
  | { kind: "mail"; from: string; to?: string; sender?: string; whois: boolean; lines: boolean }
  /** a community report; `hasKey`: the configuration holds the API key (rampart wants it in a root-only file) */
  | { kind: "abuseipdb"; from: string; categories?: number[]; hasKey: boolean }
  | { kind: "blocklist_de"; from: string; email?: string; service?: string; hasKey: boolean };

export interface Fail2banJail {
  name: string;
  /** the filter as read: name and parameters (after old-name mapping) */
  filterSpec: string;
  filterName: string;
  filterParams: Record<string, string>;
  filter: Filter;
  /** logpath patterns as written (one per line; " tail"/" head" removed) */
  logpathPatterns: string[];
  /** logpath patterns expanded on the given file system */
  logpaths: string[];
  /** fail2ban's backend: auto, polling, pyinotify, gamin, systemd[…] */
  backend: string;
  /** rampart's source kind for it */
  source: "auto" | "file" | "journald";
  journalmatch: string[];
  maxretry: number;
  /** seconds */
  findtime: number;
  /** seconds; -1: forever */
  bantime: number;
  increment: IncrementOptions;
  /** CIDRs (canonical) */
  ignore: string[];
  ignoreself: boolean;
  actions: MappedAction[];
  usedns: string;
  /** what was mapped, for the report (`option: value → rampart`) */
  mapped: string[];
  /** what could not be mapped, with the reason */
  notMapped: string[];
}

export interface Fail2banJailsResult {
  dir: string;
  files: string[];
  jails: Fail2banJail[];
  /** jail names that are not enabled */
  disabled: string[];
  /** problems not tied to one jail, and jails that could not be read */
  problems: string[];
}

/** old jail and filter names from guides → today's filter spec */
const OLD_NAMES: Record<string, { name: string; params: Record<string, string> }> = {
  ssh: { name: "sshd", params: {} },
  "ssh-iptables": { name: "sshd", params: {} },
  "ssh-ipfw": { name: "sshd", params: {} },
  "ssh-ddos": { name: "sshd", params: { mode: "ddos" } },
  "sshd-ddos": { name: "sshd", params: { mode: "ddos" } },
  "sshd-aggressive": { name: "sshd", params: { mode: "aggressive" } },
};

/** fail2ban's MyTime.str2seconds: "600", "10m", "1h 30m", "1d", "1w", "1mo", "1y", "-1" → seconds */
export function str2seconds(text: string): number | undefined {
  let v = text.trim();
  if (v === "") return undefined;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  v = v.replace(/(?<=[a-z])(\d)/gi, " $1");
  const units: [RegExp, number][] = [
    [/(?<=[\d\s])(days?|da|dd?)\b/gi, 86400],
    [/(?<=[\d\s])(weeks?|wee?|ww?)\b/gi, 604800],
    [/(?<=[\d\s])(months?|mon?)\b/gi, ((365 * 3 + 366) * 86400) / 4 / 12],
    [/(?<=[\d\s])(years?|yea?|yy?)\b/gi, ((365 * 3 + 366) * 86400) / 4],
    [/(?<=[\d\s])(seconds?|sec?|ss?)\b/gi, 1],
    [/(?<=[\d\s])(minutes?|min?|mm?)\b/gi, 60],
    [/(?<=[\d\s])(hours?|hou?|hh?)\b/gi, 3600],
  ];
  for (const [re, n] of units) v = v.replace(re, `*${n}`);
  v = v.replace(/(\d)\s+(\d)/g, "$1+$2");
  // a tiny arithmetic evaluator: numbers, + - * / and spaces only (never eval)
  if (!/^[\d\s.+\-*/]+$/.test(v)) return undefined;
  const tokens = v.replace(/\s+/g, "").match(/\d+(?:\.\d+)?|[+\-*/]/g);
  if (!tokens) return undefined;
  let total = 0;
  let sign = 1;
  let term: number | undefined;
  let op: string | undefined;
  const flush = () => {
    if (term !== undefined) total += sign * term;
    term = undefined;
  };
  for (const t of tokens) {
    if (t === "+" || t === "-") {
      if (term === undefined && t === "-") {
        sign = -sign;
        continue;
      }
      flush();
      sign = t === "-" ? -1 : 1;
      op = undefined;
    } else if (t === "*" || t === "/") op = t;
    else {
      const n = Number(t);
      if (term === undefined) term = n;
      else if (op === "*") term *= n;
      else if (op === "/") term /= n;
      else return undefined;
      op = undefined;
    }
  }
  flush();
  return Number.isFinite(total) ? total : undefined;
}

const bool = (v: string | undefined, dflt: boolean): boolean => {
  if (v === undefined) return dflt;
  const s = v.trim().toLowerCase();
  if (["true", "yes", "on", "1", "enabled"].includes(s)) return true;
  if (["false", "no", "off", "0", "disabled"].includes(s)) return false;
  return dflt;
};

/** fail2ban's extractOptions: `name[k=v, k2="v 2"]` */
export function parseSpec(spec: string): { name: string; params: Record<string, string> } | undefined {
  const m = /^([^[\s]+)(?:\s*\[([\s\S]*)\])?\s*$/.exec(spec.trim());
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const body = m[2] ?? "";
  const re = /\s*([\w.-]+)=(?:"([^"]*)"|'([^']*)'|([^,\]]*))\s*(?:,|$)/g;
  let mm = re.exec(body);
  while (mm) {
    params[mm[1] as string] = (mm[2] ?? mm[3] ?? mm[4] ?? "").trim();
    if (re.lastIndex >= body.length) break;
    mm = re.exec(body);
  }
  return { name: m[1] as string, params };
}

/** fail2ban's splitWithOptions: actions separated by white space or new lines, `name[…]` kept whole */
export function splitActions(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /\s/.test(value[i] as string)) i++;
    if (i >= value.length) break;
    let j = i;
    while (j < value.length && !/[\s[]/.test(value[j] as string)) j++;
    // optional [ … ] (quotes may hold "]")
    let k = j;
    while (k < value.length && /[ \t]/.test(value[k] as string)) k++;
    if (value[k] === "[") {
      let q: string | undefined;
      k++;
      while (k < value.length) {
        const c = value[k] as string;
        if (q) {
          if (c === q) q = undefined;
        } else if (c === '"' || c === "'") q = c;
        else if (c === "]") {
          k++;
          break;
        }
        k++;
      }
      j = k;
    }
    out.push(value.slice(i, j).trim());
    i = j;
  }
  return out.filter(Boolean);
}

const FIREWALL_ACTION = /^(iptables|ip6tables|nftables|nftables-|ipset|firewallcmd|ufw|shorewall|route|pf|ipfw|bsd-ipfw|npf)/;
const MAIL_ACTION =
  /^(sendmail|mail|mail-buffered|sendmail-buffered|sendmail-common|mail-whois|sendmail-whois|sendmail-geoip-lines)(-whois)?(-lines)?$/;

function mapAction(spec: string, jailOpts: (o: string) => string | undefined): { action?: MappedAction; problem?: string } {
  const p = parseSpec(spec);
  if (!p) return { problem: `action "${spec.slice(0, 80)}": cannot parse it` };
  const name = p.name.replace(/\.conf$/, "");
  if (FIREWALL_ACTION.test(name)) {
    const a: MappedAction = { kind: "ban", from: name };
    const port = p.params.port ?? jailOpts("port");
    const protocol = p.params.protocol ?? jailOpts("protocol");
    if (port !== undefined) a.ports = port;
    if (protocol !== undefined) a.protocol = protocol;
    return { action: a };
  }
  if (MAIL_ACTION.test(name) || /^(sendmail|mail)(-whois)?(-lines)?$/.test(name)) {
    const fq = hostname();
    const sender = (p.params.sender ?? jailOpts("sender"))?.replace(/<fq-hostname>/g, fq);
    const to = p.params.dest ?? jailOpts("destemail");
    const a: MappedAction = { kind: "mail", from: name, whois: name.includes("whois"), lines: name.includes("lines") };
    if (to !== undefined) a.to = to;
    if (sender !== undefined) a.sender = sender;
    return { action: a };
  }
  if (name === "abuseipdb") {
    const cat = p.params.abuseipdb_category ?? jailOpts("abuseipdb_category");
    const key = p.params.abuseipdb_apikey ?? jailOpts("abuseipdb_apikey");
    const a: MappedAction = { kind: "abuseipdb", from: name, hasKey: Boolean(key?.trim()) };
    const ids = (cat ?? "")
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    if (ids.length && ids.every((n) => Number.isInteger(n) && n >= 1 && n <= 99)) a.categories = ids;
    return { action: a };
  }
  if (name === "blocklist_de") {
    const email = p.params.email ?? jailOpts("sender");
    const service = p.params.service ?? jailOpts("blocklist_de_service");
    const key = p.params.apikey ?? jailOpts("blocklist_de_apikey");
    const a: MappedAction = { kind: "blocklist_de", from: name, hasKey: Boolean(key?.trim()) };
    if (email?.trim()) a.email = email.trim().replace(/<fq-hostname>/g, hostname());
    if (service?.trim()) a.service = service.trim();
    return { action: a };
  }
  return { problem: `action "${name}": no rampart equivalent (not run; rampart never runs fail2ban's shell actions)` };
}

/** expand `*`, `?` and `[…]` globs segment by segment on the given file system */
async function expandGlob(fs: ConfFs, pattern: string): Promise<string[]> {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const parts = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let bases = [""];
  for (const part of parts.slice(1)) {
    const next: string[] = [];
    if (!/[*?[]/.test(part)) for (const b of bases) next.push(`${b}/${part}`);
    else {
      const re = new RegExp(
        `^${part
          .replace(/[.+^${}()|\\]/g, "\\$&")
          .replace(/\*/g, "[^/]*")
          .replace(/\?/g, "[^/]")}$`,
      );
      for (const b of bases) for (const n of await fs.list(b || "/")) if (re.test(n) && !n.startsWith(".")) next.push(`${b}/${n}`);
    }
    bases = next;
  }
  return bases;
}

export interface LoadJailsOptions {
  /** only these jails (enabled or not) */
  only?: string[];
  /** expand logpath globs on this file system (default: the config fs) */
  logFs?: ConfFs;
}

/**
 * Read a fail2ban configuration directory: every enabled jail with its filter compiled into a rampart
 * Filter, its times, ignore list and mapped actions. Never throws for one bad jail: it goes to `problems`.
 */
export async function loadFail2banJails(dir: string, fs: ConfFs, opts: LoadJailsOptions = {}): Promise<Fail2banJailsResult> {
  const root = dir.replace(/\/+$/, "") || "/";
  const ini = await readConfig(fs, await configFiles(fs, root, "jail"));
  const result: Fail2banJailsResult = { dir: root, files: ini.files, jails: [], disabled: [], problems: [...ini.problems] };
  if (ini.files.length === 0) {
    result.problems.push(`no jail.conf or jail.local in ${root}`);
    return result;
  }
  for (const name of ini.sections.keys()) {
    if (name === "INCLUDES" || name.startsWith("KNOWN/") || name === "Definition" || name === "Init") continue;
    if (opts.only && !opts.only.includes(name)) continue;
    try {
      const jail = await loadJail(ini, root, name, fs, opts);
      if (jail) result.jails.push(jail);
      else result.disabled.push(name);
    } catch (e) {
      result.problems.push(`jail [${name}]: ${(e as Error).message}`);
    }
  }
  return result;
}

async function loadJail(ini: IniSet, root: string, name: string, fs: ConfFs, opts: LoadJailsOptions): Promise<Fail2banJail | undefined> {
  const notMapped: string[] = [];
  const mapped: string[] = [];
  const get = (o: string): string | undefined => {
    try {
      return ini.get(name, o);
    } catch (e) {
      if (e instanceof InterpolationError) notMapped.push(`${o}: ${e.message}`);
      return undefined;
    }
  };
  if (!bool(get("enabled"), false)) return undefined;
  // filter (with old names)
  let filterText = get("filter") ?? "";
  let spec = parseSpec(filterText);
  if (!spec || spec.name === "") throw new Error(`filter "${filterText}" cannot be parsed`);
  const old = OLD_NAMES[spec.name];
  const filterDir = `${root}/filter.d`;
  const exists = async (n: string) =>
    (await fs.readTextIfExists(`${filterDir}/${n}.conf`)) !== undefined ||
    (await fs.readTextIfExists(`${filterDir}/${n}.local`)) !== undefined;
  if (old && !(await exists(spec.name))) {
    mapped.push(
      `filter ${filterText} → ${old.name}${
        Object.keys(old.params).length
          ? `[${Object.entries(old.params)
              .map(([k, v]) => `${k}=${v}`)
              .join(",")}]`
          : ""
      } (old name)`,
    );
    spec = { name: old.name, params: { ...spec.params, ...old.params } };
  }
  filterText = `${spec.name}${
    Object.keys(spec.params).length
      ? `[${Object.entries(spec.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}]`
      : ""
  }`;
  const backend = (get("backend") ?? "auto").trim();
  const jailOptions: Record<string, string> = {};
  for (const o of ["usedns", "prefregex", "ignoreregex", "failregex", "maxlines", "datepattern", "journalmatch"]) {
    if (ini.sections.get(name)?.has(o)) {
      const v = get(o);
      if (v !== undefined) jailOptions[o] = v;
    }
  }
  // the one resolver: a built-in filter of that name (sshd) runs instead of fail2ban's regexes — the same
  // filter an imported jail gets — and anything it does not take is reported
  const filter = await resolveFilter(
    { name: spec.name, params: spec.params },
    {
      fs,
      dir: root,
      fromFail2banJail: true,
      jailOptions,
      backend,
      onProblem: (m) => notMapped.push(`filter ${spec.name}: ${m}`),
    },
  );
  const translated = filter instanceof Fail2banFilter ? filter : undefined;
  if (!translated) {
    mapped.push(`filter ${filterText} → rampart's built-in ${filter.name} filter (mode ${filter.mode})`);
    if (jailOptions.journalmatch !== undefined)
      notMapped.push(
        `journalmatch = ${jailOptions.journalmatch}: rampart's ${filter.name} jails read ${filter.name}'s own journal entries`,
      );
  }
  // times
  const time = (o: string, dflt: number): number => {
    const v = get(o);
    if (v === undefined) return dflt;
    const s = str2seconds(v);
    if (s === undefined) {
      notMapped.push(`${o} = ${v}: not a time; using ${dflt}`);
      return dflt;
    }
    return s;
  };
  const maxretryText = get("maxretry");
  let maxretry = 5;
  if (maxretryText !== undefined) {
    const n = Number(maxretryText);
    if (Number.isInteger(n) && n >= 1) maxretry = n;
    else notMapped.push(`maxretry = ${maxretryText}: not a whole number >= 1; using 5`);
  }
  const findtime = time("findtime", 600);
  let bantime = time("bantime", 600);
  if (bantime < 0) bantime = -1;
  const increment: IncrementOptions = { enabled: bool(get("bantime.increment"), false) };
  if (increment.enabled) {
    const factor = get("bantime.factor");
    if (factor !== undefined) {
      const f = Number(factor);
      if (Number.isFinite(f) && f > 0) increment.factor = f;
      else notMapped.push(`bantime.factor = ${factor}: not a number`);
    }
    const mult = get("bantime.multipliers");
    if (mult?.trim()) increment.multipliers = mult.trim().split(/\s+/).map(Number);
    const maxtime = get("bantime.maxtime");
    if (maxtime?.trim()) {
      const s = str2seconds(maxtime);
      if (s !== undefined) increment.maxtime = s;
    }
    const rnd = get("bantime.rndtime");
    if (rnd?.trim()) {
      const s = str2seconds(rnd);
      if (s !== undefined) increment.rndtime = s;
    }
    const formula = get("bantime.formula");
    if (formula?.trim() && !increment.multipliers) increment.formula = formula;
    increment.overalljails = bool(get("bantime.overalljails"), false);
  }
  // ignore list
  const ignore: string[] = [];
  for (const item of (get("ignoreip") ?? "").split(/[\s,]+/).filter(Boolean)) {
    const c = tryParseCidr(item);
    if (c.ok)
      ignore.push(formatCidr(c.value)); // fail2ban masks host bits: 127.0.0.1/8 → 127.0.0.0/8
    else notMapped.push(`ignoreip ${item}: not an address or CIDR (rampart does not resolve names)`);
  }
  if (get("ignorecommand")?.trim()) notMapped.push("ignorecommand: not run (rampart never runs commands from fail2ban's configuration)");
  const ignoreself = bool(get("ignoreself"), true);
  if (!ignoreself) notMapped.push("ignoreself = false: rampart always ignores the host's own addresses");
  // sources
  const logpathPatterns = (get("logpath") ?? "")
    .split("\n")
    .map((s) => s.trim().replace(/\s+(tail|head)$/, ""))
    .filter(Boolean);
  const logpaths: string[] = [];
  for (const p of logpathPatterns) logpaths.push(...(await expandGlob(opts.logFs ?? fs, p)));
  const source: Fail2banJail["source"] = backend.startsWith("systemd") ? "journald" : backend === "auto" ? "auto" : "file";
  if (!["auto", "polling", "pyinotify", "gamin"].includes(backend) && !backend.startsWith("systemd"))
    notMapped.push(`backend = ${backend}: unknown; using auto`);
  if (backend.startsWith("systemd[")) notMapped.push(`backend = ${backend}: journal options ignored (rampart reads the system journal)`);
  const usedns = (translated?.definition.usedns ?? get("usedns") ?? "warn").trim();
  if (usedns === "yes")
    notMapped.push("usedns = yes: rampart never resolves host names; lines naming a host instead of an address are not counted");
  // actions
  const actions: MappedAction[] = [];
  for (const a of splitActions(get("action") ?? "")) {
    const m = mapAction(a, get);
    if (m.action) actions.push(m.action);
    if (m.problem) notMapped.push(m.problem);
  }
  mapped.push(`filter = ${filterText}`, `maxretry = ${maxretry}`, `findtime = ${findtime}s`, `bantime = ${bantime}s`);
  return {
    name,
    filterSpec: filterText,
    filterName: spec.name,
    filterParams: spec.params,
    filter,
    logpathPatterns,
    logpaths,
    backend,
    source,
    journalmatch: translated?.definition.journalmatch ?? [],
    maxretry,
    findtime,
    bantime,
    increment,
    ignore,
    ignoreself,
    actions,
    usedns,
    mapped,
    notMapped,
  };
}
