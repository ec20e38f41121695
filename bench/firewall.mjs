#!/usr/bin/env node
// bench/firewall: compile + render + check + load of a 30-rule policy, per backend, inside a throwaway network
// namespace (never this machine's ruleset). Target: render + load under 200 ms. Needs root, nft, iptables,
// ipset. Usage: node bench/firewall.mjs [ROUNDS]   (default 10; prints the median and the worst round)
// Loads the built code (dist/) when present, else the sources through tsx.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rounds = Number(process.argv[2] ?? 10);
if (process.getuid?.() !== 0) {
  console.error("bench/firewall: needs root (it loads rulesets in a network namespace); skipped");
  process.exit(0);
}

const useDist = existsSync(path.join(repo, "dist/firewall/index.js"));
async function load(rel) {
  if (useDist) return import(path.join(repo, "dist", `${rel}.js`));
  const { tsImport } = await import("tsx/esm/api");
  return tsImport(path.join(repo, "src", `${rel}.ts`), import.meta.url);
}
const fw = await load("firewall/index");
const { parsePolicy } = await load("policy/load");
const { run } = await load("system/exec");

// 30 inbound rules: services, port lists, ranges, v4+v6 sources, interfaces, rate limits; outbound allowlist
const rules = [
  "{ service: ssh, from: [203.0.113.0/24, 2001:db8:bad::/48], rateLimit: 10/minute }",
  "{ service: http }",
  "{ service: https }",
  "{ service: dns }",
  "{ service: smtp }",
  "{ service: imaps }",
];
for (let i = 0; i < 24; i++) {
  const port = 10000 + i * 10;
  const variants = [
    `{ ports: [${port}, ${port + 1}, "${port + 2}-${port + 5}"] }`,
    `{ ports: [${port}], from: [10.${i}.0.0/16, 2001:db8:${i}::/48] }`,
    `{ ports: [${port}], interface: eth${i % 4}, proto: udp }`,
    `{ ports: [${port}], rateLimit: ${i + 5}/second }`,
  ];
  rules.push(variants[i % variants.length]);
}
const yaml = `firewall:\n  inbound:\n${rules.map((r) => `    - ${r}`).join("\n")}\n  outbound:\n    allow: [dns, ntp, http, https, icmp, dhcp]\n`;
const parsed = parsePolicy(yaml, "<bench>");
if (!parsed.policy) throw new Error(JSON.stringify(parsed.errors));
const policy = parsed.policy;

const ns = `rfwbench${process.pid.toString(36)}`;
execFileSync("ip", ["netns", "add", ns]);
const nsRun = (argv, opts) => run(["ip", "netns", "exec", ns, ...argv], opts);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const name of ["nftables", "iptables"]) {
    const backend = fw.createBackend(name, nsRun);
    const t = { render: [], check: [], load: [], total: [] };
    let lines = 0;
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const rendered = backend.render(fw.compile(policy, { adminSource: "192.0.2.99" }));
      const t1 = performance.now();
      await backend.check(rendered);
      const t2 = performance.now();
      await backend.load(rendered);
      const t3 = performance.now();
      t.render.push(t1 - t0);
      t.check.push(t2 - t1);
      t.load.push(t3 - t2);
      t.total.push(t3 - t2 + (t1 - t0));
      lines = rendered.files.reduce((n, f) => n + f.text.split("\n").length, 0);
    }
    const f = (xs) => `${median(xs).toFixed(1)} ms (worst ${Math.max(...xs).toFixed(1)})`;
    console.log(
      `${name.padEnd(9)} 30 rules → ${lines} lines | render ${f(t.render)} | check ${f(t.check)} | load ${f(t.load)} | render+load ${f(t.total)} ${median(t.total) < 200 ? "✓ < 200 ms" : "✗ over 200 ms"}`,
    );
  }
} finally {
  execFileSync("ip", ["netns", "del", ns]);
}
