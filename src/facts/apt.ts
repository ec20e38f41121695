// APT facts for the updates checks: the pending upgrades, read from the package lists and dpkg's status
// directly (apt-lists.ts, about 0.2 s); only where apt's configuration decides more than those files say
// (a preferences pin on these lists, APT::Default-Release, no lists at all) from one `apt-get -s
// dist-upgrade` simulation instead (memoised; it is the slowest program the audit runs — about 0.3 s with apt's binary cache, 1.3-1.9 s on
// Docker-style images that disable pkgcache.bin — so it starts as soon as the first check asks and runs in
// parallel with the rest; its parsed result is cached in /var/cache/rampart/apt-simulation.json keyed on the
// size and mtime of every input apt reads — dpkg status, the package lists, sources and preferences — so a
// repeated audit skips apt entirely until one of them changes), and the APT configuration with provenance: every /etc/apt/apt.conf.d/* file
// and /etc/apt/apt.conf parsed in apt's own order so each value names the file:line that set it. On the live
// system `apt-config dump` (what apt really uses) is asked only where those files may not be all apt reads —
// APT_CONFIG set, Dir::Etc or RootDir moved, #include or syntax this parser does not follow (aptConfSyntax) —
// not every time: it is a program start (and the dpkg it runs) on every audit, and on the keys the checks read
// (APT::Periodic::*, Unattended-Upgrade::*, APT::Default-Release) it says what the files say. It also shows
// compiled-in defaults and keys apt's init rewrites (Acquire::Languages), none of which the checks read.
import type { FactContext } from "./context.js";
import { type PendingPackage, pendingFromLists } from "./apt-lists.js";
import { isSecurityOrigin } from "./apt-lists.js";

export { isSecurityOrigin, type PendingPackage } from "./apt-lists.js";
import { tryTool } from "./tool.js";

export const APT_SIM_ARGV = ["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"] as const;

export type AptSimulation = { ok: true; pending: PendingPackage[]; durationMs: number; source: string } | { ok: false; reason: string };

export const APT_SIM_CACHE = "/var/cache/rampart/apt-simulation.json";
const APT_INPUT_DIRS = ["/var/lib/apt/lists", "/etc/apt/sources.list.d", "/etc/apt/preferences.d", "/etc/apt/apt.conf.d"];
const APT_INPUT_FILES = ["/var/lib/dpkg/status", "/etc/apt/sources.list", "/etc/apt/preferences", "/etc/apt/apt.conf"];

export function aptSimulation(ctx: FactContext): Promise<AptSimulation> {
  return ctx.memo("apt:simulation", async () => {
    // the cache is looked up and, where it misses, the lists' files read and the programs that read the lists
    // started, in one synchronous step: one await after the other, each waited behind all the other checks' work,
    // ≈ 0.3 s before the first audit's longest-running programs started. Of apt's configuration (its files;
    // apt-config dump where they may not be all) only APT::Default-Release matters here, rarely set — then that
    // reading is wasted and apt is asked.
    const key = aptInputsKey(ctx);
    const cached = ctx.live ? fromCache(key, tryRead(ctx, APT_SIM_CACHE)) : undefined;
    if (cached) return cached;
    const lists = pendingFromLists(ctx);
    lists.catch(() => {}); // awaited below unless Default-Release is set; its failure must not be unhandled then
    const t0 = performance.now();
    const cfg = await aptConfig(ctx);
    const defaultRelease = cfg.scalars.get(aptKey("APT::Default-Release"))?.value || undefined;
    const fromLists = defaultRelease ? await pendingFromLists(ctx, defaultRelease) : await lists;
    if (fromLists.ok) {
      const sim: AptSimulation = {
        ok: true,
        pending: fromLists.pending,
        durationMs: Math.round(performance.now() - t0),
        source: fromLists.source,
      };
      await writeCache(ctx, key, sim);
      return sim;
    }
    ctx.log.debug("pending updates: asking apt", { why: fromLists.reason });
    const r = await tryTool(ctx, APT_SIM_ARGV, 20_000);
    const durationMs = Math.round(performance.now() - t0);
    if (r.state === "missing") return { ok: false, reason: "apt-get is not installed (not a Debian/Ubuntu system)" };
    if (r.state === "failed") return { ok: false, reason: r.reason };
    if (!/\d+ upgraded, \d+ newly installed/.test(r.stdout)) {
      return { ok: false, reason: `${APT_SIM_ARGV.join(" ")}: unexpected output (no "N upgraded, N newly installed" summary)` };
    }
    ctx.log.debug("apt simulation", { durationMs });
    const source = `${APT_SIM_ARGV.join(" ")} (apt asked: ${fromLists.reason})`;
    const sim: AptSimulation = { ok: true, pending: parseAptSimulation(r.stdout), durationMs, source };
    await writeCache(ctx, key, sim);
    return sim;
  });
}

