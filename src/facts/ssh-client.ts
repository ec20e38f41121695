// The ssh client's settings (ssh_config) as the audit judges them: /etc/ssh/ssh_config with its Includes,
// read by the same lossless reader as sshd_config (src/sshd/load.ts, dialect "ssh": `Host` starts a block),
// and resolved for a host no block names — what `Host *` gives every connection, the scope dev-sec judges.
// ssh keeps the first value it obtains for each keyword; a line counts when its block (and the block of
// every Include above it) matches the probe host. Blocks that cannot be decided without a connection
// (`Match exec`, `user`, `localnetwork`, …) are reported beside the value, never guessed. Live, the values
// are cross-checked against the real program once per audit: `ssh -G -F /etc/ssh/ssh_config <probe>`
// prints the effective configuration and never connects (the probe is under .invalid, which resolves
// nowhere). `ssh -G` would run `Match exec` commands, so it is not asked when the config has one. Under
// --root there is no ssh to ask: the values come from the files and OpenSSH's defaults, and say so.
import { type Directive, type MatchBlock, type SshdConfig, describeMatch, loadConfigTree, where } from "../sshd/load.js";
import { wildcardMatch, matchPatternList } from "../sshd/patterns.js";
import { keyOf } from "../sshd/keywords.js";
import { packages } from "./packages.js";
import type { FactContext } from "./context.js";

export const SSH_CONFIG = "/etc/ssh/ssh_config";
export const SSH_CANDIDATES = ["/usr/bin/ssh", "/bin/ssh", "/usr/local/bin/ssh"];
/** A host name no config names and no resolver answers (RFC 6761 reserves .invalid). */
export const PROBE_HOST = "rampart-audit.invalid";
/** The note every client verdict carries when an image has ssh_config but no ssh binary. */
export const CLIENT_CONFIG_TREE_NOTE = "judged from the files: no ssh binary in the image (ssh -G not run)";

/**
 * OpenSSH's compiled-in client defaults (upstream 9.x, as `ssh -G` prints them) for the keys the audit
 * judges; used when no line for `Host *` sets the key and ssh cannot be asked.
 */
export const CLIENT_DEFAULTS: Readonly<Record<string, string>> = {
  port: "22",
  addressfamily: "any",
  batchmode: "no",
  checkhostip: "no",
  stricthostkeychecking: "ask",
  forwardagent: "no",
  forwardx11: "no",
  hostbasedauthentication: "no",
  passwordauthentication: "yes",
  gssapiauthentication: "no",
  gssapidelegatecredentials: "no",
  tunnel: "no",
  permitlocalcommand: "no",
  ciphers: "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
  kexalgorithms:
    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
  macs: "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
};

export type Applies = "yes" | "no" | "unknown";

export interface ClientSetting {
  key: string;
  /** the value ssh uses for the probe host, normalized (true/false → yes/no) */
  value: string;
  /** "file:line", "ssh -G …", or "OpenSSH default" */
  source: string;
  /** the line that sets it for `Host *` (undefined: the default) */
  line: Directive | undefined;
  /** earlier lines in blocks that may apply to some connections (Match exec/user/…): they would win there */
  conditional: Directive[];
  /** lines in blocks for other hosts (Host github.com …): a per-host choice, shown, not judged */
  otherHosts: Directive[];
  /** set when ssh -G ran and printed a different value than the files give (the files lose: ssh is the truth) */
  filesSay?: string;
}

export interface ClientVersion {
  major: number;
  minor: number;
  text: string;
  source: string;
}

export interface SshClientFacts {
  /** an ssh binary exists */
  installed: boolean;
  /** under --root: ssh_config without an ssh binary, judged from the files */
  configTree: boolean;
  binary?: string;
  config: SshdConfig;
  /** `ssh -G` output (keys lower case, repeated keys joined by " "); undefined when it was not run */
  sshG: Map<string, string> | undefined;
  /** how the values were obtained, for every verdict (config tree, ssh -G not run or failed) */
  note: string | undefined;
  version: ClientVersion | undefined;
}

export function sshClientFacts(ctx: FactContext): Promise<SshClientFacts> {
  return ctx.memo("ssh-client", () => load(ctx));
}

