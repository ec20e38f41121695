// `rampart init`: a policy tailored to the running host, as YAML with comments a person can edit.
// Facts are gathered first (who the admin is, their keys, the SSH port, what listens, our addresses, the
// admin's source address) and rendered second, so rendering is tested without a live host. The account
// databases and the listening sockets are the same facts the audit reads (src/facts/).
import { tryParseCidr } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import { type FactContext, factContext } from "../facts/context.js";
import { listeningSockets } from "../facts/listening.js";
import { accounts } from "../facts/passwd.js";
import { socketOwners } from "../facts/processes.js";
import type { Runner } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { hostAddresses, sessionSource } from "../system/net.js";
import { SSH_KEY_TYPES, USERNAME_RE } from "./schema.js";

/** What `rampart init` learns about the host before it writes the policy. */
export interface InitFacts {
  hostname: string;
  admin?: { name: string; how: string; keys: string[]; keysSource: string } | undefined;
  sshPort: number;
  sshPortSource: string;
  /** listening sockets other than ssh, on non-loopback addresses */
  listening: { proto: "tcp" | "udp"; port: number; address: string; process?: string | undefined }[];
  ownAddresses: string[];
  adminSource?: string | undefined;
  notes: string[];
}

const WELL_KNOWN: Record<number, string> = {
  25: "smtp",
  53: "dns",
  80: "http",
  443: "https",
  587: "submission",
  993: "imaps",
  995: "pop3s",
  123: "ntp",
};

export async function gatherHostFacts(fs: HostFs, run: Runner, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<InitFacts> {
  const facts = factContext({ fs, run, live: fs.live, log });
  const notes: string[] = [];
  const hostname = (await fs.readTextIfExists("/etc/hostname"))?.trim() || "localhost";
  const admin = await findAdmin(facts, env, notes);
  const { port, source } = await sshPort(fs, run);
  const listening = await listeningServices(facts, port);
  const ownAddresses = await hostAddresses(run).catch((e: Error) => {
    log.debug("ip addr failed; own addresses not listed", { error: e.message });
    return [] as string[];
  });
  const adminSource = await sessionSource(env);
  return { hostname, admin, sshPort: port, sshPortSource: source, listening, ownAddresses, adminSource, notes };
}

/** SUDO_USER, else the SSH session's user if not root, else the only member of sudo/admin with a home. */
async function findAdmin(facts: FactContext, env: NodeJS.ProcessEnv, notes: string[]): Promise<InitFacts["admin"]> {
  const db = await accounts(facts);
  const candidates: [string | undefined, string][] = [
    [env.SUDO_USER, "SUDO_USER"],
    [env.USER !== "root" && env.SSH_CONNECTION ? env.USER : undefined, "the SSH session's user"],
  ];
  for (const g of ["sudo", "admin", "wheel"]) {
    const members = db.group(g)?.members ?? [];
    if (members.length === 1) candidates.push([members[0], `the only member of group ${g}`]);
    else if (members.length > 1) notes.push(`group ${g} has several members (${members.join(", ")}): list the other admins yourself`);
  }
  for (const [name, how] of candidates) {
    const user = name ? db.user(name) : undefined;
    if (!name || name === "root" || !USERNAME_RE.test(name) || !user) continue;
    const home = user.home;
    const keysPath = `${home}/.ssh/authorized_keys`;
    const keys = parseAuthorizedKeys((await facts.fs.readTextIfExists(keysPath)) ?? "");
    if (keys.length === 0) notes.push(`${name} has no valid key in ${keysPath}: add one before turning passwords off`);
    return { name, how, keys, keysSource: keysPath };
  }
  notes.push("no admin user found (run `sudo rampart init` from your admin account): add yours under `admins:`");
  return undefined;
}

/** Key lines of an authorized_keys file, without options (from=…, command=…), one per key. */
export function parseAuthorizedKeys(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const words = line.split(/\s+/);
    const at = words.findIndex((w) => (SSH_KEY_TYPES as readonly string[]).includes(w));
    if (at < 0) continue;
    const blob = words[at + 1];
    if (!blob || !/^AAAA[A-Za-z0-9+/]+={0,3}$/.test(blob)) continue;
    const comment = words.slice(at + 2).join(" ");
    out.push([words[at], blob, comment].filter(Boolean).join(" "));
  }
  return out;
}

async function sshPort(fs: HostFs, run: Runner): Promise<{ port: number; source: string }> {
  if (fs.live) {
    try {
      const r = await run(["sshd", "-T"], { timeoutMs: 5000 });
      const m = /^port (\d+)$/m.exec(r.stdout);
      if (m) return { port: Number(m[1]), source: "sshd -T" };
    } catch {
      // not installed or no host keys: read the file
    }
  }
  const text = (await fs.readTextIfExists("/etc/ssh/sshd_config")) ?? "";
  const m = /^\s*Port\s+(\d+)/im.exec(text);
  return m ? { port: Number(m[1]), source: "/etc/ssh/sshd_config" } : { port: 22, source: "default" };
}

