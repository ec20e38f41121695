// A refresh end to end, without the kernel: a real HTTP server on 127.0.0.1 (ETag, 304, 500, shrinking
// lists), a temporary root for the cache and state, and a recording Runner in place of nft/ip/who.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, writeFile, mkdir } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { MAX_LIST_BYTES, fetchList } from "../../src/blocklist/fetch.js";
import { DEFAULT_LIMITS } from "../../src/blocklist/sanity.js";
import { updateBlocklists, type UpdateInput } from "../../src/blocklist/update.js";
import { FakeClock } from "../../src/core/clock.js";
import { createLogger } from "../../src/core/logger.js";
import type { RunOptions, RunResult, Runner } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";
import { runCli } from "../helpers/cli.js";

let server: Server;
let base = "";
let body = "";
let etag = '"v1"';
let failNext = 0;
const hits: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.url} ${req.headers["if-none-match"] ?? "-"}`);
    if (failNext > 0) {
      failNext--;
      res.writeHead(500).end("boom");
      return;
    }
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { etag, "content-type": "text/plain" }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function recorder(): { run: Runner; calls: { argv: string[]; input: string }[] } {
  const calls: { argv: string[]; input: string }[] = [];
  const run: Runner = async (argv, options: RunOptions = {}) => {
    calls.push({ argv: [...argv], input: options.input === undefined ? "" : options.input.toString() });
    const res = (code: number, stdout = ""): RunResult => ({ argv, code, stdout, stderr: "", durationMs: 0 });
    if (argv[0] === "ip")
      return res(0, JSON.stringify([{ ifname: "eth0", addr_info: [{ family: "inet", local: "198.51.100.77", prefixlen: 24 }] }]));
    if (argv[0] === "who") return res(0, "admin    pts/0        2026-01-01 10:00 (203.0.113.10)\n");
    if (argv[0] === "nft" && argv[1] === "list") return res(1);
    return res(0);
  };
  return { run, calls };
}

const quiet = createLogger({ write: () => {}, level: "error" });
const noSleep = (url: string, o: Parameters<typeof fetchList>[1] = {}) => fetchList(url, { ...o, sleep: async () => {}, timeoutMs: 5000 });

async function setup() {
  const root = await mkdtemp(path.join(os.tmpdir(), "rampart-bl-"));
  const rec = recorder();
  const deps = { fs: new HostFs(root), run: rec.run, clock: new FakeClock(Date.UTC(2026, 5, 6, 12)), log: quiet, fetch: noSleep, env: {} };
  return { root, rec, deps };
}

const input = (over: Partial<UpdateInput> = {}): UpdateInput => ({
  sources: [{ name: "test-drop", url: `${base}/drop.txt`, format: "auto", insecure: true }],
  never: ["192.0.2.200"],
  allowPrivate: false,
  backend: "nftables",
  ...over,
});

test("refresh: load once, 304 and unchanged lists do no kernel work, bad downloads keep the last good copy", async () => {
  const { root, rec, deps } = await setup();
  try {
    body =
      "; Last-Modified: Sat, 06 Jun 2026 06:00:00 GMT\n10.0.0.0/8 ; SBL1\n192.0.2.0/24 ; SBL2\n198.51.100.0/24 ; SBL3\n203.0.113.0/24 ; SBL4\n2001:db8:bad::/48 ; SBL5\n";
    etag = '"v1"';
    const r1 = await updateBlocklists(input(), deps);
    assert.equal(r1.action, "loaded");
    assert.deepEqual(r1.errors, []);
    const nft = rec.calls.filter((c) => c.argv.join(" ") === "nft -f -");
    assert.equal(nft.length, 1, "one nft transaction");
    const script = nft[0]?.input ?? "";
    // sets created (none loaded), flushed and refilled in the same file; never-block entries cut out
    assert.match(script, /^add table inet rampart\n/);
    assert.match(script, /flush set inet rampart rampart_block_v4\nadd element inet rampart rampart_block_v4 \{ /);
    assert.ok(!script.includes("10.0.0.0"), "private 10/8 is never blocked");
    assert.ok(script.includes("192.0.2.0-192.0.2.199, 192.0.2.201-192.0.2.255"), script);
    assert.ok(script.includes("198.51.100.0-198.51.100.76, 198.51.100.78-198.51.100.255"), "own address removed");
    assert.ok(script.includes("203.0.113.0-203.0.113.9, 203.0.113.11-203.0.113.255"), "admin's SSH source removed");
    assert.ok(script.includes("2001:db8:bad::/48"));
    const reasons = r1.removed.map((m) => `${m.list} ${m.never}`).sort();
    assert.deepEqual(reasons, ["test-drop 10.0.0.0/8", "test-drop 192.0.2.200", "test-drop 198.51.100.77", "test-drop 203.0.113.10"]);
    const state = JSON.parse(await readFile(path.join(root, "var/lib/rampart/blocklists.json"), "utf8"));
    assert.equal(state.lists["test-drop"].etag, '"v1"');
    assert.equal(state.lists["test-drop"].entries, 5);
    assert.equal(await readFile(path.join(root, "var/cache/rampart/blocklists/test-drop.list"), "utf8"), body);

    // 304 Not Modified: same result, no kernel work
    rec.calls.length = 0;
    const r2 = await updateBlocklists(input(), deps);
    assert.equal(r2.action, "unchanged");
    assert.equal(rec.calls.filter((c) => c.argv[0] === "nft").length, 0);
    assert.equal(hits.at(-1), '/drop.txt "v1"');

    // a list that shrank to under half: refused, the cached copy stays, reported
    body = "192.0.2.0/24\n";
    etag = '"v2"';
    const r3 = await updateBlocklists(input(), deps);
    assert.equal(r3.action, "unchanged");
    assert.match(r3.errors[0] ?? "", /shrank from 5 to 1 entries.*kept the last good copy/);
    assert.match(await readFile(path.join(root, "var/cache/rampart/blocklists/test-drop.list"), "utf8"), /SBL5/);
    // the server still serves it: refused again, not a 304 on the refused copy's ETag that hides the refusal
    const r3b = await updateBlocklists(input(), deps);
    assert.equal(hits.at(-1), '/drop.txt "v1"', "asked with the kept copy's ETag");
    assert.match(r3b.errors[0] ?? "", /shrank from 5 to 1 entries/);

    // server errors on every attempt (4 = 1 + 3 retries): reported, last good copy used
    failNext = 4;
    const r4 = await updateBlocklists(input(), deps);
    assert.match(r4.errors[0] ?? "", /HTTP 500.*kept the last good copy/);
    assert.equal(r4.merged.v4.addresses, r1.merged.v4.addresses);

    // an empty download: refused too
    body = "# nothing\n";
    etag = '"v3"';
    const r5 = await updateBlocklists(input(), deps);
    assert.match(r5.errors[0] ?? "", /holds no entries/);
    assert.equal(r5.action, "unchanged");

    // a real change: loaded again; force reloads an unchanged one
    body = "192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n2001:db8:bad::/48\n2001:db8:beef::/48\n";
    etag = '"v4"';
    rec.calls.length = 0;
    assert.equal((await updateBlocklists(input(), deps)).action, "loaded");
    assert.equal((await updateBlocklists(input(), deps)).action, "unchanged");
    assert.equal((await updateBlocklists(input({ force: true }), deps)).action, "loaded");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("dry run: no kernel work, no state or cache written; ipset backend swaps a temporary set", async () => {
  const { root, rec, deps } = await setup();
  try {
    body = "192.0.2.0/24\n2001:db8:bad::/48\n";
    etag = '"d1"';
    const r = await updateBlocklists(input({ dryRun: true }), deps);
    assert.equal(r.action, "dry-run");
    assert.equal(rec.calls.filter((c) => c.argv[0] === "nft").length, 0);
    await assert.rejects(readFile(path.join(root, "var/lib/rampart/blocklists.json")));
    const r2 = await updateBlocklists(input({ backend: "ipset" }), deps);
    assert.equal(r2.action, "loaded");
    const restore = rec.calls.find((c) => c.argv.join(" ") === "ipset restore")?.input ?? "";
    assert.match(restore, /^create rampart_block_v4_tmp hash:net family inet hashsize 1024 maxelem 65536\n/);
    assert.match(restore, /add rampart_block_v4_tmp 192\.0\.2\.0\/25\n/);
    assert.match(restore, /swap rampart_block_v4_tmp rampart_block_v4\ndestroy rampart_block_v4_tmp\n/);
    assert.match(restore, /add rampart_block_v6_tmp 2001:db8:bad::\/48\n/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("a corrupt state file is a clear error and is left in place", async () => {
  const { root, deps } = await setup();
  try {
    const file = path.join(root, "var/lib/rampart/blocklists.json");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version":1,"lists":{"a":');
    await assert.rejects(updateBlocklists(input(), deps), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "STATE");
      assert.match(e.message, /corrupt or half-written/);
      assert.match(e.hint ?? "", /mv .*blocklists\.json/);
      return true;
    });
    assert.equal(await readFile(file, "utf8"), '{"version":1,"lists":{"a":');
    const cli = await runCli(["blocklist", "status", "--state-dir", path.dirname(file)]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /corrupt or half-written/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("fetch: size cap, timeout-free 404 is not retried", async () => {
  body = "192.0.2.1\n".repeat(1000);
  etag = '"big"';
  await assert.rejects(fetchList(`${base}/big`, { maxBytes: 100, retries: 0, allowHttp: true }), /larger than the 100-byte cap/);
  failNext = 0;
});

// ---- issue #15: nothing a list says can cut the host off

const HOSTILE = "0.0.0.0/0\n1.2.3.4/0\n8.0.0.0/5\n::/0\n::ffff:0:0/96\n";

test("sanity: a hostile list is refused as a whole, the last good copy stays, the refusal names list and rule", async () => {
  const { root, rec, deps } = await setup();
  try {
    body = "198.51.100.0/24\n2001:db8:bad::/48\n";
    etag = '"h1"';
    const good = await updateBlocklists(input(), deps);
    assert.equal(good.action, "loaded");
    body = `${HOSTILE}198.51.100.0/24\n`;
    etag = '"h2"';
    rec.calls.length = 0;
    const r = await updateBlocklists(input(), deps);
    assert.equal(r.action, "unchanged", "the kept copy is what is loaded: no kernel work");
    assert.equal(rec.calls.filter((c) => c.argv[0] === "nft").length, 0);
    assert.equal(r.hash, good.hash);
    assert.deepEqual(
      r.refused.map((x) => [x.list, x.rule]),
      [["test-drop", "min-prefix"]],
    );
    assert.match(
      r.errors[0] ?? "",
      /^test-drop: refused as a whole \(rule min-prefix\): 5 entries are too wide \(line 1: 0\.0\.0\.0\/0: .*kept the last good copy/,
    );
    const state = JSON.parse(await readFile(path.join(root, "var/lib/rampart/blocklists.json"), "utf8"));
    assert.equal(state.lists["test-drop"].refused.rule, "min-prefix");
    assert.equal(state.lists["test-drop"].refused.samples.length, 5);
    assert.doesNotMatch(await readFile(path.join(root, "var/cache/rampart/blocklists/test-drop.list"), "utf8"), /0\.0\.0\.0\/0/);
    // status --json and the text status show it
    const cli = await runCli(["blocklist", "status", "--state-dir", path.join(root, "var/lib/rampart")]);
    assert.match(cli.stdout, /REFUSED at .* \(rule min-prefix\)/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("sanity: a list over its share of public space is refused unless the policy raises its cap; the merged cap too", async () => {
  const { root, deps } = await setup();
  try {
    body = "16.0.0.0/8\n17.0.0.0/8\n18.0.0.0/8\n"; // ≈ 1.4% of public IPv4
    etag = '"s1"';
    const tight = { minPrefixV4: 8, minPrefixV6: 19, maxShare: 1, maxMergedShare: 5, raise: {}, maxEntries: 1_000_000 };
    const r1 = await updateBlocklists(input({ limits: tight }), deps);
    assert.equal(r1.action, "empty", "no good copy yet: nothing loaded");
    assert.deepEqual(
      r1.refused.map((x) => x.rule),
      ["max-share"],
    );
    assert.match(r1.errors[0] ?? "", /covers 1\.\d\d% of the public IPv4 space, over the 1% cap .*blocklists\.limits\.raise\.test-drop/);
    const raised = { ...tight, raise: { "test-drop": { maxShare: 2, reason: "a big list" } } };
    const r2 = await updateBlocklists(input({ limits: raised }), deps);
    assert.equal(r2.action, "loaded");
    assert.deepEqual(r2.refused, []);
    // the merged result: within each list's cap, over the merged cap → nothing loaded at all
    const merged = { ...tight, maxShare: 2, maxMergedShare: 1 };
    const r3 = await updateBlocklists(input({ limits: merged, force: true }), deps);
    assert.equal(r3.action, "refused");
    assert.deepEqual(
      r3.refused.map((x) => [x.list, x.rule]),
      [["merged", "max-merged-share"]],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("sources: plain http is refused without insecure/sha256; a pinned sha256 must match; how it was verified is kept", async () => {
  const { root, deps } = await setup();
  try {
    body = "198.51.100.0/24\n";
    etag = '"p1"';
    const plain = await updateBlocklists(input({ sources: [{ name: "test-drop", url: `${base}/drop.txt`, format: "auto" }] }), deps);
    assert.deepEqual(
      plain.refused.map((x) => x.rule),
      ["insecure-http"],
    );
    assert.match(plain.errors[0] ?? "", /plain http.*Use an https:\/\/ URL; or pin .*sha256.*insecure: true/);
    const digest = createHash("sha256").update(body).digest("hex");
    const pinned = await updateBlocklists(
      input({ sources: [{ name: "test-drop", url: `${base}/drop.txt`, format: "auto", sha256: digest }] }),
      deps,
    );
    assert.equal(pinned.action, "loaded");
    assert.equal(pinned.lists[0]?.fetched?.verified, "sha256");
    assert.deepEqual(pinned.lists[0]?.fetched?.addresses, ["127.0.0.1"]);
    body = "198.51.100.0/24\n203.0.113.0/24\n";
    etag = '"p2"';
    const wrong = await updateBlocklists(
      input({ sources: [{ name: "test-drop", url: `${base}/drop.txt`, format: "auto", sha256: digest }] }),
      deps,
    );
    assert.deepEqual(
      wrong.refused.map((x) => x.rule),
      ["sha256"],
    );
    assert.equal(wrong.hash, pinned.hash, "the pinned copy stays");
    const insecure = await updateBlocklists(input(), deps);
    assert.equal(insecure.lists[0]?.fetched?.verified, "insecure-http");
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("never-block keeps the host alive: resolvers, gateways, NTP servers, the fleet database, the list's own server", async () => {
  const { root, rec, deps } = await setup();
  try {
    await mkdir(path.join(root, "etc/systemd"), { recursive: true });
    await writeFile(path.join(root, "etc/resolv.conf"), "search lab\nnameserver 198.51.100.53\nnameserver 2001:db8:bad::53\n");
    await writeFile(path.join(root, "etc/systemd/timesyncd.conf"), "[Time]\nNTP=ntp.lab 198.51.100.124\n");
    const run: Runner = async (argv, o) =>
      argv[0] === "ip" && argv[3] === "route"
        ? {
            argv,
            code: 0,
            stdout: JSON.stringify(argv[2] === "-4" ? [{ dst: "default", gateway: "198.51.100.1" }] : []),
            stderr: "",
            durationMs: 0,
          }
        : rec.run(argv, o);
    const resolve = async (h: string) => (h === "ntp.lab" ? ["198.51.100.123"] : h === "db.lab" ? ["198.51.100.54"] : []);
    body = "198.51.100.0/24\n2001:db8:bad::/48\n127.0.0.0/8\n";
    etag = '"k1"';
    const r = await updateBlocklists(input({ fleetDatabase: "postgres://rampart@db.lab:5432/rampart" }), { ...deps, run, resolve });
    assert.equal(r.action, "loaded");
    const kept = r.removed.map((m) => `${m.never} ${m.reason}`);
    for (const want of [
      /^198\.51\.100\.53 a resolver in \/etc\/resolv\.conf$/,
      /^2001:db8:bad::53 a resolver in \/etc\/resolv\.conf$/,
      /^198\.51\.100\.1 a default gateway$/,
      /^198\.51\.100\.123 NTP server ntp\.lab$/,
      /^198\.51\.100\.124 NTP server 198\.51\.100\.124$/,
      /^198\.51\.100\.54 the fleet database db\.lab \(guard\.share\)$/,
    ]) {
      assert.ok(
        kept.some((k) => want.test(k)),
        `${want} in ${kept.join("; ")}`,
      );
    }
    const script = rec.calls.find((c) => c.argv.join(" ") === "nft -f -")?.input ?? "";
    assert.ok(script.includes("198.51.100.0, 198.51.100.2-198.51.100.52, 198.51.100.55-198.51.100.76"), script);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

// ---- review items: trusted sources, terminal escapes, memory

test("max-entries: a list over blocklists.limits.maxEntries is refused as a whole, the last good copy stays loaded", async () => {
  const { root, rec, deps } = await setup();
  try {
    const limits = { ...DEFAULT_LIMITS, maxEntries: 5 };
    body = "198.51.100.1\n198.51.100.3\n2001:db8:bad::1\n";
    etag = '"m1"';
    const good = await updateBlocklists(input({ limits }), deps);
    assert.equal(good.action, "loaded");
    body = `${Array.from({ length: 6 }, (_, i) => `2001:db8:bad::${(i * 2 + 1).toString(16)}`).join("\n")}\n`;
    etag = '"m2"';
    rec.calls.length = 0;
    const r = await updateBlocklists(input({ limits }), deps);
    assert.equal(r.action, "unchanged", "the kept copy is what is loaded: no kernel work");
    assert.equal(r.hash, good.hash);
    assert.deepEqual(
      r.refused.map((x) => [x.list, x.rule]),
      [["test-drop", "max-entries"]],
    );
    assert.match(
      r.errors[0] ?? "",
      /^test-drop: refused as a whole \(rule max-entries\): the list holds more than 5 entries \(blocklists\.limits\.maxEntries; .*kept the last good copy$/,
    );
    // the default cap lets the same list through
    etag = '"m3"';
    const d = await updateBlocklists(input(), deps);
    assert.equal(d.action, "loaded");
    assert.deepEqual(d.refused, []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("file: sources over the download's byte cap, or not regular files, are not read (the last good copy stays)", async () => {
  const { root, deps } = await setup();
  try {
    const file = "/srv/lists/big.list";
    await mkdir(path.join(root, "srv/lists"), { recursive: true });
    await writeFile(path.join(root, file), "198.51.100.1\n");
    const src = { sources: [{ name: "local", file, format: "auto" as const }] };
    assert.equal((await updateBlocklists(input(src), deps)).action, "loaded");
    await truncate(path.join(root, file), MAX_LIST_BYTES + 1); // sparse: no disk, no memory
    const r = await updateBlocklists(input(src), deps);
    assert.equal(r.action, "unchanged");
    assert.match(
      r.errors[0] ?? "",
      /^local: \/srv\/lists\/big\.list is larger than the 67108864-byte cap of a list: not read; kept the last good copy$/,
    );
    // a FIFO has no size and might never end: not read either (this would hang)
    await rm(path.join(root, file));
    execFileSync("mkfifo", [path.join(root, file)]);
    const fifo = await updateBlocklists(input(src), deps);
    assert.match(fifo.errors[0] ?? "", /^local: \/srv\/lists\/big\.list is not a regular file: not read; kept the last good copy$/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("trusted sources: exempted and reported like every never-block removal, unless wider than the minimum prefix", async () => {
  const { root, deps } = await setup();
  try {
    body = "203.0.113.0/24\n198.51.100.0/24\n";
    etag = '"t1"';
    const exempt = [
      { cidr: "203.0.113.0/24", reason: "policy firewall.inbound[0].from: the SSH rule's allowed network (the admin path)" },
      { cidr: "0.0.0.0/0", reason: "policy firewall.inbound[1].from: the SSH rule's allowed network (the admin path)" },
    ];
    const warned: string[] = [];
    const log = createLogger({ write: (l) => warned.push(l), level: "warn" });
    const r = await updateBlocklists(input({ exempt }), { ...deps, log });
    assert.equal(r.action, "loaded");
    assert.deepEqual(
      r.removed.filter((m) => m.reason.startsWith("policy firewall")).map((m) => [m.never, m.removed.join(",")]),
      [["203.0.113.0/24", "203.0.113.0/24"]],
    );
    // 198.51.100.0/24 stays blocked but for the host's own 198.51.100.77: 0.0.0.0/0 was not exempted
    assert.equal(r.merged.v4.addresses, 255);
    assert.ok(!r.removed.some((m) => m.never === "0.0.0.0/0"));
    assert.match(
      warned.join("\n"),
      /0\.0\.0\.0\/0 \(policy firewall\.inbound\[1\]\.from: .*\) is wider than the minimum prefix: not exempted/,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("terminal escapes in a list never reach the output of update, status or merge", async () => {
  const { root, deps } = await setup();
  try {
    body = "198.51.100.0/24 ; SBL1\n0.0.0.0/0 # \x1b]0;owned\x07\x1b[2K\x1b[1A\x1b[2K blocklist OK\n";
    etag = '"e1"';
    const r = await updateBlocklists(input(), deps);
    assert.deepEqual(
      r.refused.map((x) => x.rule),
      ["min-prefix"],
    );
    const esc = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    assert.match(r.errors.join("\n"), /0\.0\.0\.0\/0 # \?\]0;owned\?\?\[2K/);
    assert.doesNotMatch(JSON.stringify(r), /\\u001b|\\u0007/);
    const status = await runCli(["blocklist", "status", "--state-dir", path.join(root, "var/lib/rampart")]);
    assert.match(status.stdout, /ERROR: refused as a whole \(rule min-prefix\)/);
    assert.doesNotMatch(status.stdout, esc);
    const listFile = path.join(root, "esc.list");
    await writeFile(listFile, "192.0.2.1 \x1b[2K\x1b[1Aforged\n192.0.2.2\n");
    const merged = await runCli(["blocklist", "merge", listFile]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stderr, /esc\.list:1: unexpected text after the entry/);
    assert.doesNotMatch(merged.stderr.replace(/\n/g, ""), esc);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