async function writeCache(ctx: FactContext, key: string | undefined, sim: AptSimulation & { ok: true }): Promise<void> {
  if (!key || !ctx.live) return;
  const text = `${JSON.stringify({ key, pending: sim.pending, source: sim.source })}\n`;
  await ctx.fs.writeAtomic(APT_SIM_CACHE, text, { mode: 0o644 }).catch((e: unknown) => {
    ctx.log.debug("apt simulation cache not written", { error: String(e) });
  });
}

/** size:mtime of everything apt's answer depends on (read now: see aptSimulation); undefined when the package lists cannot be read. */
function aptInputsKey(ctx: FactContext): string | undefined {
  const files = [...APT_INPUT_FILES, ...APT_INPUT_DIRS.flatMap((d) => tryList(ctx, d).map((n) => `${d}/${n}`))];
  const parts = files.map((f) => {
    let st: { size: number; mtimeMs: number } | undefined;
    try {
      st = ctx.fs.statNow(f);
    } catch {
      st = undefined;
    }
    return st ? `${f}:${st.size}:${st.mtimeMs}` : `${f}:-`;
  });
  return parts.length > APT_INPUT_FILES.length ? parts.join("\n") : undefined;
}

function tryList(ctx: FactContext, dir: string): string[] {
  try {
    return ctx.fs.listNow(dir);
  } catch {
    return [];
  }
}

function tryRead(ctx: FactContext, file: string): string | undefined {
  try {
    return ctx.fs.readTextIfExistsNow(file);
  } catch {
    return undefined;
  }
}

/** The cached answer, when its key is this one (undefined key: the lists cannot be read; not live: no cache). */
function fromCache(key: string | undefined, text: string | undefined): AptSimulation | undefined {
  if (!key || !text) return undefined;
  try {
    const c = JSON.parse(text) as { key?: unknown; pending?: unknown; source?: unknown };
    if (c.key !== key || !Array.isArray(c.pending)) return undefined;
    const was = typeof c.source === "string" ? c.source : APT_SIM_ARGV.join(" ");
    return {
      ok: true,
      pending: c.pending as PendingPackage[],
      durationMs: 0,
      source: `${was} (cached in ${APT_SIM_CACHE}; inputs unchanged)`,
    };
  } catch {
    return undefined;
  }
}

/** `Inst pkg [old] (new Origin:ver/suite, Origin2:ver/suite [arch])` lines → packages. */
export function parseAptSimulation(text: string): PendingPackage[] {
  const out: PendingPackage[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("Inst ")) continue;
    const m = /^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) ([^[]*)\[[^\]]*\]\)/.exec(line);
    if (!m) continue;
    const origins = (m[4] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const p: PendingPackage = { name: m[1] ?? "", to: m[3] ?? "", origins, security: origins.some(isSecurityOrigin) };
    if (m[2]) p.from = m[2];
    out.push(p);
  }
  return out;
}

// ---- APT configuration ------------------------------------------------------------------------------------

export interface AptValue {
  value: string;
  /** "/etc/apt/apt.conf.d/20auto-upgrades:1" or "apt-config dump" */
  source: string;
}

export interface AptConfig {
  scalars: Map<string, AptValue>;
  lists: Map<string, AptValue[]>;
  /** files read, in order */
  files: string[];
}

const PARTS = "/etc/apt/apt.conf.d";
const MAIN = "/etc/apt/apt.conf";
/** apt reads parts whose names are [A-Za-z0-9_.-] with no extension or .conf */
const VALID_PART = /^[A-Za-z0-9_-]+(\.conf)?$/;

/** Keys are case-insensitive in apt: store them lower-cased. */
export const aptKey = (k: string) => k.toLowerCase();

