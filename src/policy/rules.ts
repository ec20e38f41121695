// Semantic rules over a schema-valid policy: what the schema cannot say on its own. Each returns an error
// (the policy must not be used) or a warning (allowed, but the user should know), with the key path it
// concerns so load.ts can point at file:line:column.
import { cidrContains, parseCidr, tryParseCidr, tryParseIp } from "../core/ip.js";
import { MAX_TIMEOUT_SEC } from "../firewall/gate.js";
import { setBackendOf } from "../firewall/sets.js";
import { databaseHost } from "../system/keepalive.js";
import type { Policy } from "./schema.js";
import { formatDuration } from "./units.js";

export interface RuleResult {
  severity: "error" | "warning";
  path: (string | number)[];
  message: string;
  hint?: string;
}

export function checkRules(p: Policy, now: Date): RuleResult[] {
  const out: RuleResult[] = [];
  const admins = p.admins.map((a) => a.name);

  // Lock-out: key-only SSH (or a second factor, which always starts with the key) while an admin has no key
  if (!p.ssh.passwordAuthentication || p.ssh.mfa !== "off") {
    p.admins.forEach((a, i) => {
      if (a.keys.length === 0) {
        out.push({
          severity: "warning",
          path: ["admins", i, "keys"],
          message:
            p.ssh.mfa !== "off"
              ? `admin \`${a.name}\` has no SSH key in the policy, and ssh.mfa: ${p.ssh.mfa} asks for the key first`
              : `admin \`${a.name}\` has no SSH key in the policy while passwords are off`,
          hint: "Add their public key (the line of ~/.ssh/id_ed25519.pub); apply will refuse if the user has no valid key on the host either.",
        });
      }
    });
  }
  if (p.ssh.allowUsers) {
    for (const a of admins) {
      if (!p.ssh.allowUsers.includes(a)) {
        out.push({
          severity: "error",
          path: ["ssh", "allowUsers"],
          message: `allowUsers does not include the admin \`${a}\`: they could not log in`,
          hint: `Add ${a} to ssh.allowUsers, or remove allowUsers and use allowGroups.`,
        });
      }
    }
  }
  if (p.ssh.allowGroups && p.admins.length) {
    p.admins.forEach((a, i) => {
      if (!a.groups.some((g) => p.ssh.allowGroups?.includes(g))) {
        out.push({
          severity: "error",
          path: ["admins", i, "groups"],
          message: `admin \`${a.name}\` is in none of ssh.allowGroups (${p.ssh.allowGroups?.join(", ")})`,
          hint: "Add one of the allowed groups to the admin's groups.",
        });
      }
    });
  }
  if (p.ssh.permitRootLogin === true) {
    out.push({
      severity: "warning",
      path: ["ssh", "permitRootLogin"],
      message: "root may log in over SSH",
      hint: "Use `false` and log in as an admin with sudo.",
    });
  }
  if (p.ssh.passwordAuthentication && p.ssh.mfa === "off") {
    out.push({
      severity: "warning",
      path: ["ssh", "passwordAuthentication"],
      message: "password logins are allowed: brute force stays possible",
      hint: "Use keys and set passwordAuthentication: false.",
    });
  }
  if (p.admins.length === 0) {
    out.push({
      severity: "warning",
      path: ["admins"],
      message: "no admin is declared: users and SSH cannot be checked against one",
      hint: "`rampart init` writes your admin user and keys into the policy.",
    });
  }

  // Firewall: ssh must stay reachable
  const fw = p.firewall;
  if (fw.enabled && !fw.inbound.some((r) => r.service === "ssh" || (r.ports ?? []).some((x) => String(x) === String(p.ssh.port ?? 22)))) {
    out.push({
      severity: fw.keepAdminSession ? "warning" : "error",
      path: ["firewall", "inbound"],
      message: "no inbound rule opens SSH",
      hint: "Add `- { service: ssh }` (optionally with `from:`), or the admin can only reach the host from the current session's address.",
    });
  }
  fw.inbound.forEach((r, i) => {
    for (const [j, port] of (r.ports ?? []).entries()) {
      if (typeof port === "string") {
        const [a, b] = port.split("-").map(Number);
        if ((a ?? 0) < 1 || (a ?? 0) > 65535 || (b !== undefined && (b < (a ?? 0) || b > 65535))) {
          out.push({
            severity: "error",
            path: ["firewall", "inbound", i, "ports", j],
            message: `port range "${port}" is not within 1-65535 in ascending order`,
          });
        }
      }
    }
    if (
      r.from &&
      !fw.ipv6 &&
      r.from.some((c) => tryParseCidr(c).ok && (tryParseCidr(c) as { value: { family: number } }).value.family === 6)
    ) {
      out.push({
        severity: "warning",
        path: ["firewall", "inbound", i, "from"],
        message: "an IPv6 source is listed while firewall.ipv6 is false",
      });
    }
  });

  // Guard: ignore lists that would hide nothing / everything
  p.guard.ignore.forEach((c, i) => {
    const r = tryParseCidr(c);
    if (r.ok && r.value.prefix === 0) {
      out.push({
        severity: "error",
        path: ["guard", "ignore", i],
        message: `ignoring ${c} means the guard never bans anyone`,
        hint: "List your own networks instead.",
      });
    }
  });
  checkBanLimits(p, out);
  checkShare(p, out);
  checkReport(p, out);
  const notify = p.guard.notify.email;
  if (notify && !/^[^@\s]+@[^@\s]+$/.test(notify.to)) {
    out.push({ severity: "error", path: ["guard", "notify", "email", "to"], message: `"${notify.to}" is not an e-mail address` });
  }

  // Blocklists: duplicate names; never entries
  const seen = new Set<string>();
  p.blocklists.sources.forEach((s, i) => {
    if (seen.has(s.name))
      out.push({
        severity: "error",
        path: ["blocklists", "sources", i, "name"],
        message: `two blocklist sources are named \`${s.name}\``,
        hint: "Names must be unique.",
      });
    seen.add(s.name);
    const insecure = plainHttpRefusal(s);
    if (insecure)
      out.push({ severity: "error", path: ["blocklists", "sources", i, "url"], message: insecure.message, hint: insecure.hint });
  });
  for (const name of Object.keys(p.blocklists.limits.raise)) {
    if (!seen.has(name)) {
      out.push({
        severity: "error",
        path: ["blocklists", "limits", "raise", name],
        message: `blocklists.limits.raise names \`${name}\`, which is not a blocklist source`,
        hint: `Use the name of one of blocklists.sources (${[...seen].join(", ") || "none"}).`,
      });
    }
  }
  const loopback = tryParseCidr("127.0.0.1");
  p.blocklists.never.forEach((c, i) => {
    const r = tryParseCidr(c);
    if (r.ok && loopback.ok && r.value.prefix === 0) {
      out.push({ severity: "warning", path: ["blocklists", "never", i], message: `never-block ${c} removes every entry of every list` });
    }
  });
  void cidrContains;
  void tryParseIp;

  // Waivers: an expired waiver is itself a finding (the audit reports it too)
  p.waivers.forEach((w, i) => {
    if (w.until === undefined) return;
    const until = w.until instanceof Date ? w.until : new Date(`${w.until}T23:59:59Z`);
    if (Number.isNaN(until.getTime())) {
      out.push({ severity: "error", path: ["waivers", i, "until"], message: `"${String(w.until)}" is not a valid date` });
    } else if (until.getTime() < now.getTime()) {
      out.push({
        severity: "warning",
        path: ["waivers", i, "until"],
        message: `the waiver of ${w.check} expired on ${until.toISOString().slice(0, 10)}`,
        hint: "Fix the finding, or renew the waiver with a new date and reason.",
      });
    }
  });

  if (p.sysctl.disableIpv6 && fw.ipv6) {
    out.push({
      severity: "warning",
      path: ["sysctl", "disableIpv6"],
      message: "IPv6 is turned off by sysctl while the firewall still renders IPv6 rules",
      hint: "Set firewall.ipv6: false as well (rampart then drops all IPv6).",
    });
  }
  return out;
}

