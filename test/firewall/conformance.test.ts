// ONE conformance suite for every firewall backend (nftables, iptables): a server host listening on
// several TCP ports, a client in the allowed sources and one outside them; the ruleset is loaded on the
// server by the backend, and connections must succeed, be dropped (timeout) or be refused (reset /
// unreachable) exactly as the policy says — over IPv4 AND IPv6. Also: the named ban set drops a client,
// bans survive a reload, loading twice is idempotent, a Docker-shaped foreign table is byte-identical
// after load and after restore, the admin's session survives a policy without SSH, and IPv6 neighbour
// discovery still works (with ipv6: false too) once the neighbour caches are flushed.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { type BackendName, type FirewallBackend, type FirewallSnapshot, compile, createBackend } from "../../src/firewall/index.js";
import { load as loadBlocklist } from "../../src/blocklist/load.js";
import { fromParsed } from "../../src/blocklist/merge.js";
import { parseList } from "../../src/blocklist/parse.js";
import { parseCidr } from "../../src/core/ip.js";
import { banSetOf, nftBanElement } from "../../src/firewall/sets.js";
import { parsePolicy } from "../../src/policy/load.js";
import type { Runner } from "../../src/system/exec.js";
import { FwNet, type FwHost, type ProbeResult } from "./hosts.js";
import { skipUnlessNetns } from "./netns.js";
import { DOCKER_SHAPED } from "./fixtures.js";

const skip = skipUnlessNetns(["ip", "nft", "iptables-restore", "ip6tables-restore", "ipset"]);
const PORTS = [22, 80, 443, 5432, 8080, 9999];

function policyOf(yaml: string) {
  const r = parsePolicy(yaml, "<test>");
  if (!r.policy) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.policy;
}

/** The backend-specific parts of the suite: how to ban, and how a Docker-shaped foreign table looks. */
interface Dialect {
  ban(run: Runner, addr: string, family: 4 | 6): Promise<void>;
  makeForeign(run: Runner): Promise<void>;
  /** foreign state that must be byte-identical after load (rampart's own lines removed) */
  foreign(run: Runner): Promise<string>;
  /** everything the backend may touch, for idempotence and restore comparisons */
  full(run: Runner): Promise<string>;
  /** add a blocklist entry to rampart_block_v4 */
  block(run: Runner, cidr: string): Promise<void>;
  /** the set's elements as "addr" or "addr timeout SECONDS" (remaining), sorted */
  elements(run: Runner, set: string): Promise<string[]>;
}

/** nft's `1h2m3s500ms` as whole seconds */
const nftSeconds = (d: string) =>
  [...d.matchAll(/(\d+)(ms|h|m|s|d)/g)].reduce(
    (t, [, n, u]) => t + Number(n) * ({ d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 }[u as string] ?? 0),
    0,
  );

const nftDialect: Dialect = {
  ban: async (run, addr, family) => {
    // where the guard puts it (firewall/sets.ts): an address in the address set, an IPv6 /64 as its network
    // address in the /64 set, another prefix in the prefix set
    const at = nftBanElement(parseCidr(addr));
    assert.equal(parseCidr(addr).family, family);
    await run(["nft", "add", "element", "inet", "rampart", at.set, `{ ${at.element} timeout 1h }`]);
  },
  makeForeign: async (run) => {
    await run(["nft", "-f", "-"], {
      input: DOCKER_SHAPED.nftables,
    });
  },
  foreign: async (run) => {
    const nat = await run(["nft", "list", "table", "ip", "nat"]);
    const filter = await run(["nft", "list", "table", "ip", "filter"]);
    return nat.stdout + filter.stdout;
  },
  full: async (run) => (await run(["nft", "-s", "list", "ruleset"])).stdout,
  block: async (run, cidr) => {
    await run(["nft", "add", "element", "inet", "rampart", "rampart_block_v4", `{ ${cidr} }`]);
  },
  elements: async (run, set) => {
    const text = (await run(["nft", "list", "set", "inet", "rampart", set])).stdout;
    const body = /elements = \{([^}]*)\}/.exec(text)?.[1] ?? "";
    return body
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean)
      .map((e) => {
        const m = /^(\S+)(?: timeout \S+)?(?: expires (\S+))?/.exec(e);
        return m?.[2] ? `${m[1]} timeout ${Math.floor(nftSeconds(m[2]))}` : (m?.[1] ?? e);
      })
      .sort();
  },
};

