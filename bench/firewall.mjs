#!/usr/bin/env node
// bench/firewall: compile + render + check + load of a 30-rule policy, per backend, inside a throwaway network
// namespace (never this machine's ruleset). Target: render + load under 200 ms. Needs root, nft, iptables,
// ipset. Usage: node bench/firewall.mjs [ROUNDS]   (default 10; prints the median and the worst round)
// Then the whole command: `rampart apply --only firewall --yes --no-wait` of the same policy inside a lab
// host (test/lab: network + mount namespaces, so /etc and /var/lib writes stay there), each apply confirmed
// before the next, plus a no-change apply — wall time of the CLI process, start-up included.
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

// ---- the full command in a lab host
const { Lab } = await (async () => {
  const { tsImport } = await import("tsx/esm/api");
  return tsImport(path.join(repo, "test/lab/index.ts"), import.meta.url);
})();
const lab = await Lab.create();
try {
  const srv = await lab.host("srv", { role: "server" });
  const applyRounds = Math.max(1, Math.min(rounds, 5));
  for (const name of ["nftables", "iptables"]) {
    const policies = [0, 1].map((v) => yaml.replace("firewall:\n", `firewall:\n  backend: ${name}\n  reject: ${v === 1}\n`));
    await srv.writeFile("/etc/rampart/bench-0.yaml", policies[0]);
    await srv.writeFile("/etc/rampart/bench-1.yaml", policies[1]);
    const cli = async (args) => {
      const t0 = performance.now();
      const r = await srv.rampart(args, { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`rampart ${args.join(" ")}: ${r.stderr}`);
      return performance.now() - t0;
    };
    const applies = [];
    for (let i = 0; i < applyRounds; i++) {
      applies.push(await cli(["apply", "--only", "firewall", "--policy", `/etc/rampart/bench-${i % 2}.yaml`, "--yes", "--no-wait"]));
      await cli(["confirm", "--allow-same-session"]);
    }
    const noChange = await cli([
      "apply",
      "--only",
      "firewall",
      "--policy",
      `/etc/rampart/bench-${(applyRounds - 1) % 2}.yaml`,
      "--yes",
      "--no-wait",
    ]);
    const version = await cli(["--version"]);
    console.log(
      `${name.padEnd(9)} rampart apply --only firewall --yes: ${median(applies).toFixed(0)} ms (worst ${Math.max(...applies).toFixed(0)}, ${applyRounds} rounds) | no-change apply ${noChange.toFixed(0)} ms | CLI start-up alone (--version) ${version.toFixed(0)} ms`,
    );
    // leave the host clean for the other backend
    await srv.exec(["nft", "flush", "ruleset"]);
    await srv.exec(["ipset", "destroy"], { okCodes: "any" });
  }
} finally {
  await lab.destroy();
}
