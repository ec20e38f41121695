// `rampart init` on this machine writes a policy that `rampart policy check` accepts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";

test("init on this host → policy check accepts it; a second init refuses to overwrite", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-init-"));
  try {
    const out = path.join(dir, "policy.yaml");
    const r = await runCli(["init", "--output", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const check = await runCli(["policy", "check", out]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /valid/);
    const again = await runCli(["init", "--output", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists[\s\S]*--force/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