const normSave = (text: string) =>
  text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/, "[0:0]"))
    .join("\n");

const iptDialect: Dialect = {
  ban: async (run, addr, family) => {
    const c = parseCidr(addr);
    assert.equal(c.family, family);
    await run(["ipset", "add", banSetOf(c.family, c.prefix), addr, "timeout", "3600"]);
  },
  makeForeign: async (run) => {
    await run(["iptables-restore"], {
      input: DOCKER_SHAPED.iptables,
    });
  },
  foreign: async (run) => {
    const nat = normSave((await run(["iptables-save", "-t", "nat"])).stdout);
    const filter = normSave((await run(["iptables-save", "-t", "filter"])).stdout)
      .split("\n")
      .filter((l) => !l.includes("RAMPART"))
      .join("\n");
    return `${nat}\n${filter}`;
  },
  full: async (run) => {
    const out: string[] = [];
    for (const prog of ["iptables-save", "ip6tables-save"]) out.push(normSave((await run([prog])).stdout));
    out.push((await run(["ipset", "list", "-n"])).stdout);
    return out.join("\n");
  },
  block: async (run, cidr) => {
    await run(["ipset", "add", "rampart_block_v4", cidr]);
  },
  elements: async (run, set) =>
    (await run(["ipset", "save", set])).stdout
      .split("\n")
      .filter((l) => l.startsWith("add "))
      .map((l) =>
        l
          .split(" ")
          .slice(2)
          .join(" ")
          .replace(/ timeout 0$/, ""),
      )
      .sort(),
};

const DIALECTS: Record<BackendName, Dialect> = { nftables: nftDialect, iptables: iptDialect };

