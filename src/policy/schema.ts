// src/policy/ — the policy file: schema, load, rules, init, the recommended sysctl values. Imports core/,
// system/ and firewall/ (the gate's rules); every layer above may import it.
// The policy schema: every key a user may write in /etc/rampart/policy.yaml, its type and its default.
// Defaults are the two guides' baseline, modernised: a sudo admin, key-only SSH without root login,
// default-deny inbound, an sshd jail, automatic security updates. Objects are strict (unknown keys are
// errors, reported with "did you mean" by load.ts). The JSON Schema for editors is generated from this
// file (scripts/gen-schema.mjs → schema/policy.schema.json).
import { z } from "zod";
import { tryParseCidr } from "../core/ip.js";
import { LEGACY_SERVER_PACKAGES } from "../facts/legacy-services.js";
import { parseDuration, parseRate } from "./units.js";

const cidr = z.string().superRefine((s, ctx) => {
  const r = tryParseCidr(s.trim());
  if (!r.ok) ctx.addIssue({ code: "custom", message: `"${s}" is not an IP address or CIDR: ${r.reason}` });
});

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const r = parseDuration(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

const rate = z.string().superRefine((s, ctx) => {
  const r = parseRate(s);
  if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
});

/** Debian's adduser NAME_REGEX, at most 32 characters: no shell or path syntax can hide in a user name. */
export const USERNAME_RE = /^[a-z_][a-z0-9_-]{0,30}\$?$/;
const username = z.string().regex(USERNAME_RE, "a user name is lower-case letters, digits, _ and -, starting with a letter or _ (max 32)");
const groupname = z.string().regex(USERNAME_RE, "a group name is lower-case letters, digits, _ and -");

export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "ssh-dss",
] as const;
const sshKey = z.string().superRefine((s, ctx) => {
  if (/[\r\n]/.test(s)) {
    ctx.addIssue({ code: "custom", message: "an SSH public key must be on one line" });
    return;
  }
  const [type, blob] = s.trim().split(/\s+/);
  if (!SSH_KEY_TYPES.includes(type as (typeof SSH_KEY_TYPES)[number])) {
    ctx.addIssue({ code: "custom", message: `"${type ?? ""}" is not an SSH public key type (e.g. ssh-ed25519 AAAA… comment)` });
  } else if (!blob || !/^AAAA[A-Za-z0-9+/]+={0,3}$/.test(blob)) {
    ctx.addIssue({ code: "custom", message: "the key's base64 part is missing or malformed (copy the whole line of id_*.pub)" });
  }
});

const port = z.number().int().min(1).max(65535);
const portSpec = z.union([port, z.string().regex(/^\d{1,5}(-\d{1,5})?$/, 'a port is a number or a range "8000-8100"')]);

export const SERVICE_NAMES = ["ssh", "http", "https", "dns", "ntp", "smtp", "submission", "imaps", "pop3s", "dhcp", "icmp"] as const;

const admin = z.strictObject({
  name: username,
  keys: z.array(sshKey).default([]),
  groups: z.array(groupname).default(["sudo"]),
  /** require the user's password for sudo (the guides' default); false = NOPASSWD for this admin only */
  sudoPassword: z.boolean().default(true),
  shell: z
    .string()
    .regex(/^\/[\w/.-]+$/, "a shell is an absolute path")
    .default("/bin/bash"),
});

const crypto = z.union([
  z.enum(["modern", "compatible", "keep"]),
  z.strictObject({
    ciphers: z.array(z.string()).optional(),
    kex: z.array(z.string()).optional(),
    macs: z.array(z.string()).optional(),
    hostKeyAlgorithms: z.array(z.string()).optional(),
  }),
]);

const ssh = z.strictObject({
  /** the port sshd listens on; omitted = keep the current one */
  port: port.optional(),
  permitRootLogin: z.union([z.boolean(), z.literal("prohibit-password")]).default(false),
  passwordAuthentication: z.boolean().default(false),
  kbdInteractiveAuthentication: z.boolean().default(false),
  permitEmptyPasswords: z.literal(false).default(false),
  allowUsers: z.array(username).optional(),
  allowGroups: z.array(groupname).optional(),
  maxAuthTries: z.number().int().min(1).max(10).default(3),
  loginGraceTime: duration.default(30),
  logLevel: z.enum(["INFO", "VERBOSE"]).default("VERBOSE"),
  x11Forwarding: z.boolean().default(false),
  allowTcpForwarding: z.boolean().default(false),
  allowAgentForwarding: z.boolean().default(false),
  crypto: crypto.default("modern"),
  /**
   * a second factor after the key: `totp` = a code from an authenticator app (PAM, libpam-google-authenticator;
   * enrol each admin with `rampart mfa enroll USER` first), `password` = the account's password; `off` = key only
   */
  mfa: z.enum(["off", "totp", "password"]).default("off"),
});

