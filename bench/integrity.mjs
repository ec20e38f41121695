#!/usr/bin/env node
// bench/integrity: `rampart integrity init` against `aide --init` on the same tree, in one run.
// Usage: node bench/integrity.mjs [PATH,...]   (default /etc,/usr/bin,/usr/sbin,/usr/lib/x86_64-linux-gnu)
// Both record sha256 + mode + owner + size + mtime. Needs the built CLI (npm run build) and aide (Debian).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const paths = (process.argv[2] ?? "/etc,/usr/bin,/usr/sbin,/usr/lib/x86_64-linux-gnu").split(",");
const tmp = mkdtempSync(path.join(tmpdir(), "rampart-bench-integrity-"));
const time = (argv) => {
  const t = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", maxBuffer: 1 << 26 });
  return { ms: performance.now() - t, r };
};
try {
  if (!existsSync(path.join(repo, "dist/cli/entry.js"))) throw new Error("build first: npm run build");
  // warm the page cache so both read from memory
  spawnSync("find", [...paths, "-type", "f", "-exec", "cat", "{}", "+"], { stdio: "ignore" });
  const ours = time([
    process.execPath,
    path.join(repo, "bin/rampart.js"),
    "integrity",
    "init",
    "--paths",
    paths.join(","),
    "--database",
    path.join(tmp, "rampart.db"),
    "--json",
  ]);
  if (ours.r.status !== 0) throw new Error(`rampart failed: ${ours.r.stderr}`);
  const files = JSON.parse(ours.r.stdout).files;
  let aide;
  if (existsSync("/usr/bin/aide")) {
    const conf = path.join(tmp, "aide.conf");
    writeFileSync(
      conf,
      [`database_out=file:${tmp}/aide.db.new`, "gzip_dbout=no", "Rampart = p+u+g+s+m+sha256", ...paths.map((p) => `${p} Rampart`), ""].join(
        "\n",
      ),
    );
    aide = time(["aide", "--init", "-c", conf]);
  }
  console.log(`tree: ${paths.join(", ")} (${files} files)`);
  console.log(`rampart integrity init: ${(ours.ms / 1000).toFixed(2)} s`);
  if (aide) {
    console.log(`aide --init:            ${(aide.ms / 1000).toFixed(2)} s (exit ${aide.r.status})`);
    console.log(`ratio aide/rampart:     ${(aide.ms / ours.ms).toFixed(1)}x`);
  } else console.log("aide not installed (apt-get install aide): no comparison");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
