// Kernel parameters two ways: the runtime value (/proc/sys, what the kernel does now) and the persisted
// value (what the next boot applies), read from the sysctl.d directories in systemd-sysctl's order —
// /etc, /run, /usr/local/lib, /usr/lib, /lib; a file name in an earlier directory masks the same name in a
// later one; all files are applied sorted by name, later assignments win — then /etc/sysctl.conf (unless it
// is already included, as Debian's /etc/sysctl.d/99-sysctl.conf symlink does). Globs (`net.ipv4.conf.*.rp_filter`)
// and `-key` exclusions follow systemd's rules. Each persisted value keeps the file:line that set it.
import path from "node:path";
import type { FactContext } from "./context.js";

export const SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];
export const SYSCTL_CONF = "/etc/sysctl.conf";

/** net.ipv4.ip_forward → /proc/sys/net/ipv4/ip_forward */
export function procPath(key: string): string {
  return `/proc/sys/${key.replace(/\./g, "/")}`;
}

/** The runtime value (trimmed), or undefined when the kernel has no such key. Memoised per key. */
export function runtimeSysctl(ctx: FactContext, key: string): Promise<string | undefined> {
  return ctx.memo(`sysctl:${key}`, async () => {
    const v = await ctx.fs.readTextIfExists(procPath(key));
    return v === undefined ? undefined : v.trim().replace(/\s+/g, " ");
  });
}

export interface Assignment {
  key: string;
  value: string;
  /** "/etc/sysctl.d/60-rampart.conf:4" */
  source: string;
}

export interface PersistedSysctl {
  /** files read, in the order applied */
  files: string[];
  /** exact-key assignments in order */
  assignments: Assignment[];
  /** glob assignments (a "*" component) in order */
  globs: Assignment[];
  /** keys written as "-key" (glob exclusions) */
  excluded: Set<string>;
  /** the value the next boot sets for `key` (last assignment wins; globs apply unless excluded) */
  get(key: string): Assignment | undefined;
}

export function persistedSysctl(ctx: FactContext): Promise<PersistedSysctl> {
  return ctx.memo("sysctl:persisted", async () => {
    const byName = new Map<string, string>();
    for (const dir of SYSCTL_DIRS) {
      for (const name of await ctx.fs.list(dir)) {
        if (name.endsWith(".conf") && !byName.has(name)) byName.set(name, path.posix.join(dir, name));
      }
    }
    const files = [...byName.keys()].sort().map((n) => byName.get(n) as string);
    const inodes = new Set<string>();
    const texts: { file: string; text: string }[] = [];
    for (const file of files) {
      const [text, st] = await Promise.all([ctx.fs.readTextIfExists(file), ctx.fs.stat(file)]);
      if (text === undefined) continue;
      if (st) inodes.add(`${st.dev}:${st.ino}`);
      texts.push({ file, text });
    }
    const confStat = await ctx.fs.stat(SYSCTL_CONF);
    if (confStat?.isFile() && !inodes.has(`${confStat.dev}:${confStat.ino}`)) {
      const text = await ctx.fs.readTextIfExists(SYSCTL_CONF);
      if (text !== undefined) texts.push({ file: SYSCTL_CONF, text });
    }
    return buildPersisted(texts);
  });
}

/** Apply files (already in order) into a lookup; exported for tests. */
export function buildPersisted(texts: { file: string; text: string }[]): PersistedSysctl {
  const assignments: Assignment[] = [];
  const globs: Assignment[] = [];
  const excluded = new Set<string>();
  /** apply order of every assignment (exact keys and globs interleave) */
  const order = new Map<Assignment, number>();
  for (const { file, text } of texts) {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const l = (lines[i] ?? "").trim();
      if (l === "" || l.startsWith("#") || l.startsWith(";")) continue;
      const eq = l.indexOf("=");
      const rawKey = (eq === -1 ? l : l.slice(0, eq)).trim().replace(/^-/, "");
      const key = normaliseKey(rawKey);
      if (eq === -1) {
        if (l.startsWith("-")) excluded.add(key);
        continue;
      }
      const a = {
        key,
        value: l
          .slice(eq + 1)
          .trim()
          .replace(/\s+/g, " "),
        source: `${file}:${i + 1}`,
      };
      order.set(a, order.size);
      (key.split(".").includes("*") ? globs : assignments).push(a);
    }
  }
  return {
    files: texts.map((t) => t.file),
    assignments,
    globs,
    excluded,
    get(key) {
      let best: Assignment | undefined;
      const consider = (a: Assignment) => {
        if (!best || (order.get(a) ?? 0) >= (order.get(best) ?? 0)) best = a;
      };
      for (const a of assignments) if (a.key === key) consider(a);
      if (!excluded.has(key)) for (const g of globs) if (globMatches(g.key, key)) consider(g);
      return best;
    },
  };
}

/** sysctl accepts "/" as the separator too (net/ipv4/ip_forward). */
function normaliseKey(k: string): string {
  return k.replace(/\//g, ".");
}

/** A "*" matches one whole key component. */
function globMatches(glob: string, key: string): boolean {
  const g = glob.split(".");
  const k = key.split(".");
  return g.length === k.length && g.every((c, i) => c === "*" || c === k[i]);
}