/**
 * Services listening on a non-loopback address, ssh's port aside: one per protocol and port, with the program
 * that holds the socket (from /proc, like `ss -tulnp`; other users' programs are named only when run as root).
 */
async function listeningServices(facts: FactContext, sshPort: number): Promise<InitFacts["listening"]> {
  const [sockets, owners] = await Promise.all([
    listeningSockets(facts),
    facts.live ? socketOwners(facts).catch(() => new Map<number, string>()) : Promise.resolve(new Map<number, string>()),
  ]);
  const out: InitFacts["listening"] = [];
  const seen = new Set<string>();
  for (const s of sockets) {
    const k = `${s.proto}/${s.port}`;
    if (s.port === sshPort || isLoopback(s.address) || seen.has(k)) continue;
    seen.add(k);
    // "nginx[812]" → "nginx"
    const process = owners.get(s.inode)?.replace(/\[\d+\]$/, "");
    out.push({ proto: s.proto, port: s.port, address: s.address, process });
  }
  return out;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

const q = (s: string) => JSON.stringify(s);

/** Render the policy YAML. Everything the user may want to change is commented. */
export function renderInitPolicy(f: InitFacts, now: Date): string {
  const L: string[] = [];
  L.push(`# rampart policy for ${f.hostname}, written by \`rampart init\` on ${now.toISOString().slice(0, 10)}.`);
  L.push("# Check it with `rampart policy check`, see the changes with `rampart plan`, apply with `rampart apply`.");
  L.push("# Every key, its default and its meaning: the JSON Schema in schema/policy.schema.json.");
  for (const n of f.notes) L.push(`# NOTE: ${n}`);
  L.push("version: 1", "");
  L.push("# Admins log in with keys and use sudo; root cannot log in over SSH.");
  if (f.admin) {
    L.push("admins:", `  - name: ${f.admin.name} # found as ${f.admin.how}`);
    if (f.admin.keys.length) {
      L.push(`    keys: # from ${f.admin.keysSource}`);
      for (const k of f.admin.keys) L.push(`      - ${q(k)}`);
    } else {
      L.push(`    keys: [] # none found in ${f.admin.keysSource}: add your public key here`);
    }
    L.push("    groups: [sudo]");
  } else {
    L.push("admins: []", "#  - name: alice", '#    keys: ["ssh-ed25519 AAAA… alice@laptop"]', "#    groups: [sudo]");
  }
  L.push("");
  L.push("ssh:");
  L.push(`  # sshd listens on ${f.sshPort} (${f.sshPortSource})`);
  if (f.sshPort !== 22) L.push(`  port: ${f.sshPort}`);
  L.push("  permitRootLogin: false", "  passwordAuthentication: false");
  if (f.admin) L.push(`  allowUsers: [${f.admin.name}]`);
  L.push("  crypto: modern", "");
  L.push("firewall:", "  backend: nftables", "  inbound:");
  L.push(f.sshPort === 22 ? "    - { service: ssh }" : `    - { ports: [${f.sshPort}] } # ssh`);
  if (f.listening.length) {
    L.push("    # Listening now; uncomment what must be reachable from outside:");
    for (const s of f.listening.sort((a, b) => a.port - b.port)) {
      const name = WELL_KNOWN[s.port];
      const rule = `{ ports: [${s.port}]${s.proto === "udp" ? ", proto: udp" : ""} }`;
      L.push(`    # - ${rule}   # ${s.proto} ${s.address}:${s.port}${s.process ? ` (${s.process})` : ""}${name ? ` ${name}` : ""}`);
    }
  }
  L.push("  outbound: allow", "  ipv6: true", "");
  L.push("guard:");
  const ignore = ["127.0.0.0/8", "::1", ...f.ownAddresses, ...(f.adminSource ? [f.adminSource] : [])].filter(
    (a, i, all) => all.indexOf(a) === i && tryParseCidr(a).ok,
  );
  L.push("  # never banned: loopback, this host's own addresses" + (f.adminSource ? ", and the address you ran init from" : ""));
  L.push(`  ignore: [${ignore.map(q).join(", ")}]`);
  L.push(
    "  jails:",
    "    sshd:",
    "      mode: normal",
    "      maxretry: 3",
    "      findtime: 10m",
    "      bantime: 10m",
    "      increment: { factor: 2, max: 1w }",
    "",
  );
  L.push("blocklists:", "  sources: []", '  #  - { name: spamhaus-drop, url: "https://www.spamhaus.org/drop/drop.txt" }');
  const never = [...f.ownAddresses, ...(f.adminSource ? [f.adminSource] : [])].filter((a, i, all) => all.indexOf(a) === i);
  L.push(`  never: [${never.map(q).join(", ")}]`, "");
  L.push("sysctl: recommended", "updates: { automatic: security }", "");
  L.push("# waivers:", '#   - { check: FW-OUTBOUND-DENY, reason: "needs arbitrary egress", until: 2027-06-30 }');
  return `${L.join("\n")}\n`;
}
