// The bundle (scripts/bundle.mjs) as Node loads it: every comment line of every chunk is ASCII. Node holds a
// chunk's whole source in memory for as long as the process runs, as a two-byte string when a single
// character is past Latin-1 — zod's chunk (755 KB) took 1.5 MB of every process's heap, the guard daemon's
// too, because of an em dash in one comment. Reads dist/bundle (scripts/test.mjs builds first).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
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