export function aptConfig(ctx: FactContext): Promise<AptConfig> {
  return ctx.memo("apt:config", async () => {
    const cfg: AptConfig = { scalars: new Map(), lists: new Map(), files: [] };
    const all = await ctx.fs.list(PARTS);
    const names = all.filter((n) => VALID_PART.test(n));
    const skipped = all.filter((n) => !VALID_PART.test(n));
    const files = [...names.map((n) => `${PARTS}/${n}`), MAIN];
    // read at once, parsed in apt's order
    const texts = await Promise.all(files.map((f) => ctx.fs.readTextIfExists(f)));
    for (const [i, file] of files.entries()) {
      const text = texts[i];
      if (text === undefined) continue;
      cfg.files.push(file);
      parseAptConf(text, file, cfg);
    }
    // on the running system apt itself is asked (`apt-config dump`, a program start and the dpkg it runs) only
    // where the files may not be all it reads: APT_CONFIG, settings that move its configuration, syntax this
    // parser does not follow (#include, an unquoted value …)
    const why = ctx.live ? (process.env.APT_CONFIG ? "APT_CONFIG is set" : unfollowed(skipped, files, texts, cfg)) : undefined;
    if (why) {
      ctx.log.debug("apt configuration: asking apt-config", { why });
      // what apt really uses (other Dir::Etc settings, APT_CONFIG, compiled-in defaults)
      const r = await tryTool(ctx, ["apt-config", "dump"]);
      if (r.state === "ok") {
        const eff: AptConfig = { scalars: new Map(), lists: new Map(), files: [] };
        parseAptConf(r.stdout, "apt-config dump", eff);
        // apt-config is authoritative; keep the file:line source where the files agree with it
        for (const [k, v] of eff.scalars) {
          const mine = cfg.scalars.get(k);
          if (mine && mine.value === v.value) eff.scalars.set(k, mine);
        }
        for (const [k, v] of eff.lists) {
          const mine = cfg.lists.get(k) ?? [];
          if (mine.length === v.length && mine.every((x, i) => x.value === v[i]?.value)) eff.lists.set(k, mine);
        }
        return { ...eff, files: [...cfg.files, "apt-config dump"] };
      }
    }
    return cfg;
  });
}

/** Keys that move the files apt reads its configuration from (Dir::Etc::Parts, Dir::Etc::Main, RootDir …). */
const MOVES_CONFIG = /^(rootdir|dir|dir::etc(::.*)?)$/;

/**
 * Why these configuration files may not be all apt reads, or undefined when they are: a file apt would read
 * that VALID_PART skips, a statement outside what parseAptConf follows (aptConfSyntax), a setting that moves
 * the configuration files.
 */
function unfollowed(skipped: string[], files: string[], texts: (string | undefined)[], cfg: AptConfig): string | undefined {
  // apt also reads names with more dots that end in .conf (a.b.conf); VALID_PART leaves them out
  const dotted = skipped.find((n) => /^[A-Za-z0-9_.-]+\.conf$/.test(n));
  if (dotted) return `${PARTS}/${dotted}: a name this reader skips`;
  for (const [i, text] of texts.entries()) {
    const bad = text === undefined ? undefined : aptConfSyntax(text);
    if (bad) return `${files[i]}:${bad}`;
  }
  for (const k of [...cfg.scalars.keys(), ...cfg.lists.keys()]) if (MOVES_CONFIG.test(k)) return `${k} is set`;
  return undefined;
}

type Tok = { t: "word" | "str" | "{" | "}" | ";"; v: string; line: number };
/** what the tokenizer read but apt may read otherwise (aptConfSyntax) */
type Unfollowed = { v: string; line: number };

