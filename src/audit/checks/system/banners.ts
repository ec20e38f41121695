// SYS-BANNER-ISSUE / SYS-BANNER-ISSUE-NET: the pre-login banners (/etc/issue on consoles, /etc/issue.net for
// network logins that show it) do not tell a stranger the OS, release or kernel — agetty expands \s \r \v \m
// to exactly that, and Debian ships "Debian GNU/Linux \n \l". Under audit.profile strict they must also warn
// that access is restricted and monitored (Lynis counts legal key words; it wants five).
import type { AuditContext, Check } from "../../types.js";
import { isStrict } from "../../profile.js";

// agetty escapes that print system identity: \s OS name, \r release, \v version, \m machine, \S os-release
const ESCAPES = /\\[srvmS]/g;
// OS names as they appear in stock banners ("Debian GNU/Linux 12", "Ubuntu 22.04.3 LTS", "Kernel 6.1")
const OS_NAMES = /\b(?:debian|ubuntu|centos|red hat|rhel|fedora|rocky|almalinux|suse)\b/gi;
// Lynis 3.0.8 LEGAL_BANNER_STRINGS (include/tests_banners): a banner with five or more of these warns enough
export const LEGAL_WORDS = [
  "audit",
  "access",
  "authori",
  "condition",
  "connect",
  "consent",
  "continu",
  "criminal",
  "enforce",
  "evidence",
  "forbidden",
  "intrusion",
  "law",
  "legal",
  "legislat",
  "log",
  "monitor",
  "owner",
  "penal",
  "policy",
  "policies",
  "privacy",
  "private",
  "prohibited",
  "record",
  "restricted",
  "secure",
  "subject",
  "system",
  "terms",
  "warning",
];
const MIN_LEGAL = 5;

/** What a banner gives away, and which legal key words it has. */
export function judgeBanner(text: string): { leaks: string[]; legal: string[] } {
  const leaks = [...new Set([...(text.match(ESCAPES) ?? []), ...(text.match(OS_NAMES) ?? [])])];
  const lower = text.toLowerCase();
  return { leaks, legal: LEGAL_WORDS.filter((w) => lower.includes(w)) };
}

function bannerCheck(id: string, file: string, lynis: string, who: string): Check {
  return {
    id,
    area: "system",
    title: `${file} does not reveal the OS${id.endsWith("NET") ? " to network logins" : ""}`,
    severity: "low",
    remediation: `Replace ${file} with a plain warning, e.g. "Authorised access only. Activity on this system is monitored and recorded." (no \\s \\r \\v \\m escapes, no OS name).`,
    refs: [`Lynis ${lynis}`, "CIS Debian 12: Ensure local and remote login warning banners are configured properly"],
    strict: `also requires a legal warning in ${file} (${MIN_LEGAL} or more of Lynis's legal key words)`,
    async run(ctx: AuditContext) {
      const text = await ctx.fs.readTextIfExists(file);
      const expected = isStrict(ctx) ? `no OS identity; a legal warning (≥ ${MIN_LEGAL} key words)` : "no OS identity";
      if (text === undefined) {
        if (isStrict(ctx)) return { status: "fail", observed: "missing", expected, source: file, reason: `${who} see no warning` };
        return { status: "pass", observed: "missing (nothing shown)", expected, source: file };
      }
      const { leaks, legal } = judgeBanner(text);
      const observed = { leaks, legalWords: legal.length };
      if (leaks.length) return { status: "fail", observed, expected, source: file, reason: `${who} are told: ${leaks.join(" ")}` };
      if (isStrict(ctx) && legal.length < MIN_LEGAL)
        return {
          status: "fail",
          observed,
          expected,
          source: file,
          reason: `only ${legal.length} legal key words (${legal.join(", ") || "none"})`,
        };
      return { status: "pass", observed, expected, source: file };
    },
  };
}

export const bannerIssue = bannerCheck("SYS-BANNER-ISSUE", "/etc/issue", "BANN-7126", "console users");
export const bannerIssueNet = bannerCheck("SYS-BANNER-ISSUE-NET", "/etc/issue.net", "BANN-7130", "network logins");
