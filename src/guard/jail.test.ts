// Jail decisions with a FakeClock: no sleeping, every window and ban length exact.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { FakeClock } from "../core/clock.js";
import { type Cidr, cidrContains, cidrOf, cidrsOverlap, formatCidr, formatIp, tryParseCidr, tryParseIp } from "../core/ip.js";
import { Jail, type JailOptions } from "./jail.js";

const MIN = 60_000;
const base: JailOptions = { name: "sshd", maxretry: 3, findtimeMs: 10 * MIN, bantimeMs: 10 * MIN };
const make = (o: Partial<JailOptions> = {}) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 22, 12));
  return { clock, jail: new Jail({ ...base, ...o }, clock) };
};

describe("Jail", () => {
  test("a failure dated in the future counts as now: it never holds later failures in the window", () => {
    const { clock, jail } = make();
    assert.equal(jail.failure("198.51.100.8", Date.UTC(2099, 0, 1)).action, "count");
    clock.advance(5 * 86_400_000);
    assert.equal(jail.failure("198.51.100.8").action, "count", "the 2099 failure is long out of the window");
    clock.advance(5 * 86_400_000);
    const d = jail.failure("198.51.100.8");
    assert.deepEqual(d, { action: "count", target: "198.51.100.8", failures: 1 }, "days apart: never a ban");
  });

  test("maxretry failures within findtime ban for bantime", () => {
    const { clock, jail } = make();
    assert.deepEqual(jail.failure("198.51.100.7"), { action: "count", target: "198.51.100.7", failures: 1 });
    clock.advance(MIN);
    assert.equal(jail.failure("198.51.100.7").action, "count");
    clock.advance(MIN);
    const d = jail.failure("198.51.100.7");
    assert.equal(d.action, "ban");
    assert.ok(d.action === "ban");
    assert.equal(d.target, "198.51.100.7");
    assert.equal(d.durationMs, 10 * MIN);
    assert.equal(d.until, clock.now() + 10 * MIN);
    assert.equal(d.offence, 1);
    // while banned, more failures change nothing
    assert.deepEqual(jail.failure("198.51.100.7"), { action: "ignored", address: "198.51.100.7", reason: "banned" });
    assert.ok(jail.banOf("198.51.100.7"));
    clock.advance(10 * MIN);
    assert.equal(jail.banOf("198.51.100.7"), undefined);
  });

  test("failures older than findtime fall out of the window", () => {
    const { clock, jail } = make();
    jail.failure("198.51.100.7");
    clock.advance(6 * MIN);
    jail.failure("198.51.100.7");
    clock.advance(5 * MIN); // the first is now 11 min old
    assert.deepEqual(jail.failure("198.51.100.7"), { action: "count", target: "198.51.100.7", failures: 2 });
    clock.advance(1 * MIN);
    assert.equal(jail.failure("198.51.100.7").action, "ban");
  });

  test("lines older than findtime (a log read from its start) never ban", () => {
    const { clock, jail } = make();
    const old = clock.now() - 11 * MIN;
    for (let i = 0; i < 5; i++) assert.equal(jail.failure("198.51.100.7", old + i).action, "ignored");
  });

  test("the line's time, not arrival order, places a failure in the window", () => {
    const { clock, jail } = make({ maxretry: 2 });
    const t = clock.now();
    jail.failure("198.51.100.7", t - 9 * MIN);
    assert.equal(jail.failure("198.51.100.7", t).action, "ban");
  });

  test("repeat offenders: bantime × factor^(n-1) up to max", () => {
    const { clock, jail } = make({ maxretry: 1, increment: { factor: 2, maxMs: 35 * MIN } });
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = jail.failure("198.51.100.7");
      assert.equal(d.action, "ban");
      if (d.action === "ban") {
        lengths.push(d.durationMs / MIN);
        assert.equal(d.offence, i + 1);
        clock.advance(d.durationMs);
      }
    }
    assert.deepEqual(lengths, [10, 20, 35, 35, 35]);
  });

  test("repeat offenders: multipliers (the last repeats), capped", () => {
    const { jail } = make({ increment: { multipliers: [1, 5, 30], maxMs: 200 * MIN } });
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => jail.banDuration(n) / MIN),
      [10, 50, 200, 200],
    );
  });

  test("without increment every ban lasts bantime", () => {
    const { jail } = make();
    assert.equal(jail.banDuration(7), 10 * MIN);
  });

  test("IPv6 /64 aggregation: failures from one /64 count together and ban the /64", () => {
    const { jail } = make({ ipv6Prefix: 64 });
    assert.equal(jail.failure("2001:db8:bad:1::1").action, "count");
    assert.equal(jail.failure("2001:db8:bad:1::2").action, "count");
    const d = jail.failure("2001:db8:bad:1:ffff::9");
    assert.equal(d.action, "ban");
    assert.equal(d.action === "ban" && d.target, "2001:db8:bad:1::/64");
    assert.equal(d.action === "ban" && d.address, "2001:db8:bad:1:ffff::9");
    // another /64 is counted apart; IPv4 is never aggregated
    assert.equal(jail.failure("2001:db8:bad:2::1").action, "count");
    assert.deepEqual(jail.failure("198.51.100.7"), { action: "count", target: "198.51.100.7", failures: 1 });
  });

  test("IPv6 without aggregation bans the /128; v4-mapped counts as IPv4", () => {
    const { jail } = make({ maxretry: 1 });
    const d = jail.failure("2001:db8:bad:1::1");
    assert.equal(d.action === "ban" && d.target, "2001:db8:bad:1::1");
    const m = jail.failure("::ffff:198.51.100.9");
    assert.equal(m.action === "ban" && m.target, "198.51.100.9");
  });

  test("a /64 that holds an ignored address is never banned whole: the single address is", () => {
    const { jail } = make({ maxretry: 1, ipv6Prefix: 64, ignore: ["2001:db8:0:1::50"] });
    const d = jail.failure("2001:db8:0:1::666");
    assert.equal(d.action === "ban" && d.target, "2001:db8:0:1::666");
  });

  test("ignore list: addresses and CIDRs, v4 and v6", () => {
    const { jail } = make({ maxretry: 1, ignore: ["127.0.0.0/8", "::1", "203.0.113.10", "2001:db8:0:1::/64"] });
    for (const a of ["127.0.0.1", "::1", "203.0.113.10", "2001:db8:0:1::50", "::ffff:127.0.0.2"]) {
      assert.equal(jail.failure(a).action, "ignored", a);
    }
    assert.equal(jail.failure("203.0.113.11").action, "ban");
    assert.throws(() => make({ ignore: ["300.1.1.1"] }), /ignore entry/);
  });

  test("forgetOnSuccess forgets the address's failures; off by default", () => {
    const on = make({ forgetOnSuccess: true }).jail;
    on.failure("198.51.100.7");
    on.failure("198.51.100.7");
    assert.equal(on.success("198.51.100.7"), true);
    assert.equal(on.failure("198.51.100.7").action, "count");
    const off = make().jail;
    off.failure("198.51.100.7");
    off.failure("198.51.100.7");
    assert.equal(off.success("198.51.100.7"), false);
    assert.equal(off.failure("198.51.100.7").action, "ban");
  });

  test("memory is bounded: the least recently failing targets are evicted", () => {
    const { jail } = make({ maxTracked: 100 });
    for (let i = 0; i < 1000; i++) jail.failure(`10.0.${i >> 8}.${i & 255}`);
    assert.equal(jail.tracked, 100);
    // the newest are still counted
    assert.deepEqual(jail.failure("10.0.3.231"), { action: "count", target: "10.0.3.231", failures: 2 });
    // an evicted one starts again
    assert.deepEqual(jail.failure("10.0.0.0"), { action: "count", target: "10.0.0.0", failures: 1 });
  });

  test("eviction takes the least recently FAILING target: a failure moves its target to the newest end", () => {
    const { jail } = make({ maxTracked: 3, maxretry: 5 });
    for (const a of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) jail.failure(a);
    jail.failure("10.0.0.1"); // now 10.0.0.2 is the least recently failed
    jail.failure("10.0.0.4");
    assert.equal(jail.tracked, 3);
    assert.deepEqual(jail.failure("10.0.0.1"), { action: "count", target: "10.0.0.1", failures: 3 });
    assert.deepEqual(jail.failure("10.0.0.2"), { action: "count", target: "10.0.0.2", failures: 1 });
  });

  test("a remembered IPv6 address still asks `protects` each time (sessions come and go)", () => {
    let guarded = false;
    const { jail } = make({ maxretry: 1, ipv6Prefix: 64, protects: () => guarded });
    const a = jail.failure("2001:db8:0:7::1");
    assert.equal(a.action === "ban" && a.target, "2001:db8:0:7::/64");
    guarded = true;
    const b = jail.failure("2001:db8:0:8::1");
    assert.equal(b.action === "ban" && b.target, "2001:db8:0:8::1");
    guarded = false;
    const c = jail.failure("2001:db8:0:8::1");
    assert.equal(c.action === "ban" && c.target, "2001:db8:0:8::/64");
  });

  test("decides as the plain model of the rules (property: addresses, times, successes, eviction)", () => {
    const address = fc.constantFrom(
      "198.51.100.1",
      "198.51.100.2",
      "198.51.100.3",
      "127.0.0.5",
      "203.0.113.9",
      "::ffff:198.51.100.1",
      "2001:db8:1::1",
      "2001:db8:1::2",
      "2001:DB8:1:0::3",
      "2001:db8:2::1",
      "2001:db8:5::9",
      // an ignored single address and its /64 neighbours (canonical: the fast path must step aside)
      "2001:db8:6::9",
      "2001:db8:6::a",
      "2001:db8:6:0:1::",
      "2001:db8:7:0:ffff::1",
      "::1",
      "010.1.1.1",
      "host.example",
    );
    const step = fc.record({ address, dt: fc.integer({ min: -5, max: 8 }), success: fc.boolean(), protect: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 80 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        (steps, maxretry, maxTracked) => {
          let protect = false;
          const options: JailOptions = {
            ...base,
            maxretry,
            maxTracked,
            findtimeMs: 10 * MIN,
            ipv6Prefix: 64,
            forgetOnSuccess: true,
            ignore: ["127.0.0.0/8", "::1", "2001:db8:5::/64", "2001:db8:6::9"],
            protects: (net) => protect && net.value === cidrOf({ family: 6, value: 0x20010db8000200000000000000000000n }, 64).value,
          };
          const clock = new FakeClock(Date.UTC(2026, 10, 22, 12));
          const jail = new Jail(options, clock);
          const model = new ModelJail(options, clock);
          for (const s of steps) {
            clock.advance(MIN);
            protect = s.protect;
            if (s.success) assert.equal(jail.success(s.address), model.success(s.address));
            else {
              const t = clock.now() + s.dt * MIN;
              assert.deepEqual(jail.failure(s.address, t), model.failure(s.address, t), s.address);
            }
            assert.equal(jail.tracked, model.failures.size);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("unban lifts a ban but keeps the offence count; restore brings back bans and offences", () => {
    const { clock, jail } = make({ maxretry: 1, increment: { factor: 3, maxMs: 1000 * MIN } });
    jail.failure("198.51.100.7");
    assert.equal(jail.unban("198.51.100.7"), true);
    const d = jail.failure("198.51.100.7");
    assert.equal(d.action === "ban" && d.durationMs, 30 * MIN);
    const j2 = new Jail({ ...base, maxretry: 1, increment: { factor: 3, maxMs: 1000 * MIN } }, clock);
    j2.restore([
      { target: "198.51.100.7", offences: 2, until: clock.now() + MIN },
      { target: "198.51.100.8", offences: 1 },
    ]);
    assert.equal(j2.failure("198.51.100.7").action, "ignored");
    const d8 = j2.failure("198.51.100.8");
    assert.equal(d8.action === "ban" && d8.offence, 2);
  });

  test("a bad address is not an error: ignored", () => {
    const { jail } = make();
    assert.deepEqual(jail.failure("example.com"), { action: "ignored", address: "example.com", reason: "not-an-ip" });
  });

  test("invalid options are policy errors", () => {
    assert.throws(() => make({ maxretry: 0 }), /maxretry/);
    assert.throws(() => make({ ipv6Prefix: 200 }), /ipv6Prefix/);
  });
});

/**
 * The jail's counting rules written plainly (a Map in least-recently-failed order, every address parsed
 * each time): the property test holds the fast Jail to exactly these decisions.
 */
class ModelJail {
  readonly failures = new Map<string, number[]>();
  private readonly offences = new Map<string, number>();
  private readonly bans = new Map<string, number>();
  private readonly ignore: Cidr[];
  constructor(
    private readonly o: JailOptions,
    private readonly clock: FakeClock,
  ) {
    this.ignore = (o.ignore ?? []).map((t) => {
      const r = tryParseCidr(t);
      assert.ok(r.ok);
      return r.value;
    });
  }
  private target(text: string): { canonical: string; target: string; ignored: boolean } | undefined {
    const r = tryParseIp(text);
    if (!r.ok) return undefined;
    const ip = r.value;
    let target = formatIp(ip);
    const prefix = this.o.ipv6Prefix ?? 128;
    if (ip.family === 6 && prefix < 128) {
      const net = cidrOf(ip, prefix);
      if (!this.ignore.some((c) => cidrsOverlap(c, net)) && !this.o.protects?.(net)) target = formatCidr(net, true);
    }
    return { canonical: formatIp(ip), target, ignored: this.ignore.some((c) => cidrContains(c, ip)) };
  }
  failure(address: string, time: number) {
    const p = this.target(address);
    if (!p) return { action: "ignored", address, reason: "not-an-ip" };
    const { canonical, target } = p;
    if (p.ignored) return { action: "ignored", address: canonical, reason: "ignore-list" };
    const now = this.clock.now();
    time = Math.min(time, now); // the future is now
    if (time < now - this.o.findtimeMs) return { action: "ignored", address: canonical, reason: "too-old" };
    const until = this.bans.get(target);
    if (until !== undefined && until > now) return { action: "ignored", address: canonical, reason: "banned" };
    this.bans.delete(target);
    const times = this.failures.get(target) ?? [];
    while (times.length > 0 && (times[0] as number) <= time - this.o.findtimeMs) times.shift();
    this.failures.delete(target);
    times.push(time);
    if (times.length < this.o.maxretry) {
      this.failures.set(target, times);
      while (this.failures.size > (this.o.maxTracked ?? 100_000)) this.failures.delete(this.failures.keys().next().value as string);
      return { action: "count", target, failures: times.length };
    }
    const offence = (this.offences.get(target) ?? 0) + 1;
    this.offences.delete(target);
    this.offences.set(target, offence);
    while (this.offences.size > (this.o.maxTracked ?? 100_000)) this.offences.delete(this.offences.keys().next().value as string);
    this.bans.set(target, now + this.o.bantimeMs);
    return {
      action: "ban",
      target,
      address: canonical,
      failures: times.length,
      offence,
      durationMs: this.o.bantimeMs,
      until: now + this.o.bantimeMs,
    };
  }
  success(address: string): boolean {
    const p = this.target(address);
    return p !== undefined && this.failures.delete(p.target);
  }
}
