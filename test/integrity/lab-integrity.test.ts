// integrity in a lab host (its /etc and /usr are overlays): after one file in /etc is changed and one binary
// is added to /usr/bin, `rampart integrity check` reports exactly those two — on the real trees, with the
// real default database path.
import assert from "node:assert/strict";
import { labTest } from "../lab/index.js";

labTest(
  "integrity check reports exactly the changed /etc file and the added binary",
  async (lab) => {
    const host = await lab.host("srv", { role: "server" });
    const init = await host.rampart(["integrity", "init", "--paths", "/etc,/usr/bin,/usr/sbin", "--json"], { timeoutMs: 120_000 });
    assert.equal(init.code, 0, init.stderr);
    assert.ok((JSON.parse(init.stdout) as { files: number }).files > 500);
    const clean = await host.rampart(["integrity", "check", "--json"], { timeoutMs: 120_000 });
    assert.equal(clean.code, 0, clean.stdout.slice(0, 2000) + clean.stderr);

    await host.appendFile("/etc/issue", "tampered\n");
    await host.writeFile("/usr/bin/not-a-backdoor", "#!/bin/sh\necho hi\n", { mode: 0o755 });
    const r = await host.rampart(["integrity", "check", "--json"], { timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      added: { path: string; by: string }[];
      removed: unknown[];
      changed: { path: string; what: string[]; by: string }[];
    };
    assert.deepEqual(
      out.added.map((d) => [d.path, d.by]),
      [["/usr/bin/not-a-backdoor", "local"]],
    );
    assert.deepEqual(out.removed, []);
    assert.deepEqual(
      out.changed.map((d) => [d.path, d.what, d.by]),
      [["/etc/issue", ["content"], "local"]],
    );
  },
  { timeout: 240_000 },
);
