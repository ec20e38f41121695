// The sshd filter's rules: the modes (fail2ban's four: normal, ddos, extra, aggressive), every rule with the
// modes in which it counts, the rule numbers the scanner records (an array index, not a map lookup per
// line), and the limits that bound the scan. The rules each mode counts were learned from fail2ban's
// filter.d/sshd.conf, not copied. The scanner is ./scan.ts; the filter object ./filter.ts.
import type { FilterRule } from "../types.js";

export const SSHD_MODES = ["normal", "ddos", "extra", "aggressive"] as const;
export type SshdMode = (typeof SSHD_MODES)[number];

const ALL = SSHD_MODES;
const DDOS = ["ddos", "aggressive"] as const;
const EXTRA = ["extra", "aggressive"] as const;
const NONE: readonly string[] = [];

/** Every rule. `modes`: where a match is a failure (for `accepted`: a success); elsewhere it is a helper. */
export const SSHD_RULES: readonly FilterRule[] = [
  { id: "failed-auth", modes: ALL, description: "Failed <password|keyboard-interactive|hostbased|…> for [invalid user] U from A" },
  {
    id: "failed-publickey",
    modes: ALL,
    description: "Failed publickey for invalid user U from A (valid users: not a failure, fail2ban's publickey=nofail)",
  },
  { id: "invalid-user", modes: ALL, description: "Invalid user U from A" },
  { id: "user-not-allowed", modes: ALL, description: "User U from A not allowed because … (AllowUsers, DenyUsers, groups)" },
  { id: "pam-auth-failure", modes: ALL, description: "error: PAM: Authentication failure for U from A" },
  { id: "max-auth-attempts", modes: ALL, description: "maximum authentication attempts exceeded for U from A" },
  {
    id: "too-many-auth-failures",
    modes: ALL,
    description: "Disconnecting: Too many authentication failures (address from the connection)",
  },
  { id: "account-locked", modes: ALL, description: "User U not allowed because account is locked (address from the connection)" },
  { id: "disconnect-auth-fail", modes: ALL, description: "Received disconnect from A: 3: …: Auth fail" },
  { id: "root-login-refused", modes: ALL, description: "ROOT LOGIN REFUSED FROM A (older OpenSSH, SunSSH)" },
  { id: "refused-connect", modes: ALL, description: "refused connect from NAME (A) (tcpwrappers / libwrap)" },
  {
    id: "change-of-username",
    modes: ALL,
    description: "Disconnecting invalid|authenticating user U A port P: Change of username or service not allowed: …",
  },
  {
    id: "other-user",
    modes: ALL,
    description:
      "a second user name on one connection: pam_unix auth failure or Accepted for U after failures for another user (fail2ban gh-2070)",
  },
  { id: "accepted", modes: ALL, description: "Accepted <method> for U from A (a success: forgets failures when the jail says so)" },
  {
    id: "preauth-close",
    modes: DDOS,
    description: "Connection closed|reset by [invalid|authenticating user U] A [preauth]; Disconnected from A [preauth]",
  },
  {
    id: "preauth-disconnect-user",
    modes: ["extra", "ddos", "aggressive"],
    description: "Disconnected from invalid|authenticating user U A [preauth]",
  },
  { id: "received-disconnect-preauth", modes: DDOS, description: "Received disconnect from A: 11: … [preauth]" },
  { id: "did-not-receive-ident", modes: DDOS, description: "Did not receive identification string from A" },
  { id: "bad-protocol-version", modes: DDOS, description: "Bad protocol version identification '…' from A" },
  {
    id: "kex-identification",
    modes: DDOS,
    description: "kex_exchange_identification: invalid identifier / closed / reset (address from the connection)",
  },
  { id: "banner-exchange", modes: DDOS, description: "banner exchange: Connection from A: invalid format" },
  {
    id: "ssh-server-ltype",
    modes: NONE,
    description: "SSH: Server;Ltype: Version|Kex|Authname;Remote: A-P;… (helper: the connection's address, for read-socket-reset)",
  },
  { id: "read-socket-reset", modes: DDOS, description: "Read from socket failed: Connection reset by peer (address from the connection)" },
  { id: "no-auth-methods", modes: EXTRA, description: "Received disconnect from A: 14: No supported authentication methods available" },
  { id: "unable-to-negotiate", modes: EXTRA, description: "Unable to negotiate with A: no matching <cipher|kex|mac|host key type> found" },
  { id: "negotiation-failed", modes: EXTRA, description: "Unable to negotiate a …; no matching … found: (address from the connection)" },
  { id: "connection-from", modes: NONE, description: "Connection from A port P (helper: the connection's address; LogLevel VERBOSE)" },
  {
    id: "connection-closed",
    modes: NONE,
    description: "Connection closed by A / Disconnected from user U A, after authentication (helper)",
  },
  { id: "pam-unix", modes: NONE, description: "pam_unix(sshd:auth): authentication failure; … rhost=A (helper; the Failed line counts)" },
];