for (const backendName of ["nftables", "iptables"] as const) {
  describe(`firewall conformance: ${backendName}`, { skip }, () => {
    const dialect = DIALECTS[backendName];
    const net = new FwNet();
    let srv: FwHost;
    let good: FwHost; // inside the allowed sources
    let bad: FwHost; // outside them
    let backend: FirewallBackend;
    let pristine: FirewallSnapshot;

    const load = async (yaml: string, facts: { adminSource?: string } = {}) => {
      const rendered = backend.render(compile(policyOf(yaml), facts));
      await backend.check(rendered);
      await backend.load(rendered);
    };
    /** probe every (client, address, port) in parallel; returns "client v4|v6 port → result" lines */
    const matrix = async (clients: FwHost[], ports: number[], timeoutMs = 800): Promise<Record<string, ProbeResult>> => {
      const jobs: Promise<[string, ProbeResult]>[] = [];
      for (const c of clients) {
        for (const fam of ["v4", "v6"] as const) {
          for (const port of ports) {
            jobs.push(c.probe(srv[fam], port, timeoutMs).then((r) => [`${c.name} ${fam} ${port}`, r]));
          }
        }
      }
      return Object.fromEntries(await Promise.all(jobs));
    };

    before(async () => {
      srv = await net.host("srv", "192.0.2.10", "2001:db8:0:1::10");
      good = await net.host("good", "198.51.100.10", "2001:db8:bad::10");
      bad = await net.host("bad", "203.0.113.10", "2001:db8:bad:1::10");
      await srv.listen(PORTS);
      await good.listen(PORTS);
      backend = createBackend(backendName, srv.run);
      pristine = await backend.snapshot();
    });
    after(async () => {
      await net.destroy();
    });
    beforeEach(async () => {
      await backend.restore(pristine);
    });

    test("without rampart every port is open (the network works)", async () => {
      const r = await matrix([good, bad], [80, 9999]);
      for (const [k, v] of Object.entries(r)) assert.equal(v, "open", k);
    });

    test("inbound: ports, multiport, source CIDRs (v4+v6), interface; the rest dropped", async () => {
      await load(`firewall:
  inbound:
    - { ports: [22, 80, 443] }
    - { ports: [5432], interface: eth0, from: [198.51.100.0/24, 2001:db8:bad::/64] }
    - { ports: [8080], interface: eth9 }
`);
      const r = await matrix([good, bad], PORTS);
      const expect: Record<string, ProbeResult> = {};
      for (const c of ["good", "bad"]) {
        for (const fam of ["v4", "v6"]) {
          for (const p of [22, 80, 443]) expect[`${c} ${fam} ${p}`] = "open";
          expect[`${c} ${fam} 5432`] = c === "good" ? "open" : "timeout";
          expect[`${c} ${fam} 8080`] = "timeout";
          expect[`${c} ${fam} 9999`] = "timeout";
        }
      }
      assert.deepEqual(r, expect);
    });

    test("reject mode refuses (reset) instead of dropping", async () => {
      await load("firewall:\n  reject: true\n  inbound:\n    - { ports: [80] }\n");
      const r = await matrix([bad], [80, 9999], 3000);
      assert.deepEqual(r, {
        "bad v4 80": "open",
        "bad v6 80": "open",
        "bad v4 9999": "refused",
        "bad v6 9999": "refused",
      });
    });

    test("ipv6: false drops all IPv6, IPv4 follows the policy", async () => {
      await load("firewall:\n  ipv6: false\n  inbound:\n    - { ports: [80] }\n");
      const r = await matrix([good], [80, 9999]);
      assert.deepEqual(r, { "good v4 80": "open", "good v6 80": "timeout", "good v4 9999": "timeout", "good v6 9999": "timeout" });
    });

    test("neighbour discovery keeps working once the neighbour caches are empty: ipv6 off with an IPv6 admin, and ipv6 on with an egress allowlist", async () => {
      // what a minute of idle does to a neighbour entry, done at once: both sides must ask again (NS/NA)
      const forget = async () => {
        for (const h of [srv, good]) await h.run(["ip", "-6", "neigh", "flush", "dev", "eth0"]);
      };
      await load("firewall:\n  ipv6: false\n  inbound:\n    - { ports: [80] }\n", { adminSource: good.v6 });
      await forget();
      assert.equal(await good.probe(srv.v6, 22, 5000), "open", "the admin's new connection over IPv6 after the entries expired");
      assert.equal(await good.probe(srv.v6, 80), "timeout", "IPv6 stays dropped for everything else");
      await load("firewall:\n  inbound:\n    - { ports: [80] }\n  outbound:\n    allow: [dns]\n");
      await forget();
      assert.equal(await good.probe(srv.v6, 80, 5000), "open", "ipv6 on, output policy drop: the server still answers and asks");
    });

    test("outbound allowlist (the first guide): only the listed services leave the host", async () => {
      await load(`firewall:
  inbound:
    - { service: ssh }
  outbound:
    allow: [dns, icmp, ntp, http, https]
`);
      const out: Record<string, ProbeResult> = {};
      for (const fam of ["v4", "v6"] as const) {
        for (const port of [80, 443, 22, 9999]) out[`${fam} ${port}`] = await srv.probe(good[fam], port);
      }
      assert.deepEqual(out, {
        "v4 80": "open",
        "v4 443": "open",
        "v4 22": "timeout",
        "v4 9999": "timeout",
        "v6 80": "open",
        "v6 443": "open",
        "v6 22": "timeout",
        "v6 9999": "timeout",
      });
      assert.deepEqual(await matrix([good], [22, 80]), {
        "good v4 22": "open",
        "good v6 22": "open",
        "good v4 80": "timeout",
        "good v6 80": "timeout",
      });
    });

    test("per-source rate limit on new connections", async () => {
      await load("firewall:\n  inbound:\n    - { ports: [22], rateLimit: 3/minute }\n");
      const seq: ProbeResult[] = [];
      for (let i = 0; i < 5; i++) seq.push(await good.probe(srv.v4, 22, 600));
      assert.deepEqual(seq, ["open", "open", "open", "timeout", "timeout"]);
      // another source (and the other family of the same host) has its own allowance
      assert.equal(await bad.probe(srv.v4, 22), "open");
      assert.equal(await good.probe(srv.v6, 22), "open");
    });

    test("rampart_ban_v4/v6 elements drop a client; bans survive a reload", async () => {
      const yaml = "firewall:\n  inbound:\n    - { ports: [80] }\n";
      await load(yaml);
      await dialect.ban(srv.run, good.v4, 4);
      assert.deepEqual(await matrix([good, bad], [80]), {
        "good v4 80": "timeout",
        "good v6 80": "open",
        "bad v4 80": "open",
        "bad v6 80": "open",
      });
      await dialect.ban(srv.run, "2001:db8:bad::/64", 6);
      await load(yaml); // a policy reload must not lift bans
      assert.deepEqual(await matrix([good, bad], [80]), {
        "good v4 80": "timeout",
        "good v6 80": "timeout",
        "bad v4 80": "open",
        "bad v6 80": "open",
      });
    });

    test("restore brings back the named sets' elements (bans keep their remaining timeout), even when the sets are gone", async () => {
      const yaml = "firewall:\n  inbound:\n    - { ports: [80] }\n";
      await load(yaml);
      await dialect.ban(srv.run, good.v4, 4);
      await dialect.block(srv.run, "192.0.2.128/25");
      const snap = await backend.snapshot();
      await load("firewall:\n  reject: true\n  inbound:\n    - { ports: [8080] }\n");
      // what a reboot leaves: nothing of rampart's (no rules, no sets); the snapshot goes through JSON like a backup
      await backend.restore(pristine);
      await backend.restore(JSON.parse(JSON.stringify(snap)) as FirewallSnapshot);
      const bans = await dialect.elements(srv.run, "rampart_ban_v4");
      assert.equal(bans.length, 1, bans.join("; "));
      const m = new RegExp(`^${good.v4.replaceAll(".", "\\.")} timeout (\\d+)$`).exec(bans[0] ?? "");
      assert.ok(m, `the ban with its timeout: ${bans.join("; ")}`);
      const left = Number(m[1]);
      assert.ok(left > 3000 && left <= 3600, `the ban keeps its remaining timeout (${left} s left of 3600)`);
      assert.deepEqual(await dialect.elements(srv.run, "rampart_block_v4"), ["192.0.2.128/25"]);
      assert.deepEqual(await matrix([good, bad], [80]), {
        "good v4 80": "timeout",
        "good v6 80": "open",
        "bad v4 80": "open",
        "bad v6 80": "open",
      });
    });

    test("a policy reload after a blocklist load (sets resized to the data) works and keeps the blocklist", async () => {
      const yaml = "firewall:\n  inbound:\n    - { ports: [80] }\n";
      await load(yaml);
      const list = fromParsed(parseList(`${good.v4}/32\n2001:db8:bad::/64\n`, { name: "conformance" }));
      await loadBlocklist(srv.run, backendName === "iptables" ? "ipset" : "nftables", list);
      await load(yaml);
      assert.deepEqual(await dialect.elements(srv.run, "rampart_block_v4"), [good.v4]);
      assert.deepEqual(await matrix([good], [80]), { "good v4 80": "timeout", "good v6 80": "timeout" });
    });

    test("anti-lockout: the admin's source reaches sshd even when the policy opens no SSH and it is banned", async () => {
      await load("firewall:\n  inbound:\n    - { ports: [80] }\n", { adminSource: bad.v4 });
      await dialect.ban(srv.run, bad.v4, 4);
      assert.equal(await bad.probe(srv.v4, 22), "open");
      assert.equal(await bad.probe(srv.v4, 80), "timeout");
      assert.equal(await good.probe(srv.v4, 22), "timeout");
    });

    test("foreign (Docker-shaped) tables are untouched by load and restore; loading twice is idempotent", async () => {
      await dialect.makeForeign(srv.run);
      const foreignBefore = await dialect.foreign(srv.run);
      const fullBefore = await dialect.full(srv.run);
      const snap = await backend.snapshot();
      const yaml = "firewall:\n  forward: true\n  inbound:\n    - { ports: [80] }\n";
      await load(yaml);
      assert.equal(await dialect.foreign(srv.run), foreignBefore, "foreign tables changed by load");
      const once = await dialect.full(srv.run);
      await load(yaml);
      assert.equal(await dialect.full(srv.run), once, "a second load changed the ruleset");
      await backend.restore(snap);
      assert.equal(await dialect.foreign(srv.run), foreignBefore, "foreign tables changed by restore");
      assert.equal(await dialect.full(srv.run), fullBefore, "restore did not bring back the previous ruleset");
    });
  });
}