function tokenizeAptConf(text: string, unfollowed: Unfollowed[] = []): Tok[] {
  const out: Tok[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") i++;
    else if (c === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) unfollowed.push({ v: "a /* comment without its */", line });
      const stop = end === -1 ? n : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === "\n") line++;
      i = stop;
    } else if (c === "#") {
      const end = text.indexOf("\n", i);
      const directive = text.slice(i, end === -1 ? n : end).trim();
      if (directive.startsWith("#clear")) out.push({ t: "word", v: directive, line });
      // apt reads the other file (#include) or its index (#x-apt-configure-index); any other # starts a comment
      else if (/^#(include|x-apt-configure-index)/.test(directive)) unfollowed.push({ v: directive, line });
      i = end === -1 ? n : end;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const v = text.slice(i + 1, end === -1 ? n : end);
      // apt's values end on their line
      if (end === -1 || v.includes("\n")) unfollowed.push({ v: "a string without its closing quote on its line", line });
      out.push({ t: "str", v, line });
      line += v.split("\n").length - 1;
      i = end === -1 ? n : end + 1;
    } else if (c === "{" || c === "}" || c === ";") {
      out.push({ t: c, v: c, line });
      i++;
    } else {
      let j = i;
      while (j < n && !/[\s{};"]/.test(text[j] as string)) j++;
      const v = text.slice(i, j);
      // apt starts a comment at # or // anywhere outside quotes: inside a word, not followed here
      if (/#|\/\/|\/\*/.test(v)) unfollowed.push({ v: `"${v}"`, line });
      out.push({ t: "word", v, line });
      i = j;
    }
  }
  return out;
}

/**
 * The first statement of an apt.conf text that parseAptConf does not follow exactly, as "LINE: what", or
 * undefined. Followed: `Key "value";`, `Key { … };` nested, `"item";` inside a block, `Key:: "item";`,
 * `#clear Key;`, empty statements, // /* # comments. Not: #include, an unquoted or missing value, a string
 * across lines, a missing ; or }, anything else — then apt itself must be asked.
 */
export function aptConfSyntax(text: string): string | undefined {
  const unfollowed: Unfollowed[] = [];
  const toks = tokenizeAptConf(text, unfollowed);
  const first = unfollowed[0];
  if (first) return `${first.line}: ${first.v}`;
  let depth = 0;
  for (let i = 0; i < toks.length; ) {
    const tok = toks[i] as Tok;
    const next = toks[i + 1];
    if (tok.t === "word" && tok.v.startsWith("#clear")) i++;
    else if (tok.t === "word" && next?.t === "{" && !tok.v.endsWith("::")) {
      depth++;
      i += 2;
    } else if (tok.t === "word" && next?.t === "str" && toks[i + 2]?.t === ";") i += 3;
    else if (tok.t === "str" && depth > 0 && next?.t === ";") i += 2;
    else if (tok.t === "}" && depth > 0) {
      depth--;
      i += next?.t === ";" ? 2 : 1;
    } else if (tok.t === ";") i++;
    else if (tok.t === "word") return `${tok.line}: ${tok.v} without a "quoted value"; or a { block }`;
    else return `${tok.line}: ${tok.t === "str" ? `"${tok.v}"` : tok.v} where a statement was expected`;
  }
  return depth > 0 ? `${text.split("\n").length}: a { without its }` : undefined;
}

/** Parse apt.conf syntax (also `apt-config dump` output) into cfg; later values win, lists append. */
export function parseAptConf(text: string, file: string, cfg: AptConfig): void {
  const toks = tokenizeAptConf(text);
  const scope: string[] = [];
  const full = (k: string) => [...scope, k].filter(Boolean).join("::");
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i] as Tok;
    const next = toks[i + 1];
    if (tok.t === "word" && tok.v.startsWith("#clear")) {
      const key = aptKey(tok.v.slice(6).trim().replace(/;$/, ""));
      for (const m of [cfg.scalars, cfg.lists]) for (const k of [...m.keys()]) if (k === key || k.startsWith(`${key}::`)) m.delete(k);
      continue;
    }
    if (tok.t === "word" && next?.t === "{") {
      scope.push(tok.v.replace(/::$/, ""));
      i++;
    } else if (tok.t === "word" && next?.t === "str") {
      const src = { value: next.v, source: `${file}:${next.line}` };
      if (tok.v.endsWith("::")) {
        // `Key:: "item";` (apt-config dump's list form)
        const key = aptKey(full(tok.v.slice(0, -2)));
        cfg.lists.set(key, [...(cfg.lists.get(key) ?? []), src]);
      } else {
        const key = aptKey(full(tok.v));
        // `Key "";` in a dump introduces a list; keep it only as a scalar when nothing else is known
        if (!(next.v === "" && cfg.lists.has(key))) cfg.scalars.set(key, src);
      }
      i++;
    } else if (tok.t === "str" && scope.length > 0) {
      const key = aptKey(scope.join("::"));
      cfg.lists.set(key, [...(cfg.lists.get(key) ?? []), { value: tok.v, source: `${file}:${tok.line}` }]);
    } else if (tok.t === "}") scope.pop();
  }
}
