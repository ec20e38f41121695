// The addresses that keep this host alive: what it must always be able to reach, whatever a blocklist or a
// ban says. Without them a hostile or mistaken list cuts the host off from its own name service, its router,
// its clock, its fleet database and the list server itself — and the next refresh then fails and keeps the
// bad copy. Collected in one place because the blocklist refresh (src/blocklist/never.ts) and the guard's ban
// gate both need exactly this answer:
//   - the resolvers in /etc/resolv.conf, and systemd-resolved's upstreams (/run/systemd/resolve/resolv.conf)
//     when /etc/resolv.conf only names its local stub;
//   - the default gateways (`ip -j route show default`, v4 and v6, multipath included);
//   - the configured NTP servers (systemd-timesyncd, chrony, ntpd/ntpsec), resolved now;
//   - the fleet database host (guard.share.postgres), resolved now;
//   - any extra host a caller names (each blocklist source's own server, resolved when it is fetched).
// Every lookup is bounded in time and a failed one is reported, never fatal: a refresh must not hang on DNS.
import { lookup } from "node:dns/promises";
import { messageOf } from "../core/errors.js";
import { formatIp, tryParseIp } from "../core/ip.js";
import type { Runner } from "./exec.js";
import type { HostFs } from "./hostfs.js";

export interface KeepAlive {
  /** one address (canonical text) */
  address: string;
  /** why it is kept reachable */
  reason: string;
}

/** Name → addresses; injectable for tests (the default is getaddrinfo through node:dns, with a timeout). */
export type Resolver = (host: string) => Promise<string[]>;

export interface KeepAliveOptions {
  fs: HostFs;
  /** for `ip route`; without it the gateways are not looked up */
  run?: Runner;
  /** guard.share.postgres (a postgres:// URL): its host is kept reachable */
  fleetDatabase?: string | undefined;
  /** more names or addresses to keep reachable, each with its reason */
  hosts?: readonly { host: string; reason: string }[];
  resolve?: Resolver;
  /** lookups that failed (they never stop the caller) */
  warn?: (message: string) => void;
}

const LOOKUP_TIMEOUT_MS = 2000;

/** getaddrinfo with a time limit: an unreachable resolver must not stall a refresh or a ban. */
export const systemResolver: Resolver = async (host) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)), LOOKUP_TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([lookup(host, { all: true }), timeout]);
    return r.map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
};

/** A literal address as itself, else the resolver's answer (canonical texts, no duplicates). */
export async function resolveHost(host: string, resolve: Resolver = systemResolver): Promise<string[]> {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  const lit = tryParseIp(bare);
  if (lit.ok) return [formatIp(lit.value)];
  const out = new Set<string>();
  for (const a of await resolve(bare)) {
    const p = tryParseIp(a);
    if (p.ok) out.add(formatIp(p.value));
  }
  return [...out];
}

/** `nameserver` lines of a resolv.conf text. */
export function parseResolvConf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // a scoped link-local resolver (fe80::1%eth0) is kept without its zone
    const ip = m ? tryParseIp((m[1] as string).replace(/%.*$/, "")) : undefined;
    if (ip?.ok) out.push(formatIp(ip.value));
  }
  return out;
}

/** Server names of NTP configurations: timesyncd `NTP=`/`FallbackNTP=`, chrony/ntpd `server|pool|peer NAME`. */
export function parseNtpConf(text: string, kind: "timesyncd" | "ntp"): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (kind === "timesyncd") {
      const m = /^(NTP|FallbackNTP)\s*=\s*(.*)$/.exec(line);
      if (m) out.push(...(m[2] as string).split(/\s+/).filter(Boolean));
    } else {
      const m = /^(server|pool|peer)\s+(\S+)/.exec(line);
      if (m) out.push(m[2] as string);
    }
  }
  return out;
}

const NTP_FILES: readonly { path: string; kind: "timesyncd" | "ntp" }[] = [
  { path: "/etc/systemd/timesyncd.conf", kind: "timesyncd" },
  { path: "/etc/chrony/chrony.conf", kind: "ntp" },
  { path: "/etc/chrony.conf", kind: "ntp" },
  { path: "/etc/ntp.conf", kind: "ntp" },
  { path: "/etc/ntpsec/ntp.conf", kind: "ntp" },
];
const NTP_DIRS: readonly { dir: string; ext: string; kind: "timesyncd" | "ntp" }[] = [
  { dir: "/etc/systemd/timesyncd.conf.d", ext: ".conf", kind: "timesyncd" },
  { dir: "/etc/chrony/sources.d", ext: ".sources", kind: "ntp" },
  { dir: "/etc/chrony/conf.d", ext: ".conf", kind: "ntp" },
];

