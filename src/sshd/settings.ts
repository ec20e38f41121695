// SSHD_SETTINGS: the one table of the sshd settings rampart writes or judges. Each row says which policy key
// decides it, how it is rendered into rampart's drop-in (00-rampart.conf, in table order), what `sshd -T`
// must print after an apply, whether `rampart plan` lists other files that would override it, and which audit
// check judges it — with, for the plain keyword comparisons, the values each audit profile accepts. The
// drop-in writer, the post-apply verification and the managed-keyword list (apply/parts/ssh.ts) and the
// audit's ssh checks (audit/checks/ssh/*) all read it; nobody else spells a policy → keyword mapping.

/** The policy's `ssh:` section as the table reads it (policy/schema.ts's type satisfies it; sshd/ sits below policy/). */
export interface SshPolicy {
  port?: number | undefined;
  permitRootLogin: boolean | "prohibit-password";
  passwordAuthentication: boolean;
  kbdInteractiveAuthentication: boolean;
  allowUsers?: string[] | undefined;
  allowGroups?: string[] | undefined;
  maxAuthTries: number;
  loginGraceTime: number;
  logLevel: string;
  x11Forwarding: boolean;
  allowTcpForwarding: boolean;
  allowAgentForwarding: boolean;
  crypto: unknown;
  mfa: "off" | "totp" | "password";
}

/** The algorithm lists picked for this OpenSSH (keyword → comma list); absent = left at OpenSSH's default. */
export type CryptoChoice = Partial<Record<"Ciphers" | "KexAlgorithms" | "MACs", string>>;

/** What the audit's keyword comparison accepts (sshd -T form, compared case-insensitively). */
export interface Acceptable {
  /** values a hardened general-purpose server may have; "any" = the baseline makes no demand */
  baseline: readonly string[] | "any";
  /** values `audit.profile: strict` accepts (the dev-sec / Lynis demand) */
  strict: readonly string[];
  /** under the baseline the setting has no effect, so passes, while this other setting has this value */
  inertWhen?: { keyword: string; value: string };
}

export interface SshdSetting {
  /** canonical sshd keyword */
  keyword: string;
  /** the policy key under `ssh:` that decides what rampart writes (none: a fixed value, or judged only) */
  policyKey?: keyof SshPolicy;
  /** the drop-in's value for the policy; undefined = no line (a row without render is only judged) */
  render?(s: SshPolicy, crypto: CryptoChoice): string | undefined;
  /** a comment line written above the setting */
  comment?(s: SshPolicy): string | undefined;
  /** what `sshd -T` must print after apply (lower-case), verified for every admin; undefined = not verified */
  effective?(s: SshPolicy): string | undefined;
  /** rampart owns it: the plan names every other file or Match block that would still override it */
  managed?: true;
  /** the audit check that judges it (a check may judge several rows; its first row is its keyword) */
  check?: string;
  /** for a plain keyword comparison (audit/checks/ssh/keyword.ts): what each profile accepts */
  accept?: Acceptable;
}

const yn = (b: boolean) => (b ? "yes" : "no");

/**
 * The authentication settings for the policy. A second factor needs its method switched on — but only as the
 * step after the key (AuthenticationMethods), so `PasswordAuthentication yes` under `mfa: password` never
 * allows a password alone.
 */
export function authSettings(s: SshPolicy): { password: boolean; kbdInteractive: boolean; methods: string | undefined } {
  if (s.mfa === "totp") return { password: s.passwordAuthentication, kbdInteractive: true, methods: "publickey,keyboard-interactive:pam" };
  if (s.mfa === "password") return { password: true, kbdInteractive: s.kbdInteractiveAuthentication, methods: "publickey,password" };
  return { password: s.passwordAuthentication, kbdInteractive: s.kbdInteractiveAuthentication, methods: undefined };
}

/** PermitRootLogin as written ("prohibit-password") and as sshd -T prints it ("without-password"). */
const rootLogin = (s: SshPolicy, printed: boolean) =>
  s.permitRootLogin === true ? "yes" : s.permitRootLogin === false ? "no" : printed ? "without-password" : "prohibit-password";