const inboundRule = z
  .strictObject({
    service: z.enum(SERVICE_NAMES).optional(),
    ports: z.array(portSpec).min(1).optional(),
    /** default: the service's own protocols (dns: tcp and udp), or tcp for `ports` */
    proto: z.enum(["tcp", "udp"]).optional(),
    from: z.array(cidr).optional(),
    interface: z
      .string()
      .regex(/^[a-zA-Z0-9_.:@-]{1,15}$/, "an interface name such as eth0")
      .optional(),
    rateLimit: rate.optional(),
    comment: z.string().max(200).optional(),
  })
  .refine((r) => (r.service === undefined) !== (r.ports === undefined), {
    message: "an inbound rule names either a `service` or `ports`, not both and not neither",
  });

export const OUTBOUND_SERVICES = ["dns", "ntp", "http", "https", "icmp", "dhcp", "smtp", "ssh"] as const;

const firewall = z.strictObject({
  enabled: z.boolean().default(true),
  backend: z.enum(["nftables", "iptables"]).default("nftables"),
  inbound: z.array(inboundRule).default([{ service: "ssh" }]),
  outbound: z
    .union([
      z.literal("allow"),
      /** default-deny egress: only these services, plus `ports` (tcp) */
      z.strictObject({ allow: z.array(z.enum(OUTBOUND_SERVICES)), ports: z.array(portSpec).optional() }),
    ])
    .default("allow"),
  reject: z.boolean().default(false),
  ipv6: z.boolean().default(true),
  /** keep the port sshd listens on open to the applying admin's source address (anti-lockout) */
  keepAdminSession: z.boolean().default(true),
  /** the host routes for containers (Docker) or is a router: sets are matched in forward too */
  forward: z.boolean().default(false),
});

const sysctlObject = z.strictObject({
  profile: z.enum(["recommended", "none"]).default("recommended"),
  ipForward: z.boolean().optional(),
  disableIpv6: z.boolean().default(false),
  set: z
    .record(z.string().regex(/^[a-z0-9_.-]+$/, "a sysctl key such as net.ipv4.tcp_syncookies"), z.union([z.string(), z.number()]))
    .default({}),
});
const sysctl = z
  .union([z.literal("recommended"), z.literal("none"), sysctlObject])
  .transform((v) => (typeof v === "string" ? { profile: v, disableIpv6: false, set: {} } : v));

const updates = z.strictObject({
  automatic: z.enum(["security", "all", "off"]).default("security"),
  reboot: z
    .strictObject({
      enabled: z.boolean().default(false),
      time: z
        .string()
        .regex(/^\d{2}:\d{2}$/, 'a time such as "03:30"')
        .default("03:30"),
    })
    .prefault({}),
});

const services = z.strictObject({
  /** packages to purge; the default is every legacy server package (src/facts/legacy-services.ts) */
  remove: z.array(z.string()).default([...LEGACY_SERVER_PACKAGES]),
  /** listening services the host needs: rampart refuses to remove them */
  keep: z.array(z.string()).default([]),
});

const mac = z.strictObject({ apparmor: z.enum(["keep", "enforce", "complain", "disabled"]).default("keep") });

const jail = z.strictObject({
  enabled: z.boolean().default(true),
  /** filter name (built-in or fail2ban's, with parameters: "sshd[mode=aggressive]"); default: the jail's name */
  filter: z.string().optional(),
  mode: z.enum(["normal", "ddos", "extra", "aggressive"]).default("normal"),
  maxretry: z.number().int().min(1).max(1000).default(3),
  findtime: duration.default(600),
  bantime: duration.default(600),
  increment: z.strictObject({ factor: z.number().min(1).default(2), max: duration.default(604800) }).optional(),
  logpath: z.string().optional(),
  backend: z.enum(["auto", "file", "journald"]).default("auto"),
  /** ban the whole IPv6 prefix of this length instead of one address (default /64) */
  ipv6Prefix: z.number().int().min(16).max(128).default(64),
  /** forget a source's failures after it logs in successfully */
  forgetOnSuccess: z.boolean().default(false),
  /** extra addresses for this jail only */
  ignore: z.array(cidr).default([]),
});

