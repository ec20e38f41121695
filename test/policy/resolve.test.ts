// Which policy a command uses: the comments-only /etc/rampart/policy.yaml that the Debian package installs
// means the built-in baseline, with no warning about a file the admin never wrote; a real one is read.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { defaultPolicy, resolvePolicy } from "../../src/policy/load.js";
import { HostFs } from "../../src/system/hostfs.js";
import { REPO } from "../helpers/cli.js";

function withPolicy(text: string, fn: (fs: HostFs) => Promise<void>): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-resolve-"));
  mkdirSync(path.join(root, "etc/rampart"), { recursive: true });
  writeFileSync(path.join(root, "etc/rampart/policy.yaml"), text);
  return fn(new HostFs(root)).finally(() => rmSync(root, { recursive: true, force: true }));
}

test("the packaged policy.yaml (comments only) is the baseline, without warnings", async () => {
  await withPolicy(readFileSync(path.join(REPO, "packaging/deb/policy.yaml"), "utf8"), async (fs) => {
    const r = await resolvePolicy(fs, undefined);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.policy, defaultPolicy());
  });
});

test("a policy with keys still warns (no admin declared)", async () => {
  await withPolicy("ssh:\n  permitRootLogin: false\n", async (fs) => {
    const r = await resolvePolicy(fs, undefined);
    assert.ok(r.warnings.length > 0);
  });
});
