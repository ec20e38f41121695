// Pending upgrades computed the way apt computes them, without running apt: the versions installed (dpkg's
// status file) against the versions the fetched package lists offer (/var/lib/apt/lists/*_Packages, with
// each list's Release file for its origin and NotAutomatic flags), the candidate picked by apt's default
// pin priorities (500; 100 for ButAutomaticUpgrades suites like backports and for the installed version;
// 1 for NotAutomatic suites like experimental) and compared with dpkg's version ordering (debversion.ts).
// This is what makes the first audit fast: `apt-get -s dist-upgrade` takes 1.3-1.9 s where apt keeps no
// binary cache, reading the lists about 0.2 s. Where apt's answer depends on configuration this module
// does not model — a preferences pin that can touch these lists, APT::Default-Release — it returns why,
// and the caller asks apt itself (apt-get -s), so the answer is never a guess.
//
// Of a large list (tens of MB) only the paragraphs of installed packages matter (a few hundred of tens of
// thousands), so grep picks them — each installed package's Package line and the lines after it, where its
// Version and Architecture are (300 kB of 50 MB here) — in its own process, from the file or from apt-helper's
// decompressed stream: reading and searching 50 MB in this process cost ≈0.3 s of its CPU on a first audit, and
// parsing every package's three fields (4 MB) still ≈0.1 s. A small list is read here whole: a process start
// costs more.
import { readFileSync, statSync } from "node:fs";
import type { FactContext } from "./context.js";
import { compareDebVersions } from "./debversion.js";
import { DPKG_STATUS } from "./packages.js";

export const LISTS_DIR = "/var/lib/apt/lists";
export const APT_HELPER = "/usr/lib/apt/apt-helper";
const PREFS_MAIN = "/etc/apt/preferences";
const PREFS_DIR = "/etc/apt/preferences.d";
/** apt reads preferences.d files with no extension or .pref, names of [A-Za-z0-9_.-] */
const VALID_PREF = /^[A-Za-z0-9_-]+(\.pref)?$/;
const LIST_NAME = /_Packages(\.(gz|lz4|xz|zst|bz2|lzma))?$/;

export interface PendingPackage {
  name: string;
  /** installed version, when apt printed it */
  from?: string;
  to: string;
  /** "Debian-Security:12/oldstable-security", … */
  origins: string[];
  security: boolean;
  /** dpkg holds it (apt-mark hold): apt would keep it back, but the fix is still waiting */
  held?: boolean;
}

/** "Debian-Security:12/stable-security", "Ubuntu:22.04/jammy-security" */
export function isSecurityOrigin(origin: string): boolean {
  const [label = "", suite = ""] = origin.split("/");
  return /-security$/i.test(suite) || /security$/i.test(label.split(":")[0] ?? "");
}

export type ListsPending = { ok: true; pending: PendingPackage[]; source: string } | { ok: false; reason: string };

interface Release {
  origin: string;
  /** "Label:Version/Suite", as `apt-get -s` names an origin */
  label: string;
  priority: number;
}

interface Installed {
  name: string;
  arch: string;
  version: string;
  held: boolean;
  /** version → best priority and the origins offering it */
  offers: Map<string, { priority: number; origins: string[] }>;
}

/**
 * Pending upgrades from the lists, or why apt itself must be asked. The files are read and the programs that
 * read the lists started synchronously, before the first await (see aptSimulation).
 */