async function load(ctx: FactContext): Promise<SshClientFacts> {
  let binary: string | undefined;
  for (const p of SSH_CANDIDATES) {
    if (await ctx.fs.exists(p)) {
      binary = p;
      break;
    }
  }
  const [config, db] = await Promise.all([loadConfigTree(ctx.fs, SSH_CONFIG, "ssh"), packages(ctx)]);
  const configTree = !binary && !ctx.live && config.files.has(SSH_CONFIG);
  const pkg = db.packages.get("openssh-client");
  const version = pkg?.installed ? parseVersion(pkg.version, pkg.source) : undefined;
  let sshG: Map<string, string> | undefined;
  let note: string | undefined = configTree ? CLIENT_CONFIG_TREE_NOTE : undefined;
  if (binary && ctx.live) {
    const exec = config.matches.find((m) => m.keyword === undefined && hasCriterion(m, "exec"));
    if (exec) note = `ssh -G not run: ${where(exec)} has Match exec, which ssh -G would execute — judged from the files`;
    else {
      const r = await ctx
        // no ssh_config: ssh runs on its defaults, which -F /dev/null shows (-F with a missing file is an error)
        .run([binary, "-G", "-F", config.files.has(SSH_CONFIG) ? await ctx.fs.real(SSH_CONFIG) : "/dev/null", PROBE_HOST], {
          okCodes: "any",
          timeoutMs: 5000,
        })
        .catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
      if (r.code === 0) sshG = parseSshG(r.stdout);
      else note = `ssh -G failed (${r.stderr.trim().split("\n")[0] ?? `exit ${r.code}`}): judged from the files`;
    }
  } else if (binary && !ctx.live) note = "--root: ssh -G not run, judged from the files";
  const facts: SshClientFacts = { installed: binary !== undefined, configTree, config, sshG, note, version };
  if (binary) facts.binary = binary;
  return facts;
}

/** "1:9.2p1-2+deb12u10" → 9.2 */
export function parseVersion(v: string, source: string): ClientVersion | undefined {
  const m = /^(?:\d+:)?(\d+)\.(\d+)/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), text: v, source };
}

/** `ssh -G` prints "key value" per line; true/false are yes/no, repeated keys (sendenv) are joined. */
export function parseSshG(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp <= 0) continue;
    const key = line.slice(0, sp).toLowerCase();
    const value = normalizeClientValue(line.slice(sp + 1).trim());
    const prev = out.get(key);
    out.set(key, prev === undefined ? value : `${prev} ${value}`);
  }
  return out;
}

/** ssh -G prints "true"/"false" where ssh_config says "yes"/"no"; "off" is "no" for StrictHostKeyChecking. */
export function normalizeClientValue(v: string): string {
  const l = v.toLowerCase();
  if (l === "true" || l === "yes") return "yes";
  if (l === "false" || l === "no" || l === "off") return "no";
  return v;
}

function hasCriterion(m: MatchBlock, name: string): boolean {
  return m.criteria.some((c) => c.replace(/^!/, "").toLowerCase() === name);
}

/** Does this block (and every block of an Include above it) apply to the probe host? */
export function applies(m: MatchBlock | undefined, host = PROBE_HOST): Applies {
  if (!m) return "yes";
  const parent = applies(m.parent, host);
  if (parent === "no") return "no";
  const own = m.keyword === "Host" ? hostApplies(m.criteria, host) : matchApplies(m.criteria, host);
  if (own === "no") return "no";
  return parent === "yes" && own === "yes" ? "yes" : "unknown";
}

/** readconf.c `Host`: each argument is one pattern (no commas), `!` negates and always wins. */
function hostApplies(patterns: string[], host: string): Applies {
  let hit = false;
  for (const raw of patterns) {
    const neg = raw.startsWith("!");
    if (wildcardMatch(neg ? raw.slice(1) : raw, host)) {
      if (neg) return "no";
      hit = true;
    }
  }
  return hit ? "yes" : "no";
}

