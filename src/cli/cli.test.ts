import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../../test/helpers/cli.js";

test("--help lists every command of the contract", async () => {
  const r = await runCli(["--help"]);
  assert.equal(r.code, 0);
  for (const c of [
    "audit",
    "init",
    "policy",
    "plan",
    "apply",
    "confirm",
    "rollback",
    "firewall",
    "guard",
    "blocklist",
    "integrity",
    "mfa",
  ]) {
    assert.match(r.stdout, new RegExp(`^  ${c}\\b`, "m"), `missing ${c}`);
  }
  assert.match(r.stdout, /Exit codes/);
});

test("an unknown command is a usage error (exit 2) with a suggestion", async () => {
  const r = await runCli(["audti"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Did you mean audit\?/);
});

test("a bad option value is a usage error (exit 2)", async () => {
  const r = await runCli(["--log-format", "xml", "policy", "check", "x"]);
  assert.equal(r.code, 2);
});
