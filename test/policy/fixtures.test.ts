// Every invalid policy fixture carries its expected error on its first line: `# wantErr: LINE:COL: text`.
// One test walks the folder (crowdsec's testdata habit): adding a case is adding a file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parsePolicy } from "../../src/policy/load.js";
import { REPO, runCli } from "../helpers/cli.js";

const dir = path.join(REPO, "test/fixtures/policies");
const invalid = readdirSync(path.join(dir, "invalid"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const valid = readdirSync(path.join(dir, "valid"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();

function wantErr(file: string): { line: number; column: number; text: string } {
  const first = readFileSync(file, "utf8").split("\n")[0] ?? "";
  const m = /^# wantErr: (\d+):(\d+): (.+)$/.exec(first);
  assert.ok(m, `${file}: first line must be "# wantErr: LINE:COL: message"`);
  return { line: Number(m[1]), column: Number(m[2]), text: m[3] as string };
}

test("there are invalid and valid fixtures", () => {
  assert.ok(invalid.length >= 10);
  assert.ok(valid.length >= 1);
});

for (const name of invalid) {
  test(`invalid/${name}: the expected error at the expected place`, () => {
    const file = path.join(dir, "invalid", name);
    const want = wantErr(file);
    const r = parsePolicy(readFileSync(file, "utf8"), name, new Date("2026-11-22T00:00:00Z"));
    assert.equal(r.policy, undefined, "must not produce a policy");
    const hit = r.errors.find((e) => e.message.includes(want.text));
    assert.ok(hit, `no error containing "${want.text}"; got:\n${r.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join("\n")}`);
    assert.deepEqual([hit.line, hit.column], [want.line, want.column], `wrong place for "${want.text}"`);
  });
}

for (const name of valid) {
  test(`valid/${name}: accepted without errors`, () => {
    const r = parsePolicy(readFileSync(path.join(dir, "valid", name), "utf8"), name, new Date("2026-11-22T00:00:00Z"));
    assert.deepEqual(r.errors, []);
    assert.ok(r.policy);
  });
}

test("`rampart policy check` prints file:line:column and exits 2 on each invalid fixture", async () => {
  for (const name of invalid) {
    const file = path.join(dir, "invalid", name);
    const want = wantErr(file);
    const r = await runCli(["policy", "check", file]);
    assert.equal(r.code, 2, `${name}: exit code`);
    assert.ok(r.stdout.includes(`${file}:${want.line}:${want.column}: error: `), `${name}: location missing in:\n${r.stdout}`);
    assert.ok(r.stdout.includes(want.text), `${name}: message missing`);
  }
});

test("`rampart policy check --json` reports valid policies and warnings", async () => {
  const r = await runCli(["policy", "check", "--json", path.join(dir, "valid", "guide-baseline.yaml")]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { valid: boolean; errors: unknown[] };
  assert.equal(out.valid, true);
  assert.deepEqual(out.errors, []);
});

test("`rampart policy check` on a missing file is a clear error", async () => {
  const r = await runCli(["policy", "check", "/nonexistent/policy.yaml"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cannot read policy \/nonexistent\/policy.yaml/);
  assert.match(r.stderr, /rampart init/);
});