/** Bans must fit the gate: jail prefixes no wider than guard.minPrefix; durations the backend can hold. */
function checkBanLimits(p: Policy, out: RuleResult[]): void {
  const backend = setBackendOf(p.firewall.backend);
  const max = MAX_TIMEOUT_SEC[backend];
  for (const [name, j] of Object.entries(p.guard.jails)) {
    if (j.ipv6Prefix < p.guard.minPrefix.ipv6) {
      out.push({
        severity: "error",
        path: ["guard", "jails", name, "ipv6Prefix"],
        message: `jail ${name} bans IPv6 /${j.ipv6Prefix}, wider than guard.minPrefix.ipv6 (/${p.guard.minPrefix.ipv6}): every such ban would be refused`,
        hint: `Use ipv6Prefix: 64 (the usual), or lower guard.minPrefix.ipv6.`,
      });
    }
    const longest = Math.max(j.bantime, j.increment?.max ?? 0);
    if (longest > max) {
      out.push({
        severity: "warning",
        path: ["guard", "jails", name, j.increment && j.increment.max >= j.bantime ? "increment" : "bantime"],
        message: `jail ${name} can ban for ${formatDuration(longest)}, longer than ${backend} holds one element (${formatDuration(max)})`,
        hint: "The kernel gets the largest timeout it accepts and the guard renews the ban before it lapses; while the guard is stopped, such a ban ends early.",
      });
    }
  }
}

