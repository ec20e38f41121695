// The lab proof of issue #15 ("nothing rampart loads can cut the host off"), shared by the nftables and the
// ipset versions (safety.test.ts). A server host loads the firewall as its boot unit does, then refreshes a
// list served over HTTPS by another lab host (a certificate made here, trusted through NODE_EXTRA_CA_CERTS):
//   - a good list that holds the resolver named in the server's /etc/resolv.conf, the fleet database
//     (guard.share.postgres, by a name in /etc/hosts), the list server itself and the admin's SSH source is
//     loaded: a blocked client cannot connect, yet DNS answers, the database port connects, the admin connects;
//   - the hostile list (0.0.0.0/0, 1.2.3.4/0, 8.0.0.0/5, ::/0, ::ffff:0:0/96) is refused as a whole: exit 1
//     naming the list and the rule, the kernel's block sets byte-identical, 8.8.8.8 not in them, `blocklist
//     status --json` and the audit (DEF-BLOCKLISTS-REFUSED) show the refusal and how the list was verified;
//   - a plain http:// source without `insecure`/`sha256` is refused by `policy check` and `blocklist update`
//     (exit 2) with a message saying how to allow it.
import assert from "node:assert/strict";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { selfSignedCert } from "../helpers/tls.js";
import type { Lab, LabHost } from "../lab/index.js";
import { type FirewallBackend, loadFirewall } from "./kernel-lab.js";

const PORT = 8080;
const DB_PORT = 5432;
const WEB_PORT = 8443;
const POLICY = "/etc/rampart/policy.yaml";
const HOSTILE = "0.0.0.0/0\n1.2.3.4/0\n8.0.0.0/5\n::/0\n::ffff:0:0/96\n";

/** The block sets as the kernel holds them (for a byte comparison). */
async function blockSets(srv: LabHost, backend: FirewallBackend): Promise<string> {
  if (backend === "iptables") {
    const r = await srv.exec(["ipset", "save"]);
    // initval is the set's hash seed; kept: an unchanged set must be the very same set
    return r.stdout
      .split("\n")
      .filter((l) => /rampart_block_v[46]\b/.test(l))
      .join("\n");
  }
  const v4 = await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_block_v4"]);
  const v6 = await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_block_v6"]);
  return `${v4.stdout}${v6.stdout}`;
}

async function inBlockSet(srv: LabHost, backend: FirewallBackend, ip: string): Promise<boolean> {
  const r =
    backend === "iptables"
      ? await srv.exec(["ipset", "test", "rampart_block_v4", ip], { okCodes: "any" })
      : await srv.exec(["nft", "get", "element", "inet", "rampart", "rampart_block_v4", `{ ${ip} }`], { okCodes: "any" });
  return r.code === 0;
}

interface UpdateJson {
  action: string;
  errors: string[];
  refused: { list: string; rule: string; detail: string }[];
  removed: { never: string; reason: string }[];
}

