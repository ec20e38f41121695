// bench/guard-jail-v6: a jail's cost per IPv6 failure when the attacker rotates addresses inside its /64s
// (a new address per connection: the usual IPv6 brute force). 1,000,000 failures from 200,000 addresses in
// 4,000 /64s through Jail.failure with ipv6Prefix 64 — the daemon's per-failure path after the filter.
// Prints wall and CPU time. Run: node --import tsx bench/guard-jail-v6.ts
import { FakeClock } from "../src/core/clock.js";
import { Jail } from "../src/guard/jail.js";

const clock = new FakeClock(Date.UTC(2026, 10, 22, 12));
// maxretry high: every failure is counted (the path a flood takes until each prefix is banned)
const jail = new Jail(
  { name: "sshd", maxretry: 1_000_000, findtimeMs: 3600e3, bantimeMs: 3600e3, ipv6Prefix: 64, ignore: ["2001:db8:ffff::1"] },
  clock,
);
let seed = 1;
const r = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
};
const hex = (n: number) => n.toString(16);
// canonical text, as the filters hand it on (no zero groups in the host half: nothing to compress)
const addresses = Array.from(
  { length: 200_000 },
  () =>
    `2001:db8:${hex(r() % 1000)}:${hex(r() % 4)}:${hex((r() & 0xfffe) + 1)}:${hex((r() & 0xfffe) + 1)}:${hex((r() & 0xfffe) + 1)}:${hex((r() & 0xfffe) + 1)}`,
);
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let k = 0; k < 5; k++) for (const a of addresses) jail.failure(a, clock.now());
const c = process.cpuUsage(c0);
console.log(
  `1,000,000 IPv6 failures (200,000 addresses rotating inside 4,000 /64s): ${(performance.now() - t0).toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU`,
);
