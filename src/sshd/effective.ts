// What sshd will really do for a given connection, with where each value came from. The values come from
// the real `sshd -T -C user=…,host=…,addr=…` when it can run (live system, root, host keys present); the
// parsed files (load.ts + match.ts) then only supply the source file:line. When sshd -T cannot run (under
// --root, not root, no host keys, no /run/sshd) the parsed files give the values too, with compiled-in
// defaults for what no file sets, and a note saying so. Also: what the installed OpenSSH supports (`ssh -Q`)
// and its version.
import { messageOf } from "../core/errors.js";
import type { Runner } from "../system/exec.js";
import { BUILTIN_DEFAULTS, canonicalName, keyOf, normalizeValue } from "./keywords.js";
import { SSHD_CONFIG, type SshdConfig, where } from "./load.js";
import { type Connection, resolveFor } from "./match.js";

export interface EffectiveSetting {
  key: string;
  /** every value line for the key in `sshd -T` form (one per line sshd prints; e.g. one per AllowUsers user) */
  values: string[];
  /** "file:line", "default" (sshd -T, nothing sets it) or "default (assumed)" (parser, nothing sets it) */
  source: string;
  /** a Match line set it for this connection */
  viaMatch: boolean;
}

export interface EffectiveView {
  connection: Connection;
  via: "sshd -T" | "parser";
  /** why the parser was used instead of sshd -T */
  note?: string;
  settings: Map<string, EffectiveSetting>;
}

/** A setting of a view, with defaults filled in; `undefined` only when neither sshd nor rampart knows it. */
export function setting(view: EffectiveView, keyword: string): EffectiveSetting | undefined {
  return view.settings.get(keyOf(keyword));
}

/** First value, lower-case for yes/no-style settings ("yes", "prohibit-password", "120", "VERBOSE"). */
export function firstValue(view: EffectiveView, keyword: string): string | undefined {
  return setting(view, keyword)?.values[0];
}

/** `sshd -T -C spec` argv. */
export function sshdTArgv(sshd: string, c: Connection, configPath = SSHD_CONFIG): string[] {
  const spec = [`user=${c.user}`, `host=${c.host}`, `addr=${c.addr}`];
  if (c.laddr) spec.push(`laddr=${c.laddr}`);
  if (c.lport !== undefined) spec.push(`lport=${c.lport}`);
  const argv = [sshd, "-T", "-C", spec.join(",")];
  if (configPath !== SSHD_CONFIG) argv.push("-f", configPath);
  return argv;
}

