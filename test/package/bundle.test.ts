// The bundle (scripts/bundle.mjs) as Node loads it. Every comment line of every chunk is ASCII: Node holds a
// chunk's whole source in memory for as long as the process runs, as a two-byte string when a single
// character is past Latin-1 — zod's chunk (755 KB) took 1.5 MB of every process's heap, the guard daemon's
// too, because of an em dash in one comment. The guard daemon's policy worker is an entry of its own that the
// built `guard run` finds. Reads dist/bundle (scripts/test.mjs builds first).
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
