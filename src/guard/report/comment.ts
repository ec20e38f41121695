// The comment sent with a report: the log lines that decided the ban, with what identifies this host and its
// people taken out — its own addresses and host names become "[this host]", the names of its accounts
// (policy admins and login users, uid >= 1000) become "[user]". An attacker-chosen name that is no account
// here ("invalid user admin") is evidence and stays. Control characters are made visible (notify.ts), so a
// log line cannot forge lines in an abuse desk's view, and the whole fits AbuseIPDB's 1024 characters.
import { formatIp, tryParseIp } from "../../core/ip.js";
import { visible } from "../visible.js";

export interface Scrub {
  /** this host's names (the full name and its first label) */
  hostnames: readonly string[];
  /** this host's addresses */
  addresses: readonly string[];
  /** account names on this host */
  users: readonly string[];
}

export const COMMENT_MAX = 1000;

/**
 * Anything shaped like an address (IPv4 dotted quad, IPv6 groups with an optional dotted tail), bounded so a
 * longer token is never cut: each is parsed and compared in canonical form, so 2001:DB8:0:1:0:0:0:10 and
 * ::ffff:192.0.2.1 are this host's 2001:db8:0:1::10 and 192.0.2.1 too. Bounded quantifiers: linear.
 */
const ADDRESS_RE =
  /(?<![0-9A-Za-z.:])(?:[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}|\d{1,3}(?:\.\d{1,3}){3})(?![0-9A-Za-z:]|\.\d)/g;

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * One regex per kind, built from literal alternatives (longest first) with boundaries, so 192.0.2.1 is not
 * taken out of 192.0.2.10 and alice not out of malice: a scan linear in the line for a fixed list of names.
 */
function alternation(words: readonly string[], left: string, right: string, flags: string): RegExp | undefined {
  const w = [...new Set(words.filter((x) => x.length > 0))].sort((a, b) => b.length - a.length);
  return w.length ? new RegExp(`(?<!${left})(?:${w.map(literal).join("|")})(?!${right})`, flags) : undefined;
}

export class CommentScrubber {
  private readonly own: Set<string>;
  private readonly host: RegExp | undefined;
  private readonly users: RegExp | undefined;

  constructor(s: Scrub) {
    this.own = new Set(s.addresses.flatMap((a) => canonical(a) ?? []));
    const names = s.hostnames.flatMap((h) => [h, h.split(".")[0] ?? h]);
    // a name is bounded by anything that could continue it
    this.host = alternation(names, "[A-Za-z0-9_.:-]", "[A-Za-z0-9_:-]|\\.[A-Za-z0-9]", "gi");
    // account names: case-sensitive, as Linux compares them
    this.users = alternation(s.users, "[A-Za-z0-9_.$-]", "[A-Za-z0-9_$-]|\\.[A-Za-z0-9]", "g");
  }

  line(text: string): string {
    let t = visible(text);
    if (this.own.size) t = t.replace(ADDRESS_RE, (m) => (this.own.has(canonical(m) ?? "") ? "[this host]" : m));
    if (this.host) t = t.replace(this.host, "[this host]");
    if (this.users) t = t.replace(this.users, "[user]");
    return t;
  }

  /** The comment: scrubbed lines, oldest first, whole lines while they fit in `max` characters. */
  comment(lines: readonly string[], max = COMMENT_MAX): string {
    const out: string[] = [];
    let used = 0;
    for (const l of lines) {
      const s = this.line(l);
      const need = s.length + (out.length ? 1 : 0);
      if (used + need > max) {
        if (out.length === 0) out.push(`${s.slice(0, max - 1)}…`);
        break;
      }
      out.push(s);
      used += need;
    }
    return out.join("\n");
  }
}

function canonical(text: string): string | undefined {
  const r = tryParseIp(text);
  return r.ok ? formatIp(r.value) : undefined;
}

/** Login accounts from /etc/passwd text: uid 1000..59999 (Debian's range for people), never system users. */
export function loginUsers(passwd: string): string[] {
  const out: string[] = [];
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    const uid = Number(f[2]);
    if (f[0] && Number.isInteger(uid) && uid >= 1000 && uid < 60000) out.push(f[0]);
  }
  return out;
}
