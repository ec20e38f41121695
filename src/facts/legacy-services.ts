// LEGACY_SERVICES: the one table of legacy network services — clear-text or unauthenticated protocols a
// server should not run — with the Debian packages that provide the server (and the client), the ports the
// server listens on, and why it is unsafe. Read by the policy's default `services.remove` (every server
// package), the audit's services checks (audit/checks/services/*: installed or listening fails) and the
// services apply part (what a purged package served, to refuse a purge the firewall policy contradicts).
// Data only: it imports nothing.

export interface LegacyPort {
  proto: "tcp" | "udp";
  port: number;
}

export interface LegacyService {
  /** the service's short name, for messages and `services.keep`: "telnet" */
  what: string;
  /** why it is unsafe, one sentence */
  why: string;
  /** packages that run the server (the policy removes them by default) */
  servers: readonly string[];
  /** packages with only the client (the audit warns, nothing removes them) */
  clients: readonly string[];
  /** where the server listens (also when started by inetd) */
  ports: readonly LegacyPort[];
  /** files whose mere presence is a finding (rsh trust files) */
  files?: readonly string[];
}

export const LEGACY_SERVICES = {
  telnet: {
    what: "telnet",
    why: "telnet sends passwords and the whole session in clear text",
    servers: ["telnetd", "inetutils-telnetd", "telnetd-ssl"],
    clients: ["telnet", "inetutils-telnet"],
    ports: [{ proto: "tcp", port: 23 }],
  },
  rsh: {
    what: "rsh",
    why: "rsh/rlogin/rexec trust host names and send everything in clear text; .rhosts-style trust files make them worse",
    servers: ["rsh-server", "rsh-redone-server"],
    clients: ["rsh-client", "rsh-redone-client"],
    ports: [
      { proto: "tcp", port: 512 },
      { proto: "tcp", port: 513 },
      { proto: "tcp", port: 514 },
    ],
    files: ["/etc/hosts.equiv", "/root/.rhosts"],
  },
  ftp: {
    what: "ftp",
    why: "plain FTP sends credentials in clear text (SFTP over SSH does the same job)",
    servers: [
      "ftpd",
      "vsftpd",
      "proftpd-basic",
      "proftpd-core",
      "pure-ftpd",
      "pure-ftpd-mysql",
      "pure-ftpd-ldap",
      "inetutils-ftpd",
      "tnftpd",
    ],
    clients: ["ftp", "inetutils-ftp", "tnftp"],
    ports: [{ proto: "tcp", port: 21 }],
  },
  tftp: {
    what: "tftp",
    why: "TFTP has no authentication at all",
    servers: ["tftpd", "tftpd-hpa", "atftpd", "inetutils-tftpd"],
    clients: ["tftp", "tftp-hpa", "atftp", "inetutils-tftp"],
    ports: [{ proto: "udp", port: 69 }],
  },
  inetd: {
    what: "inetd",
    why: "a super-server starts services on demand, usually the legacy ones here, outside the service manager's view",
    servers: ["inetd", "xinetd", "openbsd-inetd", "inetutils-inetd", "rlinetd"],
    clients: [],
    ports: [],
  },
  nis: {
    what: "nis",
    why: "NIS (yp) hands out password hashes to anyone on the network who asks",
    servers: ["nis", "ypserv"],
    clients: ["ypbind-mt", "yp-tools"],
    ports: [],
  },
  talk: {
    what: "talk",
    why: "talk/ntalk accept unauthenticated messages from the network",
    servers: ["talkd", "inetutils-talkd"],
    clients: ["talk", "inetutils-talk"],
    ports: [
      { proto: "udp", port: 517 },
      { proto: "udp", port: 518 },
    ],
  },
} as const satisfies Record<string, LegacyService>;

/** Every legacy server package, in table order: the policy's default `services.remove`. */
export const LEGACY_SERVER_PACKAGES: readonly string[] = Object.values(LEGACY_SERVICES).flatMap((s) => s.servers);

const byPackage: ReadonlyMap<string, LegacyService> = new Map(
  Object.values(LEGACY_SERVICES).flatMap((s: LegacyService) => s.servers.map((p) => [p, s] as const)),
);

/** The legacy service a server package provides, if it is one. */
export function legacyServiceOf(pkg: string): LegacyService | undefined {
  return byPackage.get(pkg);
}
