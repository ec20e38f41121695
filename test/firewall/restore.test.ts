// A rollback's backend restore with the real tools in a throwaway namespace, when something goes wrong on the
// way: the rules always come back (or fail open, never staying the new ones), whatever happens to the sets.
// iptables: a blocklist refresh that shrank a set during the confirm window (its saved elements no longer fit
// the live set), a saved set ipset refuses, a saved filter table iptables refuses; nftables: a saved table nft
// refuses. IPv6 blocklist entries are in 2001:db8::/32.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IpSet } from "../../src/blocklist/merge.js";
import { loadIpset } from "../../src/blocklist/load.js";
import type { FirewallBackend, FirewallSnapshot } from "../../src/firewall/backend.js";
import { IptablesBackend } from "../../src/firewall/backends/iptables.js";
import { NftablesBackend } from "../../src/firewall/backends/nftables.js";
import { compile } from "../../src/firewall/compile.js";
import { defaultPolicy } from "../../src/policy/load.js";
import type { InboundRule } from "../../src/policy/schema.js";
import type { Runner } from "../../src/system/exec.js";
import { createNetns, type Netns } from "./netns.js";
import { skipUnlessNetns } from "./netns.js";

const skip = skipUnlessNetns(["ip", "nft", "iptables-restore", "ip6tables-restore", "ipset"]);

/** n single IPv6 addresses 2001:db8::, 2001:db8::2, … as a merged blocklist (no IPv4). */
function v6List(n: number): IpSet {
  const base = 0x20010db8n << 96n;
  const starts: bigint[] = [];
  for (let i = 0; i < n; i++) starts.push(base + BigInt(i) * 2n);
  return { v4: { starts: new Uint32Array(0), ends: new Uint32Array(0), length: 0 }, v6: { starts, ends: starts } };
}

const rulesFor = (backend: FirewallBackend, port: string) => {
  const p = defaultPolicy();
  p.firewall.inbound = [{ ports: [port] } as InboundRule];
  return backend.render(compile(p, {}));
};

/** iptables-save of the filter table without its comment lines (they carry the time). */
async function filter(run: Runner, f: 4 | 6): Promise<string> {
  const r = await run([f === 4 ? "iptables-save" : "ip6tables-save", "-t", "filter"]);
  return r.stdout
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");
}

async function setHeader(run: Runner, name: string): Promise<{ maxelem: number; entries: number }> {
  const t = (await run(["ipset", "list", name, "-t"])).stdout;
  return { maxelem: Number(/maxelem (\d+)/.exec(t)?.[1]), entries: Number(/Number of entries: (\d+)/.exec(t)?.[1]) };
}

async function inNetns(fn: (ns: Netns) => Promise<void>): Promise<void> {
  const ns = await createNetns();
  try {
    await fn(ns);
  } finally {
    await ns.destroy();
  }
}

test("iptables: a blocklist that shrank in the confirm window — the rules come back, and the set with its saved size", { skip }, () =>
  inNetns(async (ns) => {
    const b = new IptablesBackend(ns.run);
    await b.load(rulesFor(b, "22"));
    await loadIpset(ns.run, v6List(70_000));
    const saved = [await filter(ns.run, 4), await filter(ns.run, 6)];
    assert.deepEqual(await setHeader(ns.run, "rampart_block_v6"), { maxelem: 131072, entries: 70_000 });
    const snap = await b.snapshot();
    await b.load(rulesFor(b, "80"));
    await loadIpset(ns.run, v6List(50_000)); // a refresh: the live set is swapped for one sized to 50k (65536)
    assert.equal((await setHeader(ns.run, "rampart_block_v6")).maxelem, 65536);
    await b.restore(snap);
    assert.deepEqual([await filter(ns.run, 4), await filter(ns.run, 6)], saved);
    assert.deepEqual(await setHeader(ns.run, "rampart_block_v6"), { maxelem: 131072, entries: 70_000 });
    const sets = (await ns.run(["ipset", "list", "-n"])).stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(
      sets.filter((s) => s.endsWith("_rbk")),
      [],
      "no temporary set left",
    );
  }),
);