export const SSHD_SETTINGS: readonly SshdSetting[] = [
  // written by rampart, in the drop-in's order
  { keyword: "Port", policyKey: "port", render: (s) => (s.port === undefined ? undefined : String(s.port)), check: "SSH-PORT" },
  {
    keyword: "PermitRootLogin",
    policyKey: "permitRootLogin",
    render: (s) => rootLogin(s, false),
    effective: (s) => rootLogin(s, true),
    managed: true,
    check: "SSH-ROOT-LOGIN",
  },
  {
    keyword: "PubkeyAuthentication",
    render: () => "yes",
    check: "SSH-PUBKEY-AUTH",
    accept: { baseline: ["yes"], strict: ["yes"] },
  },
  {
    keyword: "PasswordAuthentication",
    policyKey: "passwordAuthentication",
    render: (s) => yn(authSettings(s).password),
    effective: (s) => yn(authSettings(s).password),
    managed: true,
    check: "SSH-PASSWORD-AUTH",
  },
  {
    keyword: "KbdInteractiveAuthentication",
    policyKey: "kbdInteractiveAuthentication",
    render: (s) => yn(authSettings(s).kbdInteractive),
    effective: (s) => yn(authSettings(s).kbdInteractive),
    managed: true,
    check: "SSH-KBD-INTERACTIVE",
  },
  {
    keyword: "PermitEmptyPasswords",
    render: () => "no",
    effective: () => "no",
    managed: true,
    check: "SSH-EMPTY-PASSWORDS",
  },
  {
    keyword: "AuthenticationMethods",
    policyKey: "mfa",
    comment: (s) =>
      s.mfa === "off"
        ? undefined
        : `# ssh.mfa: ${s.mfa} — the key first, then ${s.mfa === "totp" ? "a TOTP code (PAM, /etc/pam.d/sshd)" : "the account's password"}; never one alone`,
    render: (s) => authSettings(s).methods,
    effective: (s) => authSettings(s).methods,
    managed: true,
    check: "SSH-MFA",
  },
  // the session learns which methods it passed (SSH_USER_AUTH): `rampart confirm` checks the second factor
  { keyword: "ExposeAuthInfo", policyKey: "mfa", render: (s) => (s.mfa === "off" ? undefined : "yes") },
  { keyword: "UsePAM", policyKey: "mfa", render: (s) => (s.mfa === "totp" ? "yes" : undefined) },
  {
    keyword: "AllowUsers",
    policyKey: "allowUsers",
    render: (s) => (s.allowUsers?.length ? s.allowUsers.join(" ") : undefined),
    managed: true,
    check: "SSH-ALLOW-USERS",
  },
  {
    keyword: "AllowGroups",
    policyKey: "allowGroups",
    render: (s) => (s.allowGroups?.length ? s.allowGroups.join(" ") : undefined),
    managed: true,
    check: "SSH-ALLOW-USERS",
  },
  {
    keyword: "MaxAuthTries",
    policyKey: "maxAuthTries",
    render: (s) => String(s.maxAuthTries),
    effective: (s) => String(s.maxAuthTries),
    managed: true,
    check: "SSH-MAX-AUTH-TRIES",
  },
  {
    keyword: "LoginGraceTime",
    policyKey: "loginGraceTime",
    render: (s) => String(s.loginGraceTime),
    managed: true,
    check: "SSH-LOGIN-GRACE",
  },
  { keyword: "LogLevel", policyKey: "logLevel", render: (s) => s.logLevel, managed: true, check: "SSH-LOG-LEVEL" },
  {
    keyword: "X11Forwarding",
    policyKey: "x11Forwarding",
    render: (s) => yn(s.x11Forwarding),
    effective: (s) => yn(s.x11Forwarding),
    managed: true,
    check: "SSH-X11-FORWARDING",
  },
  {
    keyword: "AllowTcpForwarding",
    policyKey: "allowTcpForwarding",
    render: (s) => yn(s.allowTcpForwarding),
    effective: (s) => yn(s.allowTcpForwarding),
    managed: true,
    check: "SSH-TCP-FORWARDING",
  },
  {
    keyword: "AllowAgentForwarding",
    policyKey: "allowAgentForwarding",
    render: (s) => yn(s.allowAgentForwarding),
    effective: (s) => yn(s.allowAgentForwarding),
    managed: true,
    check: "SSH-AGENT-FORWARDING",
  },
  { keyword: "Ciphers", policyKey: "crypto", render: (_s, c) => c.Ciphers, check: "SSH-CIPHERS" },
  { keyword: "KexAlgorithms", policyKey: "crypto", render: (_s, c) => c.KexAlgorithms, check: "SSH-KEX" },
  { keyword: "MACs", policyKey: "crypto", render: (_s, c) => c.MACs, check: "SSH-MACS" },

  // judged only (OpenSSH's defaults are what the checks want, or the host decides)
  { keyword: "HostKeyAlgorithms", check: "SSH-HOSTKEY-ALGOS" },
  { keyword: "HostKey", check: "SSH-HOSTKEY-LIST" },
  { keyword: "MaxSessions", check: "SSH-MAX-SESSIONS" },
  { keyword: "MaxStartups", check: "SSH-MAX-STARTUPS" },
  { keyword: "ClientAliveInterval", check: "SSH-CLIENT-ALIVE" },
  { keyword: "ClientAliveCountMax", check: "SSH-CLIENT-ALIVE" },
  { keyword: "StrictModes", check: "SSH-STRICT-MODES" },
  { keyword: "IgnoreRhosts", check: "SSH-IGNORE-RHOSTS" },
  { keyword: "IgnoreUserKnownHosts", check: "SSH-IGNORE-USER-KNOWN-HOSTS" },
  { keyword: "HostbasedAuthentication", check: "SSH-HOSTBASED-AUTH" },
  { keyword: "PermitUserEnvironment", check: "SSH-USER-ENVIRONMENT" },
  { keyword: "PermitTunnel", check: "SSH-PERMIT-TUNNEL" },
  { keyword: "GatewayPorts", check: "SSH-GATEWAY-PORTS" },
  { keyword: "KerberosAuthentication", check: "SSH-KERBEROS" },
  { keyword: "GSSAPIAuthentication", check: "SSH-GSSAPI" },
  { keyword: "AddressFamily", check: "SSH-ADDRESS-FAMILY" },
  { keyword: "ListenAddress", check: "SSH-LISTEN-ADDRESS" },
  { keyword: "Protocol", check: "SSH-PROTOCOL" },
  { keyword: "UseLogin", check: "SSH-USE-LOGIN" },
  { keyword: "UsePrivilegeSeparation", check: "SSH-PRIVILEGE-SEPARATION" },
  { keyword: "Banner", check: "SSH-BANNER" },
  { keyword: "DebianBanner", check: "SSH-DEBIAN-BANNER" },
  {
    keyword: "SyslogFacility",
    check: "SSH-SYSLOG-FACILITY",
    accept: { baseline: ["AUTH", "AUTHPRIV"], strict: ["AUTH"] },
  },
  {
    keyword: "KerberosOrLocalPasswd",
    check: "SSH-KERBEROS-LOCAL-PASSWD",
    accept: { baseline: ["no"], strict: ["no"], inertWhen: { keyword: "KerberosAuthentication", value: "no" } },
  },
  {
    keyword: "KerberosTicketCleanup",
    check: "SSH-KERBEROS-TICKET-CLEANUP",
    accept: { baseline: ["yes"], strict: ["yes"], inertWhen: { keyword: "KerberosAuthentication", value: "no" } },
  },
  {
    keyword: "GSSAPICleanupCredentials",
    check: "SSH-GSSAPI-CLEANUP",
    accept: { baseline: ["yes"], strict: ["yes"], inertWhen: { keyword: "GSSAPIAuthentication", value: "no" } },
  },
  { keyword: "TCPKeepAlive", check: "SSH-TCP-KEEPALIVE", accept: { baseline: "any", strict: ["no"] } },
  {
    keyword: "X11UseLocalhost",
    check: "SSH-X11-USE-LOCALHOST",
    accept: { baseline: ["yes"], strict: ["yes"], inertWhen: { keyword: "X11Forwarding", value: "no" } },
  },
  { keyword: "PrintMotd", check: "SSH-PRINT-MOTD", accept: { baseline: "any", strict: ["no"] } },
  { keyword: "PrintLastLog", check: "SSH-PRINT-LASTLOG", accept: { baseline: "any", strict: ["no"] } },
  { keyword: "Compression", check: "SSH-COMPRESSION", accept: { baseline: "any", strict: ["no"] } },
  { keyword: "UseDNS", check: "SSH-USE-DNS", accept: { baseline: ["no"], strict: ["no"] } },
];

