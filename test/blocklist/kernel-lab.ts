// The lab proof of `rampart blocklist update`, shared by kernel.test.ts (nftables: the interval sets of
// `table inet rampart`) and ipset-kernel.test.ts (the iptables firewall: ipsets restored into a temporary
// set sized to the data, `ipset swap`ped, destroyed). The server loads the firewall exactly as its boot unit
// does, from `rampart firewall render --backend B --json`; then `rampart blocklist update` runs in it:
//   - a client inside a blocked range cannot connect (v4, v6), one outside can; the admin's SSH source
//     (never-block) wins over a list that holds it;
//   - refreshes that change the list (and its size), while a probe connects continuously from a blocked
//     address, never let one connection through (successes counted: must be 0);
//   - a refresh whose merged result did not change does no kernel work — ipset: `ipset save` byte-identical,
//     initval included (each swap brings in a set with a fresh random hash seed); nftables: `nft monitor`
//     shows no transaction. Both checks are shown able to fail with a --force load.
import assert from "node:assert/strict";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import type { Lab, LabHost } from "../lab/index.js";

export type FirewallBackend = "nftables" | "iptables";

const PORT = 8080;
const LIST = "/etc/rampart/lab.list";
const POLICY = "/etc/rampart/policy.yaml";

// Connects to host:port from this host's address until `ms` ran out (at least once); counts successes.
const PROBE = `
const net = require("node:net");
const [host, port, ms] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const end = Date.now() + ms;
let ok = 0, tries = 0;
const once = () => new Promise((res) => {
  const s = net.connect({ host, port, timeout: 200 });
  s.on("connect", () => { ok++; s.destroy(); res(); });
  s.on("timeout", () => { s.destroy(); res(); });
  s.on("error", () => res());
});
(async () => { do { tries++; await once(); } while (Date.now() < end); console.log(JSON.stringify({ ok, tries })); })();
`;

async function probe(from: LabHost, to: string, ms: number): Promise<{ ok: number; tries: number }> {
  const r = await from.exec([process.execPath, "-e", PROBE, to, String(PORT), String(ms)], { timeoutMs: ms + 15_000 });
  return JSON.parse(r.stdout) as { ok: number; tries: number };
}

interface RenderedJson {
  files: { name: string; loader: string; text: string }[];
}
interface UpdateJson {
  action: string;
  removed: { never: string; reason: string }[];
}

