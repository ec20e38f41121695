#!/usr/bin/env node
// The program bin/rampart.js runs: src/cli/entry.ts bundled by esbuild into dist/bundle/ (run by `npm run build`
// after tsc). Why: Node loads ESM module by module — resolve, read, compile, link each of ~500 files — and that
// was ≈0.3 s of every command's start (`rampart --version` 0.31 s, half of a warm audit). One bundle with a chunk
// per command (the lazy `import()`s of src/cli/commands/index.ts stay lazy: `rampart audit` loads the audit
// chunk and the shared ones, never guard's or blocklist's) loads in a few reads.
//
// tsc's per-module dist/ stays: the build scripts (gen-schema, gen-cli-docs, package) import single modules
// from it. Every chunk sits in dist/bundle/, two levels below the package root like dist/<folder>/*.js, so
// `new URL("../../package.json", import.meta.url)` (core/version.ts, system/self.ts) finds the same file.
//
// Pure-JS dependencies on the start-up path (commander, picocolors, yaml, zod) are bundled; the native
// better-sqlite3 and the packages only some commands load (pg, nodemailer, qrcode, cli-progress) stay in
// node_modules and are imported from there. Not minified, so stack traces keep the functions' names; the
// linked source maps (dist/bundle/*.map) map them back to src/ lines with `node --enable-source-maps`.
//
//   node scripts/bundle.mjs          writes dist/bundle/ (and removes what an earlier run left there)
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const BUNDLE_DIR = path.join(root, "dist/bundle");
/** dependencies inlined into the bundle: pure JS, and loaded by every command */
const INLINED = new Set(["commander", "picocolors", "yaml", "zod"]);

const external = Object.keys(pkg.dependencies).filter((d) => !INLINED.has(d));
rmSync(BUNDLE_DIR, { recursive: true, force: true });
const started = Date.now();
const result = await build({
  absWorkingDir: root,
  // resolve-worker: the guard daemon reads its policy in a worker thread (src/policy/resolve-apart.ts)
  entryPoints: { rampart: "src/cli/entry.ts", "resolve-worker": "src/policy/resolve-worker.ts" },
  outdir: BUNDLE_DIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
  // the inlined CommonJS packages (commander, yaml) call require() for Node's own modules; an ES module has
  // no require, so give the bundle one
  banner: { js: 'import { createRequire as __rampartRequire } from "node:module";\nconst require = __rampartRequire(import.meta.url);' },
});
const js = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith(".js"));
for (const [f] of js) asciiComments(path.join(root, f));
const bytes = js.reduce((n, [, o]) => n + o.bytes, 0);
console.log(`bundle: ${js.length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundle/ (${Date.now() - started} ms)`);

/**
 * Non-ASCII characters in the comments esbuild keeps (an em dash in zod's, "→" in ours) written as \uXXXX.
 * esbuild escapes them in code (charset ascii), not in comments; yet one such character makes Node hold the
 * chunk's whole source as a two-byte string: zod's 755 KB chunk took 1.5 MB of every process's heap (the
 * guard daemon's too, for as long as it runs). Only whole comment lines are touched (the line starts with
 * `//`, `/*` or `*`): code keeps its meaning (the one regular expression with an em dash stays as it is).
 */
function asciiComments(file) {
  const text = readFileSync(file, "utf8");
  const out = text.replace(/^([ \t]*(?:\/\/|\/\*|\*).*)$/gm, (line) =>
    // each UTF-16 code unit (a surrogate half too) as \uXXXX
    line.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );
  if (out !== text) writeFileSync(file, out);
}