export async function pendingFromLists(ctx: FactContext, defaultRelease?: string): Promise<ListsPending> {
  if (defaultRelease) return { ok: false, reason: `APT::Default-Release is set (${defaultRelease})` };
  const names = ctx.fs.listNow(LISTS_DIR);
  const lists = names.filter((n) => LIST_NAME.test(n));
  if (lists.length === 0) return { ok: false, reason: `no package lists in ${LISTS_DIR}` };
  const releaseNames = names.filter((x) => /_(In)?Release$/.test(x));
  const releaseTexts = releaseNames.map((n) => ctx.fs.readTextIfExistsNow(`${LISTS_DIR}/${n}`));
  const statusText = ctx.fs.readTextIfExistsNow(DPKG_STATUS);
  if (statusText === undefined) return { ok: false, reason: `${DPKG_STATUS} does not exist` };
  const pin = pinTouchingLists(ctx, lists);
  if (pin) return { ok: false, reason: `apt preferences pin in ${pin}` };
  const installed = parseInstalled(statusText);
  const wanted = [...installed.keys()];
  const separator = releaseNames.find((_, i) => isSeparator(releaseTexts[i]));
  const texts = readLists(ctx, lists, wanted, separator && `${LISTS_DIR}/${separator}`);
  const releases = new Map<string, Release>();
  releaseNames.forEach((n, i) => {
    const text = releaseTexts[i];
    if (text !== undefined) releases.set(n.replace(/_(In)?Release$/, "_"), parseRelease(text));
  });
  const read = await texts;
  for (let i = 0; i < lists.length; i++) {
    const r = read[i];
    if (typeof r !== "string") return { ok: false, reason: r?.reason ?? "internal: list not read" };
    const rel = releaseOf(lists[i] as string, releases);
    if (!addOffers(r, rel, installed)) {
      // grep's lines after a Package line ended before its Version or Architecture (an unusual field order):
      // that list again, every package's three fields
      const all = await readList(ctx, `${LISTS_DIR}/${lists[i]}`, undefined);
      if (typeof all !== "string") return { ok: false, reason: all.reason };
      addOffers(all, rel, installed);
    }
  }
  const pending: PendingPackage[] = [];
  for (const list of installed.values())
    for (const p of list) {
      const c = candidate(p);
      if (!c || compareDebVersions(c.version, p.version) <= 0) continue;
      const pkg: PendingPackage = {
        name: p.name,
        from: p.version,
        to: c.version,
        origins: c.origins,
        security: c.origins.some(isSecurityOrigin),
      };
      if (p.held) pkg.held = true;
      pending.push(pkg);
    }
  pending.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, pending, source: `${LISTS_DIR}/*_Packages and ${DPKG_STATUS} (read directly, apt's default priorities)` };
}

/** apt's choice: the highest priority, then the highest version; never a downgrade below priority 1000. */
function candidate(p: Installed): { version: string; origins: string[] } | undefined {
  let best: { version: string; priority: number; origins: string[] } | undefined;
  for (const [version, o] of p.offers) {
    if (!best || o.priority > best.priority || (o.priority === best.priority && compareDebVersions(version, best.version) > 0))
      best = { version, priority: o.priority, origins: o.origins };
  }
  return best;
}

/**
 * Installed packages (state "installed"), keyed by name; several when multi-arch. One pass over the lines of
 * dpkg's status (a few MB): only the four fields needed are sliced out, nothing else is copied.
 */
function parseInstalled(text: string): Map<string, Installed[]> {
  const out = new Map<string, Installed[]>();
  let name = "";
  let version = "";
  let status = "";
  let arch = "";
  const flush = () => {
    const st = status.split(/\s+/);
    if (name && version && st[2] === "installed") {
      const p: Installed = {
        name,
        arch,
        version,
        held: st[0] === "hold",
        // the installed version is a candidate too, at priority 100 (dpkg's status file)
        offers: new Map([[version, { priority: 100, origins: [] }]]),
      };
      out.set(name, [...(out.get(name) ?? []), p]);
    }
    name = version = status = arch = "";
  };
  const value = (from: number, to: number) => text.slice(from, to).trim();
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end === start) flush();
    else {
      const c = text.charCodeAt(start);
      if (c === 80 && text.startsWith("Package:", start)) name = value(start + 8, end);
      else if (c === 83 && text.startsWith("Status:", start)) status = value(start + 7, end);
      else if (c === 86 && text.startsWith("Version:", start)) version = value(start + 8, end);
      else if (c === 65 && text.startsWith("Architecture:", start)) arch = value(start + 13, end);
    }
    start = end + 1;
  }
  flush();
  return out;
}

