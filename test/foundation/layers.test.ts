// The layering check (scripts/layers.mjs, run by `npm run lint`) must fail on each rule it enforces and pass on a
// clean tree: it runs as CI does (the script as a process, exit code and output), over small temp trees that
// break one rule each — an upward import, a cycle, audit/checks read from apply — and over the real tree.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

const repo = path.resolve(import.meta.dirname, "../..");
const script = path.join(repo, "scripts/layers.mjs");

/** A temp repo with src/ files (path → text); runs the check on it. */
function runOn(files: Record<string, string>): { code: number | null; out: string } {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-layers-"));
  try {
    for (const [rel, text] of Object.entries(files)) {
      const p = path.join(root, "src", rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    const r = spawnSync(process.execPath, [script, "--root", root], { encoding: "utf8" });
    return { code: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** A small tree that keeps every rule: each layer imports downwards, in all the import forms. */
const clean: Record<string, string> = {
  "core/errors.ts": "export class E extends Error {}\n",
  "system/exec.ts": 'import { E } from "../core/errors.js";\nexport const run = () => new E();\n',
  "facts/packages.ts": 'import type { E } from "../core/errors.js";\nexport * from "../system/exec.js";\nexport type X = E;\n',
  "policy/schema.ts": 'export const load = () => import("../facts/packages.js");\n',
  "audit/checks/pkg.ts": 'import { run } from "../../facts/packages.js";\nexport const check = run;\n',
  "audit/run.ts": 'import { check } from "./checks/pkg.js";\nexport const all = [check];\n',
  "apply/parts/pkg.ts": 'import { run } from "../../facts/packages.js";\nimport "../../policy/schema.js";\nexport const part = run;\n',
  "cli/main.ts": 'import { all } from "../audit/run.js";\nimport { part } from "../apply/parts/pkg.js";\nexport { all, part };\n',
};

test("a clean tree passes", () => {
  const r = runOn(clean);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out, "");
});

test("an import from a higher layer fails, naming the file, the import and the rule", () => {
  const r = runOn({ ...clean, "facts/packages.ts": 'import { all } from "../audit/run.js";\nexport const x = all;\n' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /src\/facts\/packages\.ts:1 → src\/audit\/run\.ts: facts \(layer \d\) imports the higher layer audit/);
});

test("a dynamic import and an export-from count as imports", () => {
  const dyn = runOn({ ...clean, "system/exec.ts": 'export const later = () => import("../cli/main.js");\n' });
  assert.equal(dyn.code, 1, dyn.out);
  assert.match(dyn.out, /src\/system\/exec\.ts:1 → src\/cli\/main\.ts: system .* higher layer cli/);
  const reexport = runOn({ ...clean, "core/errors.ts": 'export { run } from "../system/exec.js";\nexport class E extends Error {}\n' });
  assert.equal(reexport.code, 1, reexport.out);
  assert.match(reexport.out, /src\/core\/errors\.ts:1 → src\/system\/exec\.ts: core .* higher layer system/);
});

test("an import between two folders of one layer fails unless the pair is allowed", () => {
  const r = runOn({ ...clean, "apply/parts/pkg.ts": 'import { all } from "../../audit/run.js";\nexport const part = all;\n' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /src\/apply\/parts\/pkg\.ts:1 → src\/audit\/run\.ts: apply imports audit of the same layer/);
});

test("an import cycle fails, naming its files; a type-only import does not close one", () => {
  const cyc = {
    ...clean,
    "facts/a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
    "facts/b.ts": 'import { a } from "./a.js";\nexport const b = () => a;\n',
  };
  const r = runOn(cyc);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /import cycle: src\/facts\/a\.ts → src\/facts\/b\.ts → src\/facts\/a\.ts/);
  const typeOnly = runOn({ ...cyc, "facts/b.ts": 'import type { a } from "./a.js";\nexport const b = (x: typeof a) => x;\n' });
  assert.equal(typeOnly.code, 0, typeOnly.out);
});

test("src/audit/checks imported from outside src/audit fails", () => {
  const r = runOn({ ...clean, "apply/parts/pkg.ts": 'import { check } from "../../audit/checks/pkg.js";\nexport const part = check;\n' });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /src\/apply\/parts\/pkg\.ts:1 → src\/audit\/checks\/pkg\.ts: audit\/checks is imported from outside src\/audit\//);
});

test("a folder with no layer fails", () => {
  const r = runOn({ ...clean, "misc/x.ts": "export const x = 1;\n" });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /folder src\/misc has no layer/);
});

test("the real tree keeps the layering", () => {
  const r = spawnSync(process.execPath, [script], { encoding: "utf8", cwd: repo });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