/** Rules whose line carries no address: the connection's (by pid) is used. */
export const CONNECTION_RULES = new Set([
  "too-many-auth-failures",
  "account-locked",
  "kex-identification",
  "read-socket-reset",
  "negotiation-failed",
]);
export const SUCCESS_RULES = new Set(["accepted"]);

/** OpenSSH program names: sshd; sshd-session (OpenSSH >= 9.8, per connection); sshd-auth (10.0). */
export const SSHD_PROGRAMS = ["sshd", "sshd-session", "sshd-auth"];
export const DEFAULT_MAX_LINE = 8192;
/** sshd's do_log() formats into a 1024-byte buffer (after vis-encoding): longer messages are not sshd's */
export const DEFAULT_MAX_MESSAGE = 2048;
/**
 * OpenSSH logs the user name as %.100s, then vis-encodes control characters (up to 4 bytes each): the real
 * ` from ADDR` of a Failed/Accepted line starts at most this far after the user name begins.
 */
export const MAX_USER_FIELD = 420;
/** sshd logs the remote host as %.200s (a name when UseDNS is on): a longer token is not one it wrote */
export const MAX_HOST_TOKEN = 255;
export const MAX_CONNECTIONS = 10_000;

/** a rule's position in SSHD_RULES (throws at load time on a typo) */
function ruleIndex(id: string): number {
  const i = SSHD_RULES.findIndex((r) => r.id === id);
  if (i < 0) throw new Error(`sshd filter: no rule ${id}`);
  return i;
}
// The scanner records a rule as its number: the filter's per-rule table is then an array read, not a map
// lookup per line.
export const R_ACCEPTED = ruleIndex("accepted");
export const R_OTHER_USER = ruleIndex("other-user");
export const R_ROOT_LOGIN_REFUSED = ruleIndex("root-login-refused");
export const R_REFUSED_CONNECT = ruleIndex("refused-connect");
export const R_CHANGE_OF_USERNAME = ruleIndex("change-of-username");
export const R_SSH_SERVER_LTYPE = ruleIndex("ssh-server-ltype");
export const R_ACCOUNT_LOCKED = ruleIndex("account-locked");
export const R_BAD_PROTOCOL_VERSION = ruleIndex("bad-protocol-version");
export const R_BANNER_EXCHANGE = ruleIndex("banner-exchange");
export const R_CONNECTION_CLOSED = ruleIndex("connection-closed");
export const R_CONNECTION_FROM = ruleIndex("connection-from");
export const R_DID_NOT_RECEIVE_IDENT = ruleIndex("did-not-receive-ident");
export const R_DISCONNECT_AUTH_FAIL = ruleIndex("disconnect-auth-fail");
export const R_FAILED_AUTH = ruleIndex("failed-auth");
export const R_FAILED_PUBLICKEY = ruleIndex("failed-publickey");
export const R_INVALID_USER = ruleIndex("invalid-user");
export const R_KEX_IDENTIFICATION = ruleIndex("kex-identification");
export const R_MAX_AUTH_ATTEMPTS = ruleIndex("max-auth-attempts");
export const R_NEGOTIATION_FAILED = ruleIndex("negotiation-failed");
export const R_NO_AUTH_METHODS = ruleIndex("no-auth-methods");
export const R_PAM_AUTH_FAILURE = ruleIndex("pam-auth-failure");
export const R_PAM_UNIX = ruleIndex("pam-unix");
export const R_PREAUTH_CLOSE = ruleIndex("preauth-close");
export const R_PREAUTH_DISCONNECT_USER = ruleIndex("preauth-disconnect-user");
export const R_READ_SOCKET_RESET = ruleIndex("read-socket-reset");
export const R_RECEIVED_DISCONNECT_PREAUTH = ruleIndex("received-disconnect-preauth");
export const R_TOO_MANY_AUTH_FAILURES = ruleIndex("too-many-auth-failures");
export const R_UNABLE_TO_NEGOTIATE = ruleIndex("unable-to-negotiate");
export const R_USER_NOT_ALLOWED = ruleIndex("user-not-allowed");