/** Did `fn` change the kernel's blocklist sets? (see the top of this file) */
async function kernelWork(srv: LabHost, backend: FirewallBackend, fn: () => Promise<void>): Promise<boolean> {
  if (backend === "iptables") {
    const save = async () => (await srv.exec(["ipset", "save"])).stdout;
    const before = await save();
    await fn();
    return (await save()) !== before;
  }
  // `nft monitor` between two marker transactions: the first (retried until seen) proves it listens, the
  // second closes the window
  const mon = srv.spawn(["nft", "monitor"]);
  try {
    const ADD = "add table inet rampart_mark";
    const DEL = "delete table inet rampart_mark";
    for (let i = 0; ; i++) {
      await srv.exec(["nft", "add", "table", "inet", "rampart_mark"]);
      if (
        await mon.waitFor(ADD, 300).then(
          () => true,
          () => false,
        )
      )
        break;
      if (i === 30) assert.fail("nft monitor never reported the marker table");
      await srv.exec(["nft", "delete", "table", "inet", "rampart_mark"]);
    }
    const from = mon.stdout.lastIndexOf(ADD);
    await fn();
    await srv.exec(["nft", "delete", "table", "inet", "rampart_mark"]);
    await mon.waitFor(new RegExp(`${ADD}[^]*${DEL}`));
    const window = mon.stdout.slice(from + ADD.length, mon.stdout.indexOf(DEL, from));
    return /element/.test(window) || (window.match(/# new generation/g) ?? []).length > 1;
  } finally {
    await mon.stop();
  }
}

/** Load the firewall as its boot unit does, from `rampart firewall render --backend B --json`. */
export async function loadFirewall(srv: LabHost, backend: FirewallBackend, policy: string): Promise<void> {
  const render = await srv.rampart(["firewall", "render", "--backend", backend, "--json", "--policy", policy]);
  assert.equal(render.code, 0, render.stderr);
  const files = (JSON.parse(render.stdout) as RenderedJson).files;
  const loaders: Record<string, string[]> =
    backend === "iptables"
      ? {
          "rampart.ipset": ["ipset", "restore", "-exist"],
          "rules.v4": ["iptables-restore", "--noflush"],
          "rules.v6": ["ip6tables-restore", "--noflush"],
        }
      : { "rampart.nft": ["nft", "-f"] };
  assert.deepEqual(
    files.map((f) => `${f.name}: ${f.loader}`).sort(),
    Object.entries(loaders).map(([n, l]) => `${n}: ${l.join(" ")}`),
  );
  for (const f of files) {
    const argv = loaders[f.name] as string[];
    await srv.exec(backend === "nftables" ? [...argv, "-"] : argv, { input: f.text });
  }
}

/** The whole sequence for one firewall backend (see the top of this file). */
export async function blocklistKernelSuite(lab: Lab, backend: FirewallBackend): Promise<void> {
  const srv = await lab.host("srv", { role: "server" });
  const adm = await lab.host("adm", { role: "admin" }); // 203.0.113.10: in a listed range, but the SSH source
  const atk = await lab.host("atk", { role: "attacker" }); // 198.51.100.10: blocked
  const out = await lab.host("out", { role: "attacker", net: "b" }); // 203.0.113.100: in no list
  const session = { SSH_CONNECTION: `${adm.v4} 50000 ${srv.v4} 22` };

  await srv.writeFile(
    POLICY,
    `firewall:\n  backend: ${backend}\n  inbound:\n    - { ports: [${PORT}] }\nblocklists:\n  sources:\n    - { name: lab, file: ${LIST} }\n`,
  );
  await loadFirewall(srv, backend, POLICY);
  const listener = srv.spawn([process.execPath, path.join(REPO, "test/firewall/listen.mjs"), String(PORT)]);
  await listener.waitFor("ready");
  for (const c of [adm, atk, out]) assert.equal(await c.tcpProbe(srv.v4, PORT), "open", `${c.name} before any blocklist`);

  const update = async (body: string, extra: string[] = []) => {
    await srv.writeFile(LIST, body);
    const r = await srv.rampart(
      ["blocklist", "update", "--backend", backend === "iptables" ? "ipset" : "nftables", "--policy", POLICY, "--json", ...extra],
      {
        env: session,
        timeoutMs: 120_000,
      },
    );
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout.slice(0, 2000)}`);
    return JSON.parse(r.stdout) as UpdateJson;
  };
  const BASE = "198.51.100.0/24\n203.0.113.0/28\n2001:db8:bad::/64\n";

  const first = await update(BASE);
  assert.equal(first.action, "loaded");
  assert.ok(
    first.removed.some((m) => m.never === adm.v4 && /SSH source/.test(m.reason)),
    JSON.stringify(first.removed),
  );
  if (backend === "iptables") {
    const saved = (await srv.exec(["ipset", "save"])).stdout;
    assert.match(saved, /^add rampart_block_v4 198\.51\.100\.0\/24$/m);
    assert.match(saved, /^add rampart_block_v6 2001:db8:bad::\/64$/m);
    assert.doesNotMatch(saved, /_tmp/, "the temporary sets are gone");
  } else {
    const listed = (await srv.exec(["nft", "list", "table", "inet", "rampart"])).stdout;
    assert.match(listed, /198\.51\.100\.0\/24/);
    assert.match(listed, /2001:db8:bad::\/64/);
  }
  assert.equal(await atk.tcpProbe(srv.v4, PORT), "timeout", "a client inside a blocked range connected (v4)");
  assert.equal(await atk.tcpProbe(srv.v6, PORT), "timeout", "a client inside a blocked range connected (v6)");
  assert.equal(await out.tcpProbe(srv.v4, PORT), "open", "a client outside the lists could not connect");
  assert.equal(await adm.tcpProbe(srv.v4, PORT), "open", "never-block (the admin's source) must win over the list");

  // refreshes that change the list (and its size: maxelem/hashsize follow the data) while a blocked client keeps trying
  const probing = probe(atk, srv.v4, 8000);
  for (let i = 0; i < 4; i++) {
    const extra = Array.from({ length: 20000 * (i + 1) }, (_, k) => `${1 + (k % 200)}.${i}.${(k >> 8) & 255}.${k & 255}`).join("\n");
    assert.equal((await update(`${BASE}${extra}\n`)).action, "loaded");
  }
  const seen = await probing;
  assert.ok(seen.tries > 5, `the probe hardly ran (${seen.tries} tries)`);
  assert.equal(seen.ok, 0, `${seen.ok} of ${seen.tries} connections from a blocked address got through during refreshes`);
  if (backend === "iptables") {
    const header = (await srv.exec(["ipset", "list", "-t", "rampart_block_v4"])).stdout;
    const maxelem = Number(/maxelem (\d+)/.exec(header)?.[1]);
    const entries = Number(/Number of entries: (\d+)/.exec(header)?.[1]);
    assert.ok(entries > 20000 && maxelem >= entries, `sized to the data: ${entries} entries, maxelem ${maxelem}`);
  }

  // back to the base list; then an unchanged refresh leaves the kernel's sets exactly as they are
  assert.equal((await update(BASE)).action, "loaded");
  let action = "";
  const touched = await kernelWork(srv, backend, async () => {
    action = (await update(BASE)).action;
  });
  assert.equal(action, "unchanged");
  assert.equal(touched, false, "an unchanged refresh did kernel work");
  // (the check can fail: a forced load of the same list is seen)
  const forced = await kernelWork(srv, backend, async () => {
    action = (await update(BASE, ["--force"])).action;
  });
  assert.equal(action, "loaded");
  assert.equal(forced, true, "a forced load must be seen by the kernel-work check");
  assert.equal(await atk.tcpProbe(srv.v4, PORT), "timeout");
  assert.equal(await out.tcpProbe(srv.v4, PORT), "open");
}