/** The NTP server names configured on this host (not resolved). */
export async function ntpServers(fs: HostFs): Promise<string[]> {
  const out = new Set<string>();
  const read = async (path: string, kind: "timesyncd" | "ntp") => {
    const t = await fs.readTextIfExists(path).catch(() => undefined);
    if (t !== undefined) for (const s of parseNtpConf(t, kind)) out.add(s);
  };
  for (const f of NTP_FILES) await read(f.path, f.kind);
  for (const d of NTP_DIRS) for (const n of await fs.list(d.dir)) if (n.endsWith(d.ext)) await read(`${d.dir}/${n}`, d.kind);
  return [...out];
}

/** Resolvers this host's lookups go to: /etc/resolv.conf, plus systemd-resolved's upstreams. */
export async function resolvers(fs: HostFs): Promise<KeepAlive[]> {
  const out: KeepAlive[] = [];
  for (const a of parseResolvConf((await fs.readTextIfExists("/etc/resolv.conf").catch(() => undefined)) ?? "")) {
    out.push({ address: a, reason: "a resolver in /etc/resolv.conf" });
  }
  // systemd-resolved writes its upstream servers here (the stub 127.0.0.53 alone says nothing about them)
  for (const a of parseResolvConf((await fs.readTextIfExists("/run/systemd/resolve/resolv.conf").catch(() => undefined)) ?? "")) {
    out.push({ address: a, reason: "an upstream resolver of systemd-resolved" });
  }
  return out;
}

/** The default gateways, v4 and v6 (`ip -j route show default`, nexthops of multipath routes too). */
export async function defaultGateways(run: Runner): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ["-4", "-6"]) {
    const r = await run(["ip", "-j", fam, "route", "show", "default"], { timeoutMs: 5000, okCodes: "any" });
    if (r.code !== 0 || !r.stdout.trim()) continue;
    const routes = JSON.parse(r.stdout) as { gateway?: string; nexthops?: { gateway?: string }[] }[];
    for (const rt of Array.isArray(routes) ? routes : []) {
      for (const g of [rt.gateway, ...(rt.nexthops ?? []).map((n) => n.gateway)]) {
        const ip = g ? tryParseIp(g) : undefined;
        if (ip?.ok) out.push(formatIp(ip.value));
      }
    }
  }
  return out;
}

/**
 * The network host node-postgres connects to for a postgres:// URL, read its way (pg-connection-string): the
 * last `host=` parameter wins over the URL's host; a socket directory (a parameter or an encoded host starting
 * with /) is no network host; `postgres://u@/db?host=H` (no authority host) is read too.
 */
export function databaseHost(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    try {
      u = new URL(url.replace("@/", "@no-host.invalid/")); // what pg-connection-string does for an empty host
    } catch {
      return undefined;
    }
  }
  const param = u.searchParams.getAll("host").at(-1);
  let authority = u.hostname === "no-host.invalid" ? "" : u.hostname.replace(/^\[(.*)\]$/, "$1");
  try {
    authority = decodeURIComponent(authority);
  } catch {
    // not percent-encoding: pg takes it as it is
  }
  const host = param || authority;
  return host && !host.startsWith("/") ? host : undefined;
}

/** Everything this host must keep reaching, with the reason for each (lookups in parallel, each bounded). */
export async function keepAliveAddresses(o: KeepAliveOptions): Promise<KeepAlive[]> {
  const resolve = o.resolve ?? systemResolver;
  const out: KeepAlive[] = await resolvers(o.fs);
  if (o.run) {
    try {
      for (const g of await defaultGateways(o.run)) out.push({ address: g, reason: "a default gateway" });
    } catch (e) {
      o.warn?.(`could not read the default routes (ip route): ${messageOf(e)}`);
    }
  }
  const names: { host: string; reason: string }[] = (await ntpServers(o.fs)).map((h) => ({ host: h, reason: `NTP server ${h}` }));
  const db = o.fleetDatabase ? databaseHost(o.fleetDatabase) : undefined;
  if (db) names.push({ host: db, reason: `the fleet database ${db} (guard.share)` });
  names.push(...(o.hosts ?? []));
  const found = await Promise.all(
    names.map(async (n) => {
      try {
        return (await resolveHost(n.host, resolve)).map((a) => ({ address: a, reason: n.reason }));
      } catch (e) {
        o.warn?.(`could not resolve ${n.host} (${n.reason}): ${messageOf(e)}`);
        return [];
      }
    }),
  );
  out.push(...found.flat());
  const seen = new Set<string>();
  return out.filter((k) => {
    const key = `${k.address} ${k.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