/**
 * Add every version a list offers for an installed package (same architecture, or "all"). `lines`: the list, or
 * what grep picked of it (readList) — every package's Package, Version and Architecture lines, or the installed
 * packages' Package lines with the CONTEXT lines after each, grep's "--" between the runs. A paragraph starts at
 * its Package line and ends at a blank line; a continuation line (leading space) never matches a field.
 * Returns false when a run of picked lines was cut (a "--", the end) inside an installed package's paragraph
 * before both its Version and Architecture: that list must be read again by fields.
 */
function addOffers(lines: string, rel: Release, installed: Map<string, Installed[]>): boolean {
  let mine: Installed[] | undefined;
  let version = "";
  let arch = "";
  let complete = true;
  const flush = () => {
    if (mine && version)
      for (const p of mine) {
        if (arch !== p.arch && arch !== "all") continue;
        const o = p.offers.get(version);
        if (o) {
          o.priority = Math.max(o.priority, rel.priority);
          if (!o.origins.includes(rel.label)) o.origins.push(rel.label);
        } else p.offers.set(version, { priority: rel.priority, origins: [rel.label] });
      }
    mine = undefined;
  };
  const cut = () => {
    if (mine && (!version || !arch)) complete = false;
    flush();
  };
  for (let start = 0; start < lines.length; ) {
    let end = lines.indexOf("\n", start);
    if (end === -1) end = lines.length;
    const c = lines.charCodeAt(start); // P, V, A first: most lines are none of the three
    if (end === start) flush();
    else if (c === 80 && lines.startsWith("Package:", start)) {
      flush();
      mine = installed.get(lines.slice(start + 8, end).trim());
      version = arch = "";
    } else if (mine) {
      if (c === 86 && lines.startsWith("Version:", start)) version = lines.slice(start + 8, end).trim();
      else if (c === 65 && lines.startsWith("Architecture:", start)) arch = lines.slice(start + 13, end).trim();
      else if (c === 45 && end - start === 2 && lines.startsWith("--", start)) cut();
    }
    start = end + 1;
  }
  cut();
  return complete;
}

/** Single-line fields of one RFC 822 paragraph. */
function fields<K extends string>(para: string, want: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const line of para.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9) continue;
    const k = line.slice(0, colon) as K;
    if (want.includes(k)) out[k] = line.slice(colon + 1).trim();
  }
  return out;
}

function parseRelease(text: string): Release {
  // InRelease is clear-signed: the fields follow the "Hash:" armour header and its blank line
  const body = text.startsWith("-----BEGIN PGP SIGNED MESSAGE-----") ? text.slice(text.indexOf("\n\n") + 2) : text;
  const head = body.split(/\n(?:MD5Sum|SHA1|SHA256|SHA512):/)[0] ?? "";
  const f = fields(head, ["Origin", "Label", "Suite", "Codename", "Version", "NotAutomatic", "ButAutomaticUpgrades"]);
  const notAuto = f.NotAutomatic === "yes";
  const priority = !notAuto ? 500 : f.ButAutomaticUpgrades === "yes" ? 100 : 1;
  const label = `${f.Label ?? f.Origin ?? "unknown"}:${f.Version ?? ""}/${f.Suite ?? f.Codename ?? ""}`;
  return { origin: f.Origin ?? "", label, priority };
}

/** The Release file of a list: the longest prefix of its file name that a Release file has. */
function releaseOf(list: string, releases: Map<string, Release>): Release {
  let best: [string, Release] | undefined;
  for (const [prefix, r] of releases) if (list.startsWith(prefix) && (!best || prefix.length > best[0].length)) best = [prefix, r];
  // a list without a Release (a flat or unsigned repository) still counts, at the default priority
  return best?.[1] ?? { origin: "", label: "unknown:/", priority: 500 };
}

