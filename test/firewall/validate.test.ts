// Every golden ruleset is accepted by the real tools — `nft -c -f` and `ipset restore` +
// `iptables-restore --test` / `ip6tables-restore --test` — inside a throwaway network namespace (the
// machine's own ruleset is never touched), and loads for real there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { createBackend } from "../../src/firewall/backends/index.js";
import { GOLDEN_FILE, caseNames, loadCase } from "./fixtures.js";
import { createNetns, skipUnlessNetns } from "./netns.js";

const skip = skipUnlessNetns(["ip", "nft", "iptables-restore", "ip6tables-restore", "ipset"]);

for (const name of caseNames()) {
  test(`golden ${name} validates and loads (nftables)`, { skip }, async () => {
    const c = loadCase(name);
    const golden = readFileSync(path.join(c.dir, GOLDEN_FILE.nftables), "utf8");
    const ns = await createNetns();
    try {
      const r = await ns.run(["nft", "-c", "-f", "-"], { input: golden, okCodes: "any" });
      assert.equal(r.code, 0, `nft -c refused ${name}: ${r.stderr}`);
      const backend = createBackend("nftables", ns.run);
      await backend.load(backend.render(c.model));
      const listed = await ns.run(["nft", "list", "table", "inet", "rampart"]);
      assert.match(listed.stdout, /chain input \{/);
    } finally {
      await ns.destroy();
    }
  });

  test(`golden ${name} validates and loads (iptables)`, { skip }, async () => {
    const c = loadCase(name);
    const golden = readFileSync(path.join(c.dir, GOLDEN_FILE.iptables), "utf8");
    const ns = await createNetns();
    try {
      const backend = createBackend("iptables", ns.run);
      const rendered = backend.render(c.model);
      // the golden file is the three rendered files under headers: the same text
      assert.ok(rendered.files.every((f) => golden.includes(f.text)));
      await backend.check(rendered);
      await backend.load(rendered);
      const saved = await ns.run(["iptables-save", "-t", "filter"]);
      assert.match(saved.stdout, /-A INPUT -m comment --comment rampart -j RAMPART-INPUT/);
    } finally {
      await ns.destroy();
    }
  });
}
