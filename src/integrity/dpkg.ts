// dpkg's own checksums (/var/lib/dpkg/info/*.md5sums) tell a change made by the package manager (the file
// is byte-for-byte what an installed package ships) from a local one. Read lazily, only for the paths
// that changed.
import path from "node:path";
import type { HostFs } from "../system/hostfs.js";

/** path → md5 of every file some installed package ships. */
export async function dpkgChecksums(fs: HostFs): Promise<Map<string, { md5: string; pkg: string }>> {
  const dir = "/var/lib/dpkg/info";
  const out = new Map<string, { md5: string; pkg: string }>();
  const names = (await fs.list(dir)).filter((n) => n.endsWith(".md5sums"));
  await Promise.all(
    names.map(async (n) => {
      const text = await fs.readTextIfExists(path.posix.join(dir, n));
      if (!text) return;
      const pkg = n.slice(0, -".md5sums".length).split(":")[0] ?? n;
      for (const line of text.split("\n")) {
        const m = /^([0-9a-f]{32}) {2}(.+)$/.exec(line);
        if (m) out.set(`/${m[2]}`, { md5: m[1] as string, pkg });
      }
    }),
  );
  return out;
}