/** The rows an audit check judges (its keyword first). */
export function settingsOfCheck(checkId: string): SshdSetting[] {
  return SSHD_SETTINGS.filter((s) => s.check === checkId);
}

/** The keyword an audit check judges; throws for a check the table does not know (a programming error). */
export function keywordOfCheck(checkId: string): string {
  const row = settingsOfCheck(checkId)[0];
  if (!row) throw new Error(`SSHD_SETTINGS has no row for check ${checkId}`);
  return row.keyword;
}

/** The keywords rampart owns: `rampart plan` lists what would still override them. */
export const MANAGED_KEYWORDS: readonly string[] = SSHD_SETTINGS.filter((s) => s.managed).map((s) => s.keyword);

/** The drop-in's setting lines for a policy (comments included), in table order. */
export function renderSettings(s: SshPolicy, crypto: CryptoChoice): string[] {
  const lines: string[] = [];
  for (const row of SSHD_SETTINGS) {
    const value = row.render?.(s, crypto);
    if (value === undefined) continue;
    const comment = row.comment?.(s);
    if (comment) lines.push(comment);
    lines.push(`${row.keyword} ${value}`);
  }
  return lines;
}

/** What `sshd -T` must print for the policy (lower-case keys and values), for the post-apply check. */
export function expectedEffective(s: SshPolicy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of SSHD_SETTINGS) {
    const v = row.effective?.(s);
    if (v !== undefined) out[row.keyword.toLowerCase()] = v;
  }
  return out;
}