/** readconf.c match_cfg_line: criteria ANDed; host/originalhost decidable, the rest depend on the connection. */
function matchApplies(criteria: string[], host: string): Applies {
  let result: Applies = "yes";
  for (let i = 0; i < criteria.length; i++) {
    const raw = criteria[i] ?? "";
    const neg = raw.startsWith("!");
    const name = (neg ? raw.slice(1) : raw).toLowerCase();
    if (name === "all") continue;
    if (name === "canonical" || name === "final") {
      result = "unknown";
      continue;
    }
    const arg = criteria[++i] ?? "";
    let r: Applies;
    if (name === "host" || name === "originalhost") {
      const m = matchPatternList(host, arg, true) === 1;
      r = m !== neg ? "yes" : "no";
    } else r = "unknown";
    if (r === "no") return "no";
    if (r === "unknown") result = "unknown";
  }
  return result;
}

/** The value ssh uses for the probe host, where it comes from, and what other blocks say. */
export function clientSetting(f: SshClientFacts, keyword: string): ClientSetting {
  const key = keyOf(keyword);
  const conditional: Directive[] = [];
  const otherHosts: Directive[] = [];
  let line: Directive | undefined;
  for (const d of f.config.directives) {
    if (d.key !== key) continue;
    const a = applies(d.match);
    if (a === "yes") {
      if (!line) line = d;
    } else if (a === "unknown") {
      if (!line) conditional.push(d);
    } else otherHosts.push(d);
  }
  const written = line ? normalizeClientValue(line.args.join(" ")) : undefined;
  const def = CLIENT_DEFAULTS[key];
  const fromFiles = written !== undefined && ALGO_KEYS.has(key) && def !== undefined ? expandAlgorithms(def, written) : (written ?? def);
  const g = f.sshG?.get(key);
  const base = { key, line, conditional, otherHosts };
  if (g !== undefined) {
    const same = fromFiles !== undefined && sameValue(key, fromFiles, g);
    const asked = `ssh -G -F ${SSH_CONFIG} ${PROBE_HOST}`;
    const source = !same ? asked : line ? where(line) : `OpenSSH default (${asked})`;
    const out: ClientSetting = { ...base, value: g, source };
    if (!same && line) out.filesSay = `${fromFiles} (${where(line)})`;
    return out;
  }
  return { ...base, value: fromFiles ?? "", source: line ? where(line) : "OpenSSH default" };
}

const ALGO_KEYS = new Set(["ciphers", "kexalgorithms", "macs"]);

/**
 * An algorithm list as ssh applies it to its default (kex.c kex_assemble_names): "+a,b" appends, "-a*" removes
 * (wildcards), "^a" puts first; a plain list replaces the default.
 */
export function expandAlgorithms(def: string, spec: string): string {
  const list = def.split(",");
  const names = spec.slice(1).split(",").filter(Boolean);
  switch (spec[0]) {
    case "+":
      return [...list, ...names.filter((n) => !list.includes(n))].join(",");
    case "-":
      return list.filter((a) => !names.some((p) => wildcardMatch(p, a))).join(",");
    case "^":
      return [...names, ...list.filter((a) => !names.includes(a))].join(",");
    default:
      return spec;
  }
}

/** ssh -G prints algorithm lists expanded (+/-/^ applied) and keywords in lower case. */
function sameValue(key: string, a: string, b: string): boolean {
  if (["ciphers", "kexalgorithms", "macs", "stricthostkeychecking", "addressfamily", "tunnel"].includes(key))
    return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** Evidence text for lines ssh may use instead for some connections. */
export function settingNotes(f: SshClientFacts, s: ClientSetting): string[] {
  const notes: string[] = [];
  if (s.filesSay) notes.push(`the files give ${s.filesSay}, ssh -G reports ${s.value}`);
  for (const d of s.conditional)
    notes.push(`${d.match ? describeMatch(d.match) : "?"} (${where(d)}) sets ${d.args.join(" ")} for some connections`);
  if (s.otherHosts.length)
    notes.push(
      `per-host: ${s.otherHosts.map((d) => `${d.match ? describeMatch(d.match) : "?"} → ${d.args.join(" ")} (${where(d)})`).join("; ")}`,
    );
  if (f.note) notes.push(f.note);
  return notes;
}
