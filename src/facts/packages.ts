// Installed Debian packages, from dpkg's database (/var/lib/dpkg/status) read as a file, so it works for
// an image under --root as well as live, and costs no `dpkg-query` process. A package counts as installed
// when its Status is "install ok installed" (also "hold ok installed"); half-installed or config-files-only
// packages are kept with their state for evidence but are not `installed`.
import type { FactContext } from "./context.js";

export const DPKG_STATUS = "/var/lib/dpkg/status";

export interface PackageInfo {
  name: string;
  version: string;
  /** the third word of Status: installed, config-files, half-installed, … */
  state: string;
  installed: boolean;
  /** "/var/lib/dpkg/status:1234" (the Package: line) */
  source: string;
}

export interface PackageDb {
  /** false when there is no dpkg database (not Debian/Ubuntu, or an empty image) */
  present: boolean;
  packages: Map<string, PackageInfo>;
}

export function packages(ctx: FactContext): Promise<PackageDb> {
  return ctx.memo("packages", async () => {
    const text = await ctx.fs.readTextIfExists(DPKG_STATUS);
    if (text === undefined) return { present: false, packages: new Map() };
    return { present: true, packages: parseDpkgStatus(text, DPKG_STATUS) };
  });
}

/** Parse dpkg's status file (RFC 822-style paragraphs); exported for tests. */
export function parseDpkgStatus(text: string, file: string): Map<string, PackageInfo> {
  const out = new Map<string, PackageInfo>();
  let name = "";
  let version = "";
  let status = "";
  let line = 0;
  const flush = () => {
    if (name) {
      const state = status.split(/\s+/)[2] ?? "unknown";
      const pkg = { name, version, state, installed: state === "installed", source: `${file}:${line}` };
      const arch = name.indexOf(":");
      out.set(arch === -1 ? name : name.slice(0, arch), pkg);
    }
    name = version = status = "";
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] ?? "";
    if (l === "") {
      flush();
      continue;
    }
    const c = l.charCodeAt(0);
    if (c === 32 || c === 9) continue; // continuation of a multi-line field
    if (l.startsWith("Package:")) {
      name = l.slice(8).trim();
      line = i + 1;
    } else if (l.startsWith("Status:")) status = l.slice(7).trim();
    else if (l.startsWith("Version:")) version = l.slice(8).trim();
  }
  flush();
  return out;
}

/** The installed packages among `names`. */
export function installedOf(db: PackageDb, names: readonly string[]): PackageInfo[] {
  return names.map((n) => db.packages.get(n)).filter((p): p is PackageInfo => p?.installed === true);
}
