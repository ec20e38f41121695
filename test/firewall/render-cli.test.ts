// `rampart firewall render` end to end through the CLI: the golden text on stdout, --json, --backend,
// and a bad policy → exit 2 with file:line:column.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { FIXTURES } from "./fixtures.js";

const guide2 = path.join(FIXTURES, "guide2");

test("render prints the golden nftables ruleset", async () => {
  const r = await runCli(["firewall", "render", "--policy", path.join(guide2, "policy.yaml")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(path.join(guide2, "nftables.nft"), "utf8"));
});

test("render --backend iptables prints the three files with headers", async () => {
  const r = await runCli(["firewall", "render", "--backend", "iptables", "--policy", path.join(guide2, "policy.yaml")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(path.join(guide2, "iptables.rules"), "utf8"));
  assert.match(r.stdout, /^### rules\.v6 \(ip6tables-restore --noflush\)$/m);
});

test("render --json and --admin-source", async () => {
  const r = await runCli(["firewall", "render", "--json", "--admin-source", "2001:db8::7", "--policy", path.join(guide2, "policy.yaml")]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { backend: string; files: { name: string; loader: string; text: string }[] };
  assert.equal(doc.backend, "nftables");
  assert.deepEqual(
    doc.files.map((f) => f.name),
    ["rampart.nft"],
  );
  assert.match(doc.files[0]?.text ?? "", /ip6 saddr 2001:db8::7 tcp dport 22 accept comment "anti-lockout/);
  const bad = await runCli(["firewall", "render", "--admin-source", "nope", "--policy", path.join(guide2, "policy.yaml")]);
  assert.equal(bad.code, 2);
});

test("a bad policy exits 2 with file:line:column", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-fw-"));
  try {
    const file = path.join(dir, "policy.yaml");
    writeFileSync(file, "firewall:\n  inbound:\n    - { ports: [80], from: [10.0.0.300/8] }\n");
    const r = await runCli(["firewall", "render", "--policy", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:\\d+`));
    const missing = await runCli(["firewall", "render", "--policy", path.join(dir, "nope.yaml")]);
    assert.equal(missing.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
