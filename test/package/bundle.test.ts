// The bundle (scripts/bundle.mjs) as Node loads it. Every comment line of every chunk is ASCII: Node holds a
// chunk's whole source in memory for as long as the process runs, as a two-byte string when a single
// character is past Latin-1 — zod's chunk (755 KB) took 1.5 MB of every process's heap, the guard daemon's
// too, because of an em dash in one comment. The guard daemon's policy worker is an entry of its own that the
// built `guard run` finds, and what `guard run` loads at start (the static imports from the CLI's entry, the
// guard command and the daemon's module) holds no zod, yaml, pg or nodemailer: loaded only where used, they
// would otherwise stay in the daemon's memory for its whole life (#13). Reads dist/bundle (scripts/test.mjs
// builds first).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { REPO } from "../helpers/cli.js";

const BUNDLE = path.join(REPO, "dist/bundle");

test("the bundle's comment lines hold no character past Latin-1 (the chunk's source stays one-byte)", () => {
  assert.ok(existsSync(BUNDLE), "no dist/bundle: run `npm run build` first");
  const wide: string[] = [];
  for (const f of readdirSync(BUNDLE).filter((n) => n.endsWith(".js"))) {
    readFileSync(path.join(BUNDLE, f), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (/^[ \t]*(\/\/|\/\*|\*)/.test(line) && /[^\x00-\xff]/.test(line)) wide.push(`${f}:${i + 1}: ${line.trim().slice(0, 80)}`);
      });
  }
  assert.deepEqual(wide, []);
  // the chunk that made this matter: zod's, loaded by every command that reads a policy (the daemon too)
  const zod = readdirSync(BUNDLE).find((n) => n.endsWith(".js") && readFileSync(path.join(BUNDLE, n), "utf8").includes("Tipus d'uni"));
  assert.ok(zod, "zod's chunk (its Catalan messages) is in the bundle");
  assert.doesNotMatch(readFileSync(path.join(BUNDLE, zod), "utf8"), /[^\x00-\xff]/, "zod's chunk is one-byte");
});

test("built `guard run` reads its policy in the worker (dist/bundle/resolve-worker.js): an invalid one is reported as before, exit 2", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rampart-bundle-"));
  try {
    const policy = path.join(REPO, "test/fixtures/policies/invalid/bad-duration.yaml");
    const r = spawnSync(
      process.execPath,
      [
        path.join(REPO, "bin/rampart.js"),
        "guard",
        "run",
        "--policy",
        policy,
        "--state",
        path.join(dir, "state.db"),
        "--socket",
        path.join(dir, "s"),
      ],
      { encoding: "utf8", env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" } },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /bad-duration\.yaml:\d+:\d+: error: /);
    assert.match(r.stderr, /the policy has 1 error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("what `guard run` loads at start holds no zod, yaml, pg or nodemailer (the worker reads the policy; mail and fleet load when configured)", () => {
  const files = readdirSync(BUNDLE).filter((n) => n.endsWith(".js"));
  const text = new Map(files.map((f) => [f, readFileSync(path.join(BUNDLE, f), "utf8")]));
  // esbuild marks each module's code with a `// path` comment
  const holding = (marker: string) => files.filter((f) => (text.get(f) as string).includes(`\n// ${marker}`));
  const starts = ["rampart.js", ...holding("src/cli/commands/guard-daemon.ts"), ...holding("src/guard/run.ts")];
  assert.equal(starts.length, 3, `the entry, the guard command's chunk and the daemon's: ${starts.join(", ")}`);
  // the static imports, followed (a dynamic import() is loaded only when its line runs)
  const loaded = new Set<string>();
  const bare = new Set<string>();
  const visit = (f: string) => {
    if (loaded.has(f)) return;
    loaded.add(f);
    for (const m of (text.get(f) as string).matchAll(/^(?:import|\}) (?:[^;]*? from )?"([^"]+)";$/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith("./")) visit(spec.slice(2));
      else bare.add(spec);
    }
  };
  starts.forEach(visit);
  for (const lib of ["zod", "yaml"]) {
    const chunks = holding(`node_modules/${lib}/`);
    assert.ok(chunks.length > 0, `${lib} is in the bundle (else this test proves nothing)`);
    assert.deepEqual(
      chunks.filter((c) => loaded.has(c)),
      [],
      `${lib} is loaded by guard run at start`,
    );
  }
  assert.ok(loaded.has(holding("src/guard/daemon.ts")[0] as string), "the daemon itself is loaded (the walk follows imports)");
  assert.ok(bare.has("better-sqlite3"), "packages imported at start are seen");
  for (const pkg of ["pg", "nodemailer", "node:http", "node:https", "node:tls"])
    assert.ok(!bare.has(pkg), `guard run imports ${pkg} at start`);
});
