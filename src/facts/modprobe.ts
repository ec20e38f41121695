// What kmod's modprobe.d configuration says about each module: an `install MODULE COMMAND` line (modprobe
// runs COMMAND instead of loading it: `install cramfs /bin/true` disables the module for good) and
// `blacklist MODULE` (only stops loading by alias, e.g. on hot-plug; an explicit modprobe still loads it).
// Files are read like kmod does: *.conf from /etc, /run, /usr/local/lib, /usr/lib and /lib modprobe.d, a name
// in an earlier directory masking the same name in a later one, applied in name order; for `install` the
// first line for a module wins (kmod keeps the first command it reads). Module names treat - and _ alike.
import path from "node:path";
import type { FactContext } from "./context.js";

export const MODPROBE_DIRS = ["/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d"];

export interface ModprobeLine {
  /** the command after `install MODULE` */
  command?: string;
  /** "/etc/modprobe.d/dev-sec.conf:3" */
  source: string;
}

export interface ModprobeConfig {
  files: string[];
  install(module: string): ModprobeLine | undefined;
  blacklist(module: string): ModprobeLine | undefined;
}

export const moduleName = (m: string): string => m.replace(/-/g, "_");

export function modprobeConfig(ctx: FactContext): Promise<ModprobeConfig> {
  return ctx.memo("modprobe.d", async () => {
    const byName = new Map<string, string>();
    for (const dir of MODPROBE_DIRS) {
      for (const name of await ctx.fs.list(dir)) {
        if (name.endsWith(".conf") && !byName.has(name)) byName.set(name, path.posix.join(dir, name));
      }
    }
    const files = [...byName.keys()].sort().map((n) => byName.get(n) as string);
    const texts = await Promise.all(files.map(async (file) => ({ file, text: (await ctx.fs.readTextIfExists(file)) ?? "" })));
    return parseModprobe(texts);
  });
}

/** Build the lookup from files already in order; exported for tests. */
export function parseModprobe(texts: { file: string; text: string }[]): ModprobeConfig {
  const installs = new Map<string, ModprobeLine>();
  const blacklists = new Map<string, ModprobeLine>();
  for (const { file, text } of texts) {
    // a trailing backslash continues a line
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const start = i;
      let l = lines[i] ?? "";
      while (l.endsWith("\\") && i + 1 < lines.length) l = `${l.slice(0, -1)} ${lines[++i] ?? ""}`;
      const words = l.trim().split(/\s+/);
      if (words[0]?.startsWith("#")) continue;
      const mod = words[1] === undefined ? undefined : moduleName(words[1]);
      if (mod === undefined) continue;
      const source = `${file}:${start + 1}`;
      if (words[0] === "install" && !installs.has(mod)) installs.set(mod, { command: words.slice(2).join(" "), source });
      else if (words[0] === "blacklist" && !blacklists.has(mod)) blacklists.set(mod, { source });
    }
  }
  return {
    files: texts.map((t) => t.file),
    install: (m) => installs.get(moduleName(m)),
    blacklist: (m) => blacklists.get(moduleName(m)),
  };
}

/** An install command that loads nothing: /bin/true, /bin/false (also under /usr/bin, or `true`/`false`). */
export function disablesModule(command: string | undefined): boolean {
  return command !== undefined && /^((\/usr)?\/bin\/)?(true|false)$/.test(command.trim());
}
