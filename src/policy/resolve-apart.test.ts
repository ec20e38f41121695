// resolvePolicyApart (the guard daemon's policy, read in a worker thread) answers what resolvePolicy answers:
// the same policy, the same errors (class, code, diagnostics), for a valid file, an invalid one, a missing one.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RampartError } from "../core/errors.js";
import { HostFs } from "../system/hostfs.js";
import { PolicyInvalidError } from "./diagnostics.js";
import { resolvePolicy } from "./load.js";
import { resolvePolicyApart } from "./resolve-apart.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/policies");

test("a valid policy: the same Policy as resolvePolicy, as plain data", async () => {
  for (const f of readdirSync(path.join(FIXTURES, "valid"))) {
    const file = path.join(FIXTURES, "valid", f);
    assert.deepStrictEqual(await resolvePolicyApart("/", file), await resolvePolicy(new HostFs("/"), file), f);
  }
});

test("no policy file under the root: the built-in baseline", async () => {
  const root = path.join(FIXTURES, "valid"); // holds no etc/rampart/policy.yaml
  assert.deepStrictEqual(await resolvePolicyApart(root, undefined), await resolvePolicy(new HostFs(root), undefined));
});

test("an invalid policy: the same PolicyInvalidError (diagnostics with file:line:column)", async () => {
  const file = path.join(FIXTURES, "invalid", "bad-duration.yaml");
  const expected = await resolvePolicy(new HostFs("/"), file).then(
    () => assert.fail("the fixture is invalid"),
    (e: unknown) => e as PolicyInvalidError,
  );
  await assert.rejects(resolvePolicyApart("/", file), (e: unknown) => {
    assert.ok(e instanceof PolicyInvalidError);
    assert.deepEqual([e.code, e.message, e.location, e.hint], [expected.code, expected.message, expected.location, expected.hint]);
    assert.deepEqual(e.errors, expected.errors);
    assert.deepEqual(e.warnings, expected.warnings);
    return true;
  });
});

test("a missing --policy file: the same RampartError (code, message, hint)", async () => {
  await assert.rejects(
    resolvePolicyApart("/", "/nonexistent/rampart-policy.yaml"),
    (e: unknown) =>
      e instanceof RampartError &&
      !(e instanceof PolicyInvalidError) &&
      e.code === "POLICY" &&
      e.message === "no policy at /nonexistent/rampart-policy.yaml" &&
      /rampart init --output/.test(e.hint ?? ""),
  );
});