const guard = z.strictObject({
  enabled: z.boolean().default(true),
  ignore: z.array(cidr).default(["127.0.0.0/8", "::1"]),
  notify: z
    .strictObject({
      email: z
        .strictObject({
          to: z.string().min(3),
          from: z.string().optional(),
          smtp: z
            .string()
            .regex(/^smtps?:\/\//, 'an SMTP URL such as "smtp://127.0.0.1:25"')
            .default("smtp://127.0.0.1:25"),
          whois: z.boolean().default(false),
        })
        .optional(),
      webhook: z.strictObject({ url: z.string().regex(/^https?:\/\//, "an http(s) URL") }).optional(),
    })
    .prefault({}),
  /**
   * report this host's bans to the community (AbuseIPDB, blocklist.de) or a webhook: sent from a queue with
   * retries, never delaying a ban; never for ignored, private, documentation or own addresses, nor for bans
   * received from the fleet (their origin reports them)
   */
  report: z
    .strictObject({
      abuseipdb: z
        .strictObject({
          /** the API key, alone in a file readable by root only (chmod 600) */
          keyFile: z.string().regex(/^\//, "an absolute path"),
          /** AbuseIPDB categories: 18 brute-force, 22 SSH */
          categories: z.array(z.number().int().min(1).max(99)).min(1).default([18, 22]),
          /** the API's base; /report is appended (change it only for a lab or a proxy) */
          baseUrl: z
            .string()
            .regex(/^https?:\/\//, "an http(s) URL")
            .default("https://api.abuseipdb.com/api/v2"),
          rateLimit: rate.default("30/minute"),
          /** reports per UTC day (AbuseIPDB's free plan: 1000) */
          dailyCap: z.number().int().min(1).default(1000),
          /** one report per address in this time (AbuseIPDB refuses more often than every 15 minutes) */
          sameAddressEvery: duration.default(900),
        })
        .optional(),
      blocklistDe: z
        .strictObject({
          /** the server's e-mail address as registered at blocklist.de */
          email: z.string().regex(/^[^@\s]+@[^@\s]+$/, "an e-mail address"),
          /** the server's API key, alone in a file readable by root only (chmod 600) */
          keyFile: z.string().regex(/^\//, "an absolute path"),
          /** the service name blocklist.de files reports under (default: ssh) */
          service: z
            .string()
            .regex(/^[a-z0-9-]{1,32}$/, "a service name such as ssh, imap, ftp")
            .default("ssh"),
          /** the site's base; /en/httpreports.html is appended (change it only for a lab or a proxy) */
          baseUrl: z
            .string()
            .regex(/^https?:\/\//, "an http(s) URL")
            .default("https://www.blocklist.de"),
          rateLimit: rate.default("30/minute"),
          dailyCap: z.number().int().min(1).default(1000),
          sameAddressEvery: duration.default(900),
        })
        .optional(),
      webhook: z
        .strictObject({
          url: z.string().regex(/^https?:\/\//, "an http(s) URL"),
          rateLimit: rate.default("60/minute"),
          dailyCap: z.number().int().min(1).default(10000),
          sameAddressEvery: duration.default(0),
        })
        .optional(),
      /** report only these jails' bans (default: every jail; bans by hand are never reported: no evidence) */
      jails: z.array(z.string()).optional(),
      /** a PEM file of extra CAs trusted for the report endpoints (a lab's or a proxy's own CA) */
      caFile: z.string().regex(/^\//, "an absolute path").optional(),
      /** FOR LABS ONLY: report addresses in the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) */
      reportDocumentationRanges: z.boolean().default(false),
      /** a failed report is retried with a growing delay, from `initial` up to `max`, for `giveUpAfter` */
      retry: z
        .strictObject({ initial: duration.default(10), max: duration.default(900), giveUpAfter: duration.default(86400) })
        .prefault({}),
    })
    .prefault({}),
  /**
   * the shortest prefix any ban may have (manual, jail, restored, fleet): the gate refuses wider ones, so no
   * ban can cover a large part of the Internet
   */
  minPrefix: z
    .strictObject({ ipv4: z.number().int().min(8).max(32).default(16), ipv6: z.number().int().min(16).max(128).default(32) })
    .prefault({}),
  share: z
    .strictObject({
      postgres: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// URL"),
      credentialsFile: z.string().optional(),
      /** allow a remote database without a verified TLS connection (sslmode=verify-full or verify-ca) */
      insecure: z.boolean().default(false),
      /** what this guard accepts from its peers */
      accept: z
        .strictObject({
          /** the shortest prefix a peer may ban here */
          minPrefix: z
            .strictObject({ ipv4: z.number().int().min(8).max(32).default(24), ipv6: z.number().int().min(16).max(128).default(48) })
            .prefault({}),
          /** a longer ban from a peer is shortened to this */
          maxDuration: duration.default(604800),
          /** host names (their `origin`) allowed to ban here; empty = every peer */
          origins: z.array(z.string()).default([]),
          /**
           * the most bans in force one peer holds here (all unverified origins together count as one peer):
           * minPrefix bounds one row, this bounds their sum; a ban over it is refused, logged and not retried
           */
          maxBans: z.number().int().min(1).default(10000),
        })
        .prefault({}),
    })
    .optional(),
  jails: z.record(z.string().regex(/^[a-zA-Z0-9_-]+$/, "a jail name is letters, digits, _ and -"), jail).prefault({ sshd: {} }),
  /** run a fail2ban configuration directory in place (jail.local, filter.d) */
  fail2ban: z.string().optional(),
});

const blocklistSource = z
  .strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_.-]+$/, "a list name is letters, digits, _ . and -"),
    url: z
      .string()
      .regex(/^https?:\/\//, "an http(s) URL")
      .optional(),
    file: z.string().optional(),
    format: z.enum(["auto", "plain", "netset", "spamhaus", "spamhaus-json", "dshield", "zone"]).default("auto"),
    refresh: duration.optional(),
    /** accept a plain http:// URL without a pinned hash (anyone on the path can rewrite the list) */
    insecure: z.boolean().optional(),
    /** the sha256 of the expected content: a download with any other content is refused */
    sha256: z
      .string()
      .regex(/^(sha256:)?[0-9a-fA-F]{64}$/, "a sha256 hex digest (64 hex digits, optionally prefixed sha256:)")
      .optional(),
  })
  .refine((s) => (s.url === undefined) !== (s.file === undefined), { message: "a source has either `url` or `file`" });

const percent = z.number().gt(0, "a percentage above 0").max(100, "a percentage up to 100");

/** Sanity limits for what a list may hold (src/blocklist/sanity.ts). */
const blocklistLimits = z.strictObject({
  /** an IPv4 entry touching public space must be at least this long: no /0../7 by default */
  minPrefixV4: z.number().int().min(0).max(32).default(8),
  /** an IPv6 entry touching global unicast space must be at least this long */
  minPrefixV6: z.number().int().min(0).max(128).default(19),
  /** percent of the public address space (per family) one list may cover */
  maxShare: percent.default(2),
  /** percent the merged result may cover (raised lists add their own cap) */
  maxMergedShare: percent.default(5),
  /** entries one list may hold: a list with more is refused as a whole (memory; the last good copy stays) */
  maxEntries: z.number().int().min(1).default(1_000_000),
  /** a higher cap for a list, by name, with the reason (country lists are big) */
  raise: z
    .record(
      z.string().regex(/^[a-zA-Z0-9_.-]+$/, "a list name"),
      z.strictObject({ maxShare: percent, reason: z.string().min(3, "say why this list may cover that much") }),
    )
    .default({}),
});

const blocklists = z.strictObject({
  sources: z.array(blocklistSource).default([]),
  never: z.array(cidr).default([]),
  allowPrivate: z.boolean().default(false),
  refresh: duration.default(86400),
  limits: blocklistLimits.prefault({}),
});

const integrity = z.strictObject({
  paths: z.array(z.string().regex(/^\//, "an absolute path")).default(["/etc", "/usr/bin", "/usr/sbin", "/usr/lib", "/boot"]),
  exclude: z.array(z.string()).default([]),
});

// Which bar the audit holds the host to: `baseline` (the default) is what a hardened general-purpose server
// meets; `strict` adds the stricter thresholds of dev-sec and Lynis (e.g. sshd LogLevel VERBOSE, sshd_config
// 0600). Each check that differs says what `strict` demands in its `strict` note (`rampart audit --coverage`).
const audit = z.strictObject({
  profile: z.enum(["baseline", "strict"]).default("baseline"),
});

const waiver = z.strictObject({
  check: z.string().regex(/^[A-Z0-9]+(-[A-Z0-9]+)+$/, "a check ID such as FW-OUTBOUND-DENY"),
  reason: z.string().min(3, "say why the check is waived"),
  until: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD"), z.date()]).optional(),
});

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  admins: z.array(admin).default([]),
  ssh: ssh.prefault({}),
  firewall: firewall.prefault({}),
  sysctl: sysctl.prefault("recommended"),
  updates: updates.prefault({}),
  services: services.prefault({}),
  mac: mac.prefault({}),
  guard: guard.prefault({}),
  blocklists: blocklists.prefault({}),
  integrity: integrity.prefault({}),
  audit: audit.prefault({}),
  waivers: z.array(waiver).default([]),
});

/** The normalised, typed policy every part of rampart reads. */
export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;
export type InboundRule = Policy["firewall"]["inbound"][number];
export type JailPolicy = Policy["guard"]["jails"][string];
export type Admin = Policy["admins"][number];