/** grep for the three fields, at the start of a line (a continuation line starts with a space), bytes as bytes */
const FIELD_GREP = ["grep", "-a", "-e", "^Package:", "-e", "^Version:", "-e", "^Architecture:"] as const;
/**
 * Lines kept after an installed package's Package line: its Version and Architecture are within the first 7 in
 * Debian's and Ubuntu's lists (dak's field order); a list ordered otherwise is read again by fields (addOffers).
 */
const CONTEXT = 10;
/** Debian policy 5.6.1; a name outside it (never seen in a status file) and the lists are read by fields */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
/** names per grep pattern: one argument may hold at most 128 kB (Linux MAX_ARG_STRLEN), a name up to ≈ 100 bytes */
const NAMES_PER_PATTERN = 500;

/**
 * grep for the paragraphs of these packages: each one's Package line (any blanks around the name) and the
 * CONTEXT lines after it; undefined when a name is not a package name (then FIELD_GREP).
 */
function installedGrep(names: readonly string[]): string[] | undefined {
  if (names.length === 0 || !names.every((n) => PACKAGE_NAME.test(n))) return undefined;
  const argv = ["grep", "-a", "-E", `-A${CONTEXT}`];
  for (let i = 0; i < names.length; i += NAMES_PER_PATTERN) {
    const alternatives = names.slice(i, i + NAMES_PER_PATTERN).map((n) => n.replace(/[.+]/g, "\\$&"));
    argv.push("-e", `^Package:[[:blank:]]*(${alternatives.join("|")})[[:blank:]]*$`);
  }
  return argv;
}

/**
 * A list up to this size is read here whole (a grep process costs more than scanning it); a larger one is grepped.
 * Read as latin1: one byte per character, no UTF-8 decoding of descriptions; the fields read are ASCII.
 */
const GREP_ABOVE = 8 * 1024 * 1024;
/** a compressed list up to this size is decompressed into this process whole: 4-10× this, under a megabyte or so */
const UNPACK_GREP_ABOVE = 128 * 1024;

/**
 * A list's text for addOffers: the whole list when small, else what grep picks of it — the paragraphs of the
 * `installed` packages (installedGrep), or every package's Package, Version and Architecture lines when that is
 * undefined — from the file or, for a compressed list (gz, lz4, xz, zstd, bzip2), from `apt-helper cat-file`
 * (apt's own decompressor) piped straight into grep (process to process: the 50 MB never pass through this
 * one, and grep searches while apt-helper decompresses). A small compressed list is decompressed into this
 * process whole.
 */