/**
 * guard.report: an API key never crosses the network in clear; the jails it names exist; the lab switch for
 * documentation addresses is loud.
 */
function checkReport(p: Policy, out: RuleResult[]): void {
  const r = p.guard.report;
  for (const [name, c] of [
    ["abuseipdb", r.abuseipdb],
    ["blocklistDe", r.blocklistDe],
  ] as const) {
    if (!c || !URL.canParse(c.baseUrl)) continue;
    const u = new URL(c.baseUrl);
    const local = u.hostname === "localhost" || /^127\./.test(u.hostname) || u.hostname === "[::1]";
    if (u.protocol === "http:" && !local)
      out.push({
        severity: "error",
        path: ["guard", "report", name, "baseUrl"],
        message: `guard.report.${name}.baseUrl is plain http (${c.baseUrl}): the API key would cross the network in clear`,
        hint: "Use an https:// URL (for a lab's own server, trust its CA with guard.report.caFile).",
      });
  }
  (r.jails ?? []).forEach((j, i) => {
    if (!(j in p.guard.jails))
      out.push({
        severity: "error",
        path: ["guard", "report", "jails", i],
        message: `guard.report.jails names \`${j}\`, which is not a jail`,
        hint: `Use one of guard.jails (${Object.keys(p.guard.jails).join(", ") || "none"}).`,
      });
  });
  if (r.reportDocumentationRanges)
    out.push({
      severity: "warning",
      path: ["guard", "report", "reportDocumentationRanges"],
      message: "documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) will be reported",
      hint: "This is for labs only; remove it on a real server.",
    });
}

/** The fleet database: a remote one only over verified TLS, unless the policy says insecure. */
function checkShare(p: Policy, out: RuleResult[]): void {
  const share = p.guard.share;
  const refusal = share ? shareTlsRefusal(share.postgres, share.insecure) : undefined;
  if (refusal) out.push({ severity: "error", path: ["guard", "share", "postgres"], message: refusal.message, hint: refusal.hint });
}

const LOOPBACK = ["127.0.0.0/8", "::1/128"].map((c) => parseCidr(c));

/**
 * A remote fleet database reached without verified TLS is refused unless the policy accepts the risk
 * (guard.share.insecure). One rule for the URL node-postgres really uses: `policy check` applies it to
 * guard.share.postgres, the guard's start (share/start.ts) to the URL resolved with the credentials file, whose
 * whole URL replaces the policy's. Host and sslmode are read as node-postgres reads them (the last `host=` and
 * `sslmode=` parameters win); a socket, localhost and loopback addresses need no TLS. The message names the
 * host and sslmode only, never the URL (it may hold the password).
 */
export function shareTlsRefusal(connection: string, insecure: boolean, urlIn = "the URL"): { message: string; hint: string } | undefined {
  if (insecure) return undefined;
  const host = databaseHost(connection);
  if (host === undefined || host === "localhost") return undefined;
  const ip = tryParseIp(host);
  if (ip.ok && LOOPBACK.some((c) => cidrContains(c, ip.value))) return undefined;
  // the query ends at a fragment, and a `?` inside the fragment starts nothing (pg's URL parser ignores it)
  const sslmode = new URLSearchParams(/^[^#?]*\?([^#]*)/.exec(connection)?.[1] ?? "").getAll("sslmode").at(-1);
  if (sslmode === "verify-full" || sslmode === "verify-ca") return undefined;
  return {
    message: `the fleet database ${host} is reached ${sslmode ? `with sslmode=${sslmode}` : "without sslmode"}: bans and credentials would cross the network unverified`,
    hint: `Add ?sslmode=verify-full (with sslrootcert=FILE for your CA) to ${urlIn}, or set guard.share.insecure: true in the policy to accept the risk.`,
  };
}

/**
 * A plain http:// source is refused unless the policy says how it is trusted: anyone on the path could
 * otherwise rewrite the list (and a list can cut the host off). Shared by `policy check` and the refresh.
 */
export function plainHttpRefusal(s: {
  name: string;
  url?: string | undefined;
  insecure?: boolean | undefined;
  sha256?: string | undefined;
}): { message: string; hint: string } | undefined {
  if (!s.url || !/^http:\/\//i.test(s.url) || s.insecure === true || s.sha256 !== undefined) return undefined;
  return {
    message: `blocklist \`${s.name}\` is fetched over plain http (${s.url}): anyone on the path can rewrite it`,
    hint: "Use an https:// URL; or pin the expected content with `sha256: <hex digest>`; or accept the risk with `insecure: true` on that source.",
  };
}
