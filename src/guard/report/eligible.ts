// Which bans may be reported to the community. A report is a public accusation that reaches an abuse desk, so
// it is only made for a ban this host decided itself from its own log lines, about one public address that
// is nobody this host trusts. Everything else is skipped with the reason (logged at debug, counted):
//   - received from the fleet (record.origin is another host): the origin has the evidence and reports it;
//   - no log lines (a ban by hand, a restored ban): there is no evidence to send;
//   - a jail the policy did not list in guard.report.jails;
//   - private, loopback, link-local, CGNAT, multicast or otherwise reserved space: not an Internet attacker;
//   - the documentation ranges (RFC 5737, RFC 3849), unless `reportDocumentationRanges` (labs use them);
//   - guard.ignore, a jail's ignore, this host's own addresses.
import { type Cidr, cidrContains, type IpAddress, parseCidr, tryParseCidr, tryParseIp } from "../../core/ip.js";

/** Special-purpose space that is never an Internet attacker (RFC 6890 and friends). */
const RESERVED = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/128",
  "::1/128",
  "64:ff9b:1::/48",
  "100::/64",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].map((c) => parseCidr(c)); // (IPv4-mapped IPv6 is read as the IPv4 address it is, so it needs no entry)

/** The documentation ranges: what the lab uses, and what no real attacker can come from. */
export const DOCUMENTATION = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"];
const DOC = DOCUMENTATION.map((c) => parseCidr(c));
/** IPv6 global unicast: anything outside it is not a routable source today. */
const GLOBAL6 = parseCidr("2000::/3");

export interface EligibilityRules {
  hostname: string;
  /** guard.ignore and every jail's ignore */
  ignore: readonly string[];
  /** this host's addresses */
  own: readonly string[];
  /** only these jails' bans (undefined: every jail) */
  jails?: readonly string[] | undefined;
  reportDocumentationRanges: boolean;
}

export interface Candidate {
  target: string;
  origin: string;
  jail: string;
  lines: readonly string[];
  /** the address whose failures decided the ban (a /64 ban names the prefix; this the address in it) */
  address?: string | undefined;
}

export type Eligibility = { ok: true; address: string } | { ok: false; reason: string };

export class Eligible {
  private readonly ignore: Cidr[];
  private readonly own: Cidr[];

  constructor(private readonly rules: EligibilityRules) {
    this.ignore = cidrs(rules.ignore);
    this.own = cidrs(rules.own);
  }

  check(c: Candidate): Eligibility {
    if (c.origin !== this.rules.hostname) return { ok: false, reason: `received from ${c.origin} (the origin reports it)` };
    if (c.lines.length === 0) return { ok: false, reason: "no log lines led to it (by hand or restored): no evidence to send" };
    if (this.rules.jails && !this.rules.jails.includes(c.jail)) return { ok: false, reason: `jail ${c.jail} is not in guard.report.jails` };
    const address = reportedAddress(c);
    if (!address) return { ok: false, reason: `${c.target} is a prefix and the address in it is unknown` };
    const ip = tryParseIp(address, { unmapV4: true });
    if (!ip.ok) return { ok: false, reason: `${address} is not an address` };
    const why = this.refusal(ip.value);
    return why ? { ok: false, reason: why } : { ok: true, address };
  }

  private refusal(ip: IpAddress): string | undefined {
    if (
      RESERVED.some((c) => cidrContains(c, ip)) ||
      (ip.family === 6 && !cidrContains(GLOBAL6, ip) && !DOC.some((c) => cidrContains(c, ip)))
    )
      return "a private or reserved address";
    if (!this.rules.reportDocumentationRanges && DOC.some((c) => cidrContains(c, ip)))
      return "a documentation address (reportDocumentationRanges is for labs only)";
    if (this.ignore.some((c) => cidrContains(c, ip))) return "an ignored address";
    if (this.own.some((c) => cidrContains(c, ip))) return "this host's own address";
    return undefined;
  }
}

/** One address: the ban's own when it is one, else the deciding address when the prefix holds it. */
function reportedAddress(c: Candidate): string | undefined {
  const t = tryParseCidr(c.target);
  if (!t.ok) return undefined;
  if (t.value.prefix === (t.value.family === 4 ? 32 : 128)) return c.target.split("/")[0];
  if (!c.address) return undefined;
  const a = tryParseIp(c.address, { unmapV4: true });
  return a.ok && cidrContains(t.value, a.value) ? c.address : undefined;
}

function cidrs(texts: readonly string[]): Cidr[] {
  const out: Cidr[] = [];
  for (const t of texts) {
    const r = tryParseCidr(t.trim());
    if (r.ok) out.push(r.value);
  }
  return out;
}