/** Parse `sshd -T` output: lower-case `key value` lines; repeated keys keep every value in order. */
export function parseSshdT(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of stdout.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const sp = line.indexOf(" ");
    const key = sp === -1 ? line : line.slice(0, sp);
    const value = sp === -1 ? "" : line.slice(sp + 1);
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** Ask the real sshd. Throws (RampartError EXEC/NOT_FOUND/TIMEOUT) when it cannot run. */
export async function viewFromSshd(run: Runner, sshd: string, cfg: SshdConfig, c: Connection): Promise<EffectiveView> {
  const res = await run(sshdTArgv(sshd, c, cfg.main), { timeoutMs: 10_000 });
  const parsed = parseSshdT(res.stdout);
  if (parsed.size < 10) throw new Error(`unexpected output from sshd -T (${parsed.size} lines)`);
  const settings = new Map<string, EffectiveSetting>();
  for (const [key, values] of parsed) {
    const r = resolveFor(cfg, key, c);
    const source = r.source ? where(r.source) : "default";
    settings.set(key, { key, values: values.map((v) => normalizeValue(key, v)), source, viaMatch: !!r.source?.match });
  }
  return { connection: c, via: "sshd -T", settings };
}

/** Compute the view from the parsed files only (no sshd run); defaults from BUILTIN_DEFAULTS. */
export function viewFromParser(cfg: SshdConfig, c: Connection, note: string): EffectiveView {
  const settings = new Map<string, EffectiveSetting>();
  const keys = new Set([...cfg.directives.map((d) => d.key), ...Object.keys(BUILTIN_DEFAULTS)]);
  for (const key of keys) {
    const r = resolveFor(cfg, key, c);
    const def = BUILTIN_DEFAULTS[key];
    if (!r.source || !r.args) {
      if (def !== undefined) settings.set(key, { key, values: splitDefault(key, def), source: "default (assumed)", viaMatch: false });
      continue;
    }
    settings.set(key, { key, values: parsedValues(key, r.args, def), source: where(r.source), viaMatch: !!r.source.match });
  }
  return { connection: c, via: "parser", note, settings };
}

function splitDefault(key: string, def: string): string[] {
  return key === "hostkey" ? def.split(" ") : [def];
}

/** Turn config-file arguments into sshd -T form (algorithm lists with +/-/^ applied to the default). */
function parsedValues(key: string, args: string[], def: string | undefined): string[] {
  if (["ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms"].includes(key)) {
    const spec = args[0] ?? "";
    const base = (def ?? "").split(",").filter(Boolean);
    const list = spec.slice(1).split(",").filter(Boolean);
    if (spec.startsWith("+")) return [[...base, ...list.filter((a) => !base.includes(a))].join(",")];
    if (spec.startsWith("^")) return [[...list, ...base.filter((a) => !list.includes(a))].join(",")];
    if (spec.startsWith("-")) return [base.filter((a) => !list.some((p) => p === a)).join(",")];
    return [spec];
  }
  if (["allowusers", "denyusers", "allowgroups", "denygroups", "hostkey", "acceptenv", "port", "listenaddress"].includes(key)) return args;
  return [normalizeValue(key, args.join(" "))];
}

export interface SshdProbe {
  view?: EffectiveView;
  error?: string;
}

/** sshd -T when possible, else the parser with a note naming why. */
export async function effectiveView(
  run: Runner,
  cfg: SshdConfig,
  c: Connection,
  opts: { sshd: string | undefined; live: boolean },
): Promise<EffectiveView> {
  if (!opts.live) return viewFromParser(cfg, c, "--root: sshd -T not run; values read from the files under the root");
  if (!opts.sshd) return viewFromParser(cfg, c, "sshd binary not found; values read from the config files");
  try {
    return await viewFromSshd(run, opts.sshd, cfg, c);
  } catch (e) {
    return viewFromParser(cfg, c, `sshd -T could not run (${firstLine(said(e))}); values read from the config files`);
  }
}

/** What the program said (its stderr), else the error message. */
function said(e: unknown): string {
  const cause = (e as { cause?: { stderr?: unknown } } | undefined)?.cause;
  const stderr = typeof cause?.stderr === "string" ? cause.stderr.trim() : "";
  return stderr || messageOf(e);
}

function firstLine(s: string): string {
  const l = s.split("\n")[0] ?? s;
  return l.length > 200 ? `${l.slice(0, 200)}…` : l;
}

export interface Supported {
  cipher: string[];
  kex: string[];
  mac: string[];
  key: string[];
}

/** What the installed OpenSSH client library supports (`ssh -Q`); undefined when ssh cannot run. */
export async function querySupported(run: Runner): Promise<Supported | undefined> {
  try {
    const q = async (what: string) => (await run(["ssh", "-Q", what], { timeoutMs: 5000 })).stdout.split("\n").filter(Boolean);
    const [cipher, kex, mac, key] = await Promise.all([q("cipher"), q("kex"), q("mac"), q("key")]);
    return { cipher, kex, mac, key };
  } catch {
    return undefined;
  }
}

export interface OpenSshVersion {
  text: string;
  major: number;
  minor: number;
  /** Debian/Ubuntu package revision when the banner carries it ("Debian-2+deb12u3") */
  distro?: string;
}

/** "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.11 …" → {9, 2}. */
export function parseOpenSshVersion(text: string): OpenSshVersion | undefined {
  const m = /OpenSSH_(\d{1,3})\.(\d{1,3})(p\d{1,3})?( [A-Za-z]{1,20}-[\w.+~-]{1,60})?/.exec(text);
  if (!m) return undefined;
  const v: OpenSshVersion = { text: m[0], major: Number(m[1]), minor: Number(m[2]) };
  if (m[4]) v.distro = m[4].trim();
  return v;
}

/** `sshd -V` (OpenSSH ≥ 9.2), else `ssh -V`; both print to stderr. */
export async function queryVersion(run: Runner, sshd: string | undefined): Promise<OpenSshVersion | undefined> {
  for (const argv of [...(sshd ? [[sshd, "-V"]] : []), ["ssh", "-V"]]) {
    try {
      const r = await run(argv, { okCodes: "any", timeoutMs: 5000 });
      const v = parseOpenSshVersion(`${r.stderr}\n${r.stdout}`);
      if (v) return v;
    } catch {}
  }
  return undefined;
}

export const displayKey = canonicalName;