test("iptables: a saved set ipset refuses is reported, after the filter tables and the other sets are back", { skip }, () =>
  inNetns(async (ns) => {
    const b = new IptablesBackend(ns.run);
    await b.load(rulesFor(b, "22"));
    await ns.run(["ipset", "add", "rampart_ban_v4", "192.0.2.7"]);
    await ns.run(["ipset", "add", "rampart_block_v6", "2001:db8::/48"]);
    const saved = [await filter(ns.run, 4), await filter(ns.run, 6)];
    const snap = await b.snapshot();
    await b.load(rulesFor(b, "80"));
    await ns.run(["ipset", "flush", "rampart_ban_v4"]);
    const text = snap.parts["ipsets.save"] ?? "";
    assert.match(text, /^add rampart_block_v6 2001:db8::\/48$/m);
    const broken: FirewallSnapshot = {
      ...snap,
      parts: { ...snap.parts, "ipsets.save": text.replace("add rampart_block_v6 2001:db8::/48", "add rampart_block_v6 2001:db8::/999") },
    };
    await assert.rejects(b.restore(broken), (e: Error) => {
      assert.match(e.message, /not fully restored:\n {2}- ipset rampart_block_v6: ipset refused the saved set/);
      assert.doesNotMatch(e.message, /filter table/);
      return true;
    });
    assert.deepEqual([await filter(ns.run, 4), await filter(ns.run, 6)], saved);
    assert.match((await ns.run(["ipset", "list", "rampart_ban_v4"])).stdout, /^192\.0\.2\.7 timeout \d+$/m, "the other sets are back");
  }),
);

test("iptables: a saved filter table iptables refuses fails open for that family; the other family and the sets come back", { skip }, () =>
  inNetns(async (ns) => {
    const b = new IptablesBackend(ns.run);
    await b.load(rulesFor(b, "22"));
    await ns.run(["ipset", "add", "rampart_ban_v6", "2001:db8::7"]);
    const savedV6 = await filter(ns.run, 6);
    const snap = await b.snapshot();
    await b.load(rulesFor(b, "80"));
    await ns.run(["ipset", "flush", "rampart_ban_v6"]);
    const broken: FirewallSnapshot = { ...snap, parts: { ...snap.parts, "filter.v4": "*filter\n-A NO-SUCH-CHAIN -j ACCEPT\nCOMMIT\n" } };
    await assert.rejects(b.restore(broken), /IPv4 filter table: iptables-restore refused the saved IPv4 filter table: .*\n?.*failed open/);
    assert.doesNotMatch(await filter(ns.run, 4), /RAMPART/, "no rampart jump or chain is left in IPv4");
    assert.equal(await filter(ns.run, 6), savedV6);
    assert.match((await ns.run(["ipset", "list", "rampart_ban_v6"])).stdout, /^2001:db8::7 timeout \d+$/m);
  }),
);

test("iptables: failOpen removes rampart's jumps and chains in both families and keeps the sets", { skip }, () =>
  inNetns(async (ns) => {
    const b = new IptablesBackend(ns.run);
    await b.failOpen(); // nothing loaded: nothing to do
    await b.load(rulesFor(b, "80"));
    await ns.run(["ipset", "add", "rampart_ban_v4", "198.51.100.9"]);
    await b.failOpen();
    for (const f of [4, 6] as const) assert.doesNotMatch(await filter(ns.run, f), /RAMPART|rampart/);
    assert.match((await ns.run(["ipset", "list", "rampart_ban_v4"])).stdout, /^198\.51\.100\.9 timeout \d+$/m);
  }),
);

test("nftables: a saved table nft refuses fails open (table inet rampart deleted), other tables untouched", { skip }, () =>
  inNetns(async (ns) => {
    const b = new NftablesBackend(ns.run);
    await ns.run(["nft", "add", "table", "ip", "foreign"]);
    await b.load(rulesFor(b, "22"));
    const snap = await b.snapshot();
    await b.load(rulesFor(b, "80"));
    const broken: FirewallSnapshot = { ...snap, parts: { table: "table inet rampart {\n\tchain input { this is not nft }\n}\n" } };
    await assert.rejects(
      b.restore(broken),
      /nft refused to restore the saved rampart table: .*failed open: table inet rampart is deleted/s,
    );
    const tables = (await ns.run(["nft", "list", "tables"])).stdout;
    assert.doesNotMatch(tables, /table inet rampart/);
    assert.match(tables, /table ip foreign/);
    await b.failOpen(); // no table: not an error
  }),
);
