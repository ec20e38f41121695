#!/usr/bin/env node
// Blocklist benchmark: rampart against iprange on the same inputs, and the kernel load.
//   1. with ../shared/data/blocklists (real FireHOL/Spamhaus/DShield/ipdeny lists) when present: the IPv4
//      output of `rampart blocklist merge` must be set-equal to `iprange`'s, file by file and all together;
//   2. merging 1,000,000 random IPv4 CIDRs (bench/out/random-1m.txt, seeded): whole-process wall time of
//      `node bin/rampart.js blocklist merge FILE` against `iprange FILE`, median of 5, ratio (target <= 1.5x);
//   3. loading ~230k merged CIDRs into nft interval sets in a throwaway network namespace (target < 2 s),
//      first load and a refresh (flush + refill of the full set in one transaction). Needs root.
// Usage: node bench/blocklist.mjs            (builds dist/ with `npx tsc -p tsconfig.build.json` first)
//        BENCH_NO_BUILD=1 node bench/blocklist.mjs
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(REPO, "bench/out");
const DATA = process.env.RAMPART_BLOCKLIST_DATA ?? path.resolve(REPO, "../shared/data/blocklists");
const RAMPART = [process.execPath, path.join(REPO, "bin/rampart.js")];
mkdirSync(OUT, { recursive: true });

function sh(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { maxBuffer: 1 << 30, encoding: "utf8", ...opts });
  if (r.error) throw r.error;
  return r;
}
function time(argv) {
  const t = process.hrtime.bigint();
  const r = sh(argv, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed: ${r.stderr}`);
  return ms;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const lines = (s) => s.split("\n").filter(Boolean);

if (!process.env.BENCH_NO_BUILD) {
  console.log("building dist/ (npx tsc -p tsconfig.build.json) …");
  sh(["npx", "tsc", "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "ignore" });
}
if (!existsSync(path.join(REPO, "dist/cli/entry.js"))) throw new Error("dist/cli/entry.js is missing: the build failed");
if (sh(["which", "iprange"]).status !== 0) throw new Error("iprange is not installed (apt-get install iprange)");

// ---- 1. set-equality on real lists
console.log("\n## 1. set-equality with iprange on real lists");
if (!existsSync(DATA)) {
  console.log(`SKIPPED: ${DATA} is absent (real lists are not part of the repository)`);
} else {
  const files = readdirSync(DATA)
    .filter((f) => /\.(netset|ipset)$/.test(f))
    .map((f) => path.join(DATA, f));
  let bad = 0;
  for (const set of [...files.map((f) => [f]), files]) {
    const r = sh([...RAMPART, "blocklist", "merge", ...set]);
    const i = sh(["iprange", ...set]);
    const a = lines(r.stdout);
    const b = lines(i.stdout);
    const equal = a.length === b.length && a.every((x, k) => x === b[k]);
    if (!equal) bad++;
    const label = set.length === 1 ? path.basename(set[0]) : `all ${set.length} IPv4 lists`;
    console.log(`${equal ? "equal   " : "DIFFERENT"} ${label}: rampart ${a.length} CIDRs, iprange ${b.length} CIDRs`);
  }
  const v6 = path.join(DATA, "drop_ipv6.txt");
  if (existsSync(v6)) {
    const r = lines(sh([...RAMPART, "blocklist", "merge", v6]).stdout);
    const i = lines(sh(["iprange", v6]).stdout);
    console.log(
      `IPv6 drop_ipv6.txt: rampart ${r.length} IPv6 CIDRs (first ${r[0]}); iprange prints ${i.length} bogus IPv4 entries (first ${i[0]})`,
    );
  }
  console.log(bad ? `FAIL: ${bad} input set(s) differ` : "all set-equal");
  if (bad) process.exitCode = 1;
}

// ---- 2. 1,000,000 random CIDRs
console.log("\n## 2. merge 1,000,000 random IPv4 CIDRs (prefix /20../32 uniform, seeded)");
const big = path.join(OUT, "random-1m.txt");
if (!existsSync(big)) writeFileSync(big, randomCidrs(1_000_000, 20, 32, 12345));
{
  const r = sh([...RAMPART, "blocklist", "merge", big]).stdout;
  const i = sh(["iprange", big]).stdout;
  console.log(`outputs ${r === i ? "identical" : "DIFFERENT"} (${lines(r).length} CIDRs)`);
  if (r !== i) process.exitCode = 1;
  const tr = [];
  const ti = [];
  for (let k = 0; k < 5; k++) {
    tr.push(time([...RAMPART, "blocklist", "merge", big]));
    ti.push(time(["iprange", big]));
  }
  const start = median([0, 1, 2, 3, 4].map(() => time([...RAMPART, "--version"])));
  const mr = median(tr);
  const mi = median(ti);
  console.log(
    `rampart ${mr.toFixed(0)} ms (of which node + CLI start-up ${start.toFixed(0)} ms), iprange ${mi.toFixed(0)} ms, ratio ${(mr / mi).toFixed(2)}x (target <= 1.5x)`,
  );
}

// ---- 3. nft load of ~230k merged CIDRs
console.log("\n## 3. load ~230k merged CIDRs into nft (throwaway network namespace)");
if (process.getuid?.() !== 0) {
  console.log("SKIPPED: needs root (ip netns)");
} else {
  const src = path.join(OUT, "random-230k.txt");
  if (!existsSync(src)) writeFileSync(src, randomCidrs(231_000, 24, 32, 777));
  const merged = path.join(OUT, "merged-230k.txt");
  writeFileSync(merged, sh([...RAMPART, "blocklist", "merge", src]).stdout);
  const count = lines(sh(["cat", merged]).stdout).length;
  const script = path.join(OUT, "load-230k.nft");
  const create =
    "add table inet rampart\nadd set inet rampart rampart_block_v4 { type ipv4_addr; flags interval; }\nadd set inet rampart rampart_block_v6 { type ipv6_addr; flags interval; }\n";
  writeFileSync(script, create + sh([...RAMPART, "blocklist", "merge", merged, "--format", "nft"]).stdout);
  const ns = `rblbench${process.pid.toString(36)}`;
  execFileSync("ip", ["netns", "add", ns]);
  try {
    const nft = (file) => time(["ip", "netns", "exec", ns, "nft", "-f", file]);
    const first = nft(script);
    const again = nft(script);
    const listed = sh(["ip", "netns", "exec", ns, "nft", "-j", "list", "set", "inet", "rampart", "rampart_block_v4"]).stdout;
    const elems = (JSON.parse(listed).nftables.find((o) => o.set)?.set.elem ?? []).length;
    console.log(
      `${count} merged CIDRs -> ${elems} set elements (ranges); first load ${first.toFixed(0)} ms, refresh (flush + refill, one transaction) ${again.toFixed(0)} ms (target < 2000 ms)`,
    );
  } finally {
    execFileSync("ip", ["netns", "del", ns]);
  }
}

/** `n` random CIDRs, prefix uniform in [lo, hi], xorshift32 seeded; optionally addresses in the low 2^bits * 256 space. */
function randomCidrs(n, lo, hi, seed, spreadBits) {
  let x = seed >>> 0 || 1;
  const r = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const out = [];
  for (let i = 0; i < n; i++) {
    const p = lo + (r() % (hi - lo + 1));
    const a = spreadBits ? ((r() >>> 8) | (r() & 0xff000000)) >>> 0 : r();
    out.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}${p === 32 ? "" : `/${p}`}`);
  }
  return `${out.join("\n")}\n`;
}
