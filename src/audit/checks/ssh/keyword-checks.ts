// The ssh checks that are a plain keyword comparison: the keyword and what each audit profile accepts are
// rows of SSHD_SETTINGS (src/sshd/settings.ts); here each check adds only its ID, title, severity, fix,
// references and what a failure means. Where dev-sec (or Lynis) asks for more than a sane server needs —
// TCPKeepAlive, PrintMotd, PrintLastLog, Compression — the baseline accepts any value and only
// `audit.profile: strict` holds the host to it; a pass under the baseline then says what strict wants.
import { firstValue } from "../../../sshd/effective.js";
import { type Acceptable, keywordOfCheck, settingsOfCheck } from "../../../sshd/settings.js";
import type { Check, CheckMeta } from "../../types.js";
import { isStrict } from "../../profile.js";
import { DEVSEC, LYNIS, type Judgement, failWith, pass, settingCheck } from "./setting.js";

const list = (values: readonly string[]) => values.join(" or ");
const accepts = (values: readonly string[] | "any", value: string) =>
  values === "any" || values.some((v) => v.toLowerCase() === value.toLowerCase());

/** What `audit.profile: strict` adds, derived from the row (undefined when both profiles want the same). */
function strictNote(keyword: string, a: Acceptable): string | undefined {
  const same = a.baseline !== "any" && a.baseline.join() === a.strict.join();
  if (same && !a.inertWhen) return undefined;
  return `${keyword} ${list(a.strict)}${a.inertWhen ? `, even while ${a.inertWhen.keyword} is ${a.inertWhen.value}` : ""}`;
}

/** A keyword comparison against the check's SSHD_SETTINGS row; `why` says what a failing value means. */
export function keywordCheck(meta: Omit<CheckMeta, "area" | "strict"> & { why: string }): Check {
  const { why, ...rest } = meta;
  const keyword = keywordOfCheck(meta.id);
  const a = settingsOfCheck(meta.id)[0]?.accept;
  if (!a) throw new Error(`SSHD_SETTINGS row for ${meta.id} has no 'accept'`);
  const note = strictNote(keyword, a);
  return settingCheck({
    ...rest,
    area: "ssh",
    ...(note ? { strict: note } : {}),
    expected: (ctx) => (isStrict(ctx) ? list(a.strict) : a.baseline === "any" ? `any (strict: ${list(a.strict)})` : list(a.baseline)),
    judge(value, ctx, view): Judgement {
      const strict = isStrict(ctx);
      if (strict) return accepts(a.strict, value) ? pass() : failWith(why);
      const inert = a.inertWhen && firstValue(view, a.inertWhen.keyword)?.toLowerCase() === a.inertWhen.value;
      if (!accepts(a.baseline, value) && !inert) return failWith(why);
      if (accepts(a.strict, value)) return pass();
      return {
        status: "pass",
        why: `${inert ? `no effect while ${a.inertWhen?.keyword} is ${a.inertWhen?.value}; ` : ""}audit.profile strict wants ${keyword} ${list(a.strict)}`,
      };
    },
  });
}

export const pubkeyAuth = keywordCheck({
  id: "SSH-PUBKEY-AUTH",
  title: "Public key authentication is on",
  severity: "medium",
  remediation: "Set `PubkeyAuthentication yes` (rampart's drop-in 00-rampart.conf writes it; `rampart apply --only ssh`).",
  refs: [DEVSEC("sshd-22")],
  why: "key logins are refused: only weaker methods (passwords) remain",
});

export const syslogFacility = keywordCheck({
  id: "SSH-SYSLOG-FACILITY",
  title: "sshd logs to the AUTH facility",
  severity: "low",
  remediation: "Set `SyslogFacility AUTH` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-12")],
  why: "login records go to a facility the auth log (and whoever reads it) does not collect",
});

export const kerberosLocalPasswd = keywordCheck({
  id: "SSH-KERBEROS-LOCAL-PASSWD",
  title: "Kerberos authentication does not fall back to the local password",
  severity: "low",
  remediation: "Set `KerberosOrLocalPasswd no` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-31")],
  why: "a password the KDC rejects is tried against /etc/shadow: one more way to guess it",
});

export const kerberosTicketCleanup = keywordCheck({
  id: "SSH-KERBEROS-TICKET-CLEANUP",
  title: "Kerberos ticket caches are destroyed at logout",
  severity: "low",
  remediation: "Set `KerberosTicketCleanup yes` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-32")],
  why: "a user's Kerberos tickets outlive the session, usable by whoever reads the cache file",
});

export const gssapiCleanup = keywordCheck({
  id: "SSH-GSSAPI-CLEANUP",
  title: "GSSAPI credentials are destroyed at logout",
  severity: "low",
  remediation: "Set `GSSAPICleanupCredentials yes` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-34")],
  why: "delegated credentials outlive the session",
});

export const tcpKeepAlive = keywordCheck({
  id: "SSH-TCP-KEEPALIVE",
  title: "TCPKeepAlive is off (dead sessions are found by ClientAlive probes instead)",
  severity: "info",
  remediation: "Set `TCPKeepAlive no` with `ClientAliveInterval 300` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-35"), LYNIS("SSH-7408")],
  why: "TCP keepalives are sent outside the encrypted channel and can be spoofed to keep a session alive",
});

export const x11UseLocalhost = keywordCheck({
  id: "SSH-X11-USE-LOCALHOST",
  title: "Forwarded X11 displays bind to loopback only",
  severity: "low",
  remediation: "Set `X11UseLocalhost yes` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-43")],
  why: "a forwarded X11 display listens on every address: other hosts can reach the user's X server",
});

export const printMotd = keywordCheck({
  id: "SSH-PRINT-MOTD",
  title: "sshd does not print the message of the day itself",
  severity: "info",
  remediation: "Set `PrintMotd no` (Debian's sshd_config does; pam_motd shows it instead).",
  refs: [DEVSEC("sshd-44")],
  why: "sshd prints /etc/motd itself",
});

export const printLastLog = keywordCheck({
  id: "SSH-PRINT-LASTLOG",
  title: "sshd does not print the last login (dev-sec; Lynis prefers it printed)",
  severity: "info",
  remediation: "Set `PrintLastLog no` in /etc/ssh/sshd_config.d/00-rampart.conf (only under audit.profile strict).",
  refs: [DEVSEC("sshd-45")],
  why: "sshd prints the time and origin of the previous login",
});

export const compression = keywordCheck({
  id: "SSH-COMPRESSION",
  title: "Compression is off",
  severity: "info",
  remediation: "Set `Compression no` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [LYNIS("SSH-7408")],
  why: "compressed traffic leaks information through its length, and the zlib code runs on attacker data",
});

export const useDns = keywordCheck({
  id: "SSH-USE-DNS",
  title: "UseDNS is off",
  severity: "low",
  remediation:
    "Set `UseDNS no` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf; write addresses, not host names, in Match and from= patterns.",
  refs: [LYNIS("SSH-7408")],
  why: "the client's reverse DNS — which whoever owns its address controls — decides Match Host and from= host patterns",
});
