#!/usr/bin/env node
// The test command (`npm test`): install the Debian packages the lab needs (as root, when missing), build,
// then run every test file with Node's test runner. Unit tests are colocated (src/**/*.test.ts); lab and
// end-to-end tests live in test/**. `--unit` runs only src/**.
// Without root the lab tests skip with one line saying why — except under CI=true, where they fail.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const unitOnly = args.includes("--unit");
const filters = args.filter((a) => !a.startsWith("--"));

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`test: \`${cmd} ${argv.join(" ")}\` failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

if (!unitOnly) sh(process.execPath, [path.join(root, "scripts/setup-test-deps.mjs")]);
sh("npm", ["run", "--silent", "build"]);

function walk(dir, out = []) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === "node_modules" || e === "fixtures") continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (e.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

let files = walk(path.join(root, "src"));
if (!unitOnly) files.push(...walk(path.join(root, "test")));
// filters match the path inside the repository (a checkout under /work/wt/debian-package must not match "package")
if (filters.length) files = files.filter((f) => filters.some((x) => path.relative(root, f).includes(x)));
files.sort();
if (files.length === 0) {
  console.error("test: no test files found");
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  cwd: root,
  env: { ...process.env, RAMPART_REPO: root },
});
process.exit(r.status ?? 1);