async function readList(ctx: FactContext, file: string, installed: readonly string[] | undefined): Promise<string | { reason: string }> {
  const opts = { timeoutMs: 20_000, env: { ...process.env, LC_ALL: "C" } };
  const grep = (installed && installedGrep(installed)) ?? FIELD_GREP;
  try {
    const real = await ctx.fs.real(file);
    const size = statSync(real).size;
    if (/_Packages$/.test(file)) {
      if (size <= GREP_ABOVE) return readFileSync(real, "latin1");
      return (await ctx.run([...grep, real], { ...opts, okCodes: [0, 1] })).stdout; // 1: no line matched
    }
    const unpack = [APT_HELPER, "cat-file", real];
    if (size <= UNPACK_GREP_ABOVE) return (await ctx.run(unpack, opts)).stdout;
    return (await ctx.run(grep, { ...opts, okCodes: [0, 1], pipeFrom: unpack })).stdout;
  } catch (e) {
    return { reason: `${file} could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * The lists' texts for addOffers, in order: all of them through one `apt-helper cat-file` and one grep for the
 * installed packages' paragraphs when reading them one by one would start more than one program — each
 * program start costs this process ≈ 10 ms, and the lists' starts were a third of a first audit's — else each
 * by readList. Between two lists the stream holds `separator`, a clear-signed InRelease file whose first line
 * (SEPARATOR) grep passes on and nothing in a list can be; where its count is not one less than the lists'
 * (a list not ending in a newline), each list is read by readList instead.
 */
async function readLists(
  ctx: FactContext,
  lists: string[],
  wanted: readonly string[],
  separator: string | undefined,
): Promise<(string | { reason: string })[]> {
  const apart = () => Promise.all(lists.map((n) => readList(ctx, `${LISTS_DIR}/${n}`, wanted)));
  const grep = installedGrep(wanted);
  if (!grep || (lists.length > 1 && !separator)) return apart();
  try {
    const sep = separator ? ctx.fs.realNow(separator) : "";
    const files = lists.map((n) => ctx.fs.realNow(`${LISTS_DIR}/${n}`));
    // programs readList would start: grep for a large plain list, apt-helper (and grep) for a compressed one
    const starts = files.reduce((n, f, i) => {
      const size = statSync(f).size;
      return n + (/_Packages$/.test(lists[i] as string) ? Number(size > GREP_ABOVE) : size > UNPACK_GREP_ABOVE ? 2 : 1);
    }, 0);
    if (starts < 2) return apart();
    const unpack = [APT_HELPER, "cat-file", ...files.flatMap((f, i) => (i === 0 ? [f] : [sep, f]))];
    const env = { ...process.env, LC_ALL: "C" };
    const r = await ctx.run([...grep, "-e", `^${SEPARATOR}$`], { timeoutMs: 20_000, env, okCodes: [0, 1], pipeFrom: unpack });
    // split at each SEPARATOR line, the newline after it kept: two in a row (an empty list) are two splits
    const parts = `\n${r.stdout}`.split(SEPARATOR_LINE);
    if (parts.length === lists.length) return parts;
    ctx.log.debug("package lists: read one by one", { separators: parts.length - 1, lists: lists.length });
  } catch (e) {
    ctx.log.debug("package lists: read one by one", { error: e instanceof Error ? e.message : String(e) });
  }
  return apart();
}

/** The first line of a clear-signed file */
const SEPARATOR = "-----BEGIN PGP SIGNED MESSAGE-----";
const SEPARATOR_LINE = new RegExp(`\\n${SEPARATOR}(?=\\n)`);

/** A file that can stand between two lists in one stream: SEPARATOR is its first line and no other, it ends in a newline */
function isSeparator(text: string | undefined): boolean {
  return !!text?.startsWith(`${SEPARATOR}\n`) && text.endsWith("\n") && !text.includes(`\n${SEPARATOR}\n`);
}

/**
 * The first preferences stanza that could change a candidate among these lists, as "file:line", or
 * undefined. Only `Pin: origin HOST` for a host no list comes from is known to be harmless (the
 * nodesource-style pin left behind after its source was removed); anything else means ask apt.
 */
function pinTouchingLists(ctx: FactContext, lists: string[]): string | undefined {
  const files = [
    PREFS_MAIN,
    ...ctx.fs
      .listNow(PREFS_DIR)
      .filter((n) => VALID_PREF.test(n))
      .map((n) => `${PREFS_DIR}/${n}`),
  ];
  const hosts = new Set(lists.map((n) => n.slice(0, n.indexOf("_"))));
  for (const file of files) {
    const text = ctx.fs.readTextIfExistsNow(file);
    if (text === undefined) continue;
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^Pin:\s*(.*)$/.exec(lines[i] ?? "");
      if (!m) continue;
      const origin = /^origin\s+"?([^"\s]*)"?\s*$/.exec(m[1] ?? "");
      if (origin && !hosts.has(origin[1] ?? "")) continue;
      return `${file}:${i + 1}`;
    }
  }
  return undefined;
}