export async function blocklistSafetySuite(lab: Lab, backend: FirewallBackend): Promise<void> {
  const srv = await lab.host("srv", { role: "server" }); // 192.0.2.10
  const web = await lab.host("web", { role: "server" }); // 192.0.2.11: the list server
  const dns = await lab.host("dns", { role: "attacker" }); // 198.51.100.10: the resolver, inside a listed range
  const atk = await lab.host("atk", { role: "attacker" }); // 198.51.100.11: blocked
  const db = await lab.host("db", { role: "attacker", net: "b" }); // 203.0.113.100: the fleet database, listed
  const adm = await lab.host("adm", { role: "admin" }); // 203.0.113.10: listed, but the admin's SSH source
  const session = { SSH_CONNECTION: `${adm.v4} 50000 ${srv.v4} 22` };

  // an HTTPS list server with a certificate for its address, trusted by rampart through NODE_EXTRA_CA_CERTS
  const cert = path.join(lab.dir, "web-cert.pem");
  const key = path.join(lab.dir, "web-key.pem");
  await selfSignedCert({ cert, key, ip: web.v4, name: "rampart-lab-web" });
  const listFile = path.join(lab.dir, "served.list");
  const serve = async (text: string) => web.writeFile(listFile, text);
  await serve("198.51.100.0/24\n");
  const server = web.spawn([process.execPath, path.join(REPO, "test/blocklist/https-serve.mjs"), String(WEB_PORT), listFile, cert, key]);
  await server.waitFor("ready");

  // the resolver the server's lookups go to, and the fleet database by name
  const resolver = dns.spawn([process.execPath, path.join(REPO, "test/blocklist/dns-answer.mjs"), "192.0.2.99"]);
  await resolver.waitFor("ready");
  await srv.writeFile("/etc/resolv.conf", `nameserver ${dns.v4}\noptions timeout:1 attempts:1\n`);
  await srv.appendFile("/etc/hosts", `${db.v4} db.lab.test\n`);
  const dbListener = db.spawn([process.execPath, path.join(REPO, "test/firewall/listen.mjs"), String(DB_PORT)]);
  await dbListener.waitFor("ready");

  await srv.writeFile(
    POLICY,
    [
      "firewall:",
      `  backend: ${backend}`,
      "  inbound:",
      `    - { ports: [${PORT}] }`,
      "guard:",
      `  share: { postgres: "postgres://rampart@db.lab.test:${DB_PORT}/rampart", insecure: true }`,
      "blocklists:",
      "  sources:",
      `    - { name: lab-https, url: "https://${web.v4}:${WEB_PORT}/list.txt" }`,
      "",
    ].join("\n"),
  );
  await loadFirewall(srv, backend, POLICY);
  const listener = srv.spawn([process.execPath, path.join(REPO, "test/firewall/listen.mjs"), String(PORT)]);
  await listener.waitFor("ready");

  const update = async (policy = POLICY) => {
    const r = await srv.rampart(
      ["blocklist", "update", "--backend", backend === "iptables" ? "ipset" : "nftables", "--policy", policy, "--json"],
      { env: { ...session, NODE_EXTRA_CA_CERTS: cert }, timeoutMs: 120_000 },
    );
    return { ...r, json: r.stdout.trim().startsWith("{") ? (JSON.parse(r.stdout) as UpdateJson) : undefined };
  };
  const lookup = async () => (await srv.exec(["getent", "ahostsv4", "probe.lab.test"], { okCodes: "any", timeoutMs: 10_000 })).stdout;

  // a good list holding the resolver, the database, the list server and the admin
  await serve(`198.51.100.0/24\n203.0.113.0/24\n192.0.2.0/24\n2001:db8:bad::/48\n`);
  const good = await update();
  assert.equal(good.code, 0, `${good.stderr}\n${good.stdout.slice(0, 2000)}`);
  assert.equal(good.json?.action, "loaded");
  const kept = (good.json?.removed ?? []).map((m) => `${m.never} ${m.reason}`);
  for (const want of [
    `${dns.v4} a resolver in /etc/resolv.conf`,
    `${db.v4} the fleet database db.lab.test (guard.share)`,
    `${web.v4} the server of blocklist lab-https (${web.v4})`,
    `${adm.v4} the admin's current SSH source`,
  ]) {
    assert.ok(kept.includes(want), `never-block must keep "${want}": ${kept.join("; ")}`);
  }
  assert.equal(await atk.tcpProbe(srv.v4, PORT), "timeout", "a listed client connected");
  assert.equal(await inBlockSet(srv, backend, atk.v4), true);
  assert.match(await lookup(), /^192\.0\.2\.99\s/m, "DNS through the listed resolver must still answer");
  assert.equal(await srv.tcpProbe(db.v4, DB_PORT), "open", "the fleet database must stay reachable");
  assert.equal(await adm.tcpProbe(srv.v4, PORT), "open", "the admin must stay reachable");

  // the hostile list: refused as a whole, nothing in the kernel changes
  const before = await blockSets(srv, backend);
  await serve(`${HOSTILE}198.51.100.0/24\n`);
  const bad = await update();
  assert.equal(bad.code, 1, `${bad.stderr}\n${bad.stdout.slice(0, 2000)}`);
  assert.deepEqual(
    bad.json?.refused.map((x) => [x.list, x.rule]),
    [["lab-https", "min-prefix"]],
  );
  assert.match(bad.json?.errors.join("\n") ?? "", /lab-https: refused as a whole \(rule min-prefix\): 5 entries are too wide/);
  assert.notEqual(bad.json?.action, "loaded");
  assert.equal(await blockSets(srv, backend), before, "the kernel's block sets must be byte-identical after a refused list");
  for (const ip of ["8.8.8.8", "1.1.1.1"]) assert.equal(await inBlockSet(srv, backend, ip), false, `${ip} in the block set`);
  assert.equal(await atk.tcpProbe(srv.v4, PORT), "timeout", "the last good set stays loaded");
  assert.match(await lookup(), /^192\.0\.2\.99\s/m);

  const status = await srv.rampart(["blocklist", "status", "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const st = JSON.parse(status.stdout) as {
    lists: Record<
      string,
      { refused?: { rule: string; samples?: { line: number }[] }; fetched?: { verified: string; addresses: string[] } }
    >;
  };
  const l = st.lists["lab-https"];
  assert.equal(l?.refused?.rule, "min-prefix");
  assert.deepEqual(
    l?.refused?.samples?.map((x) => x.line),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(l?.fetched, { url: `https://${web.v4}:${WEB_PORT}/list.txt`, addresses: [web.v4], verified: "https" });
  const text = await srv.rampart(["blocklist", "status"]);
  assert.match(text.stdout, /REFUSED at .* \(rule min-prefix\)/);
  const audit = await srv.rampart(["audit", "--only", "defence", "--format", "json", "--policy", POLICY]);
  const check = (JSON.parse(audit.stdout) as { checks: { id: string; status: string; evidence?: { observed?: unknown } }[] }).checks.find(
    (c) => c.id === "DEF-BLOCKLISTS-REFUSED",
  );
  assert.equal(check?.status, "fail", audit.stdout.slice(0, 2000));
  assert.match(JSON.stringify(check?.evidence?.observed), /lab-https: rule min-prefix/);

  // plain http without insecure/sha256: refused before anything is fetched, saying how to allow it
  const HTTP_POLICY = "/etc/rampart/http.yaml";
  await srv.writeFile(HTTP_POLICY, `blocklists:\n  sources:\n    - { name: lab-http, url: "http://${web.v4}:${WEB_PORT}/list.txt" }\n`);
  const checked = await srv.rampart(["policy", "check", HTTP_POLICY]);
  assert.equal(checked.code, 2, checked.stdout + checked.stderr);
  assert.match(checked.stdout + checked.stderr, /plain http/);
  assert.match(checked.stdout + checked.stderr, /insecure: true/);
  assert.match(checked.stdout + checked.stderr, /sha256/);
  const refusedHttp = await update(HTTP_POLICY);
  assert.equal(refusedHttp.code, 2, refusedHttp.stdout + refusedHttp.stderr);
  assert.match(refusedHttp.stderr, /insecure: true/);
  assert.equal(await blockSets(srv, backend), before);
}
