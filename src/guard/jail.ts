// A jail's decisions, as pure logic with an injected clock: count failures per target within findtime,
// ban after maxretry with bantime, longer for repeat offenders (bantime × factor^(n-1) or × multipliers[n-1],
// up to a maximum — fail2ban's bantime.increment), aggregate IPv6 to a prefix (/64) so an attacker cannot
// rotate through its subnet, never ban the ignore list, optionally forget an address's failures after a
// successful login. Memory is bounded: at most maxTracked targets are remembered (oldest evicted).
// No I/O here: the daemon feeds failures in and carries decisions out (kernel sets, state, mail).
// failure() runs for every failure line the daemon reads (a third of a brute-forced auth.log): a canonical
// IPv4 address (what the filters hand on) is read as a number, with no bigint and no string made, and is
// its own target; other addresses are parsed once and remembered; the least-recently-failed order is a
// linked list through the records (one map lookup per failure instead of get, delete and set).
import type { Clock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import {
  type Cidr,
  canonicalV4Value,
  canonicalV6Groups,
  cidrContains,
  cidrOf,
  cidrRange,
  cidrsOverlap,
  formatCidr,
  formatIp,
  type IpAddress,
  tryParseCidr,
  tryParseIp,
} from "../core/ip.js";

export interface JailIncrement {
  /** each further ban lasts `factor` times the previous (default 2) */
  factor?: number;
  /** or explicit multipliers of bantime for the 1st, 2nd, … ban (the last repeats) */
  multipliers?: readonly number[];
  /** the longest ban (ms) */
  maxMs: number;
}

export interface JailOptions {
  name: string;
  maxretry: number;
  findtimeMs: number;
  bantimeMs: number;
  increment?: JailIncrement;
  /** ban IPv6 sources by this prefix (64: the /64); 128 (default) bans the address */
  ipv6Prefix?: number;
  /** addresses and CIDRs (v4, v6) that are never banned */
  ignore?: readonly string[];
  /** a successful login forgets the address's failures */
  forgetOnSuccess?: boolean;
  /** targets remembered at most (failures and offences each); default 100,000 */
  maxTracked?: number;
  /**
   * more addresses that a prefix ban must not cover, decided as the guard runs (an admin's session source,
   * this host's addresses): an IPv6 failure inside such a prefix is banned as its single address
   */
  protects?: (net: Cidr) => boolean;
}

export type JailDecision =
  | { action: "count"; target: string; failures: number }
  | {
      action: "ban";
      /** what to ban: an address, or a CIDR when aggregated (2001:db8:bad::/64) */
      target: string;
      address: string;
      failures: number;
      /** 1 for a first ban, 2 for the second, … */
      offence: number;
      durationMs: number;
      /** ms since the epoch */
      until: number;
    }
  | { action: "ignored"; address: string; reason: "ignore-list" | "banned" | "too-old" | "not-an-ip" };

export interface ActiveBan {
  target: string;
  until: number;
  offence: number;
}

export class Jail {
  readonly name: string;
  private readonly o: Required<Omit<JailOptions, "increment" | "ignore" | "protects">> & { increment?: JailIncrement };
  private readonly protects: ((net: Cidr) => boolean) | undefined;
  private readonly ignore: Cidr[];
  /** the IPv4 entries of the ignore list as [first, last] address numbers, pair after pair */
  private readonly ignoreV4: number[] = [];
  /** targets with failures being counted, least recently failed first */
  private readonly failures = new FailureLog();
  /** address text that is not a canonical IPv4 address → what it is (bounded: cleared when full) */
  private readonly parsed = new Map<string, Parsed>();
  /**
   * the IPv6 prefixes (ipv6Prefix) failures came from, by their masked groups: an attacker's addresses are
   * often a new one per connection inside one prefix, so it is the prefix that is worked out once
   */
  private readonly nets = new Map<string, Net>();
  /** canonicalV6Groups' scratch */
  private readonly groups = new Int32Array(8);
  /** target → number of bans so far (the repeat-offender rule) */
  private readonly offences = new Map<string, number>();
  /** target → end (ms) of its ban in force (the offence is in `offences`: one object less a ban) */
  private readonly bans = new Map<string, number>();

  constructor(
    options: JailOptions,
    private readonly clock: Clock,
  ) {
    this.name = options.name;
    if (!(options.maxretry >= 1)) throw policyError(options.name, "maxretry must be at least 1");
    if (!(options.findtimeMs > 0)) throw policyError(options.name, "findtime must be positive");
    if (!(options.bantimeMs > 0)) throw policyError(options.name, "bantime must be positive");
    const prefix = options.ipv6Prefix ?? 128;
    if (!Number.isInteger(prefix) || prefix < 16 || prefix > 128) throw policyError(options.name, "ipv6Prefix must be between 16 and 128");
    this.o = {
      name: options.name,
      maxretry: options.maxretry,
      findtimeMs: options.findtimeMs,
      bantimeMs: options.bantimeMs,
      ipv6Prefix: prefix,
      forgetOnSuccess: options.forgetOnSuccess ?? false,
      maxTracked: options.maxTracked ?? 100_000,
    };
    if (options.increment) this.o.increment = options.increment;
    this.protects = options.protects;
    this.ignore = (options.ignore ?? []).map((text) => {
      const r = tryParseCidr(text);
      if (!r.ok) throw policyError(options.name, `ignore entry "${text}": ${r.reason}`);
      return r.value;
    });
    for (const c of this.ignore) {
      if (c.family !== 4) continue;
      const [first, last] = cidrRange(c);
      this.ignoreV4.push(Number(first), Number(last));
    }
  }

  /** A failure from `address` at `time` (the log line's time; default now). */
  failure(address: string, time: number = this.clock.now()): JailDecision {
    let canonical = address;
    let target = address;
    const v4 = canonicalV4Value(address);
    if (v4 >= 0) {
      // canonical IPv4 (the common case): the text is its own canonical form and its own target
      if (this.isIgnoredV4(v4)) return { action: "ignored", address, reason: "ignore-list" };
    } else {
      const p = this.parse(address);
      if (p === undefined) return { action: "ignored", address, reason: "not-an-ip" };
      canonical = p.canonical;
      if (p.ignored) return { action: "ignored", address: canonical, reason: "ignore-list" };
      target = p.prefix !== undefined && !this.protects?.(p.prefix) ? (p.prefixText as string) : canonical;
    }
    const now = this.clock.now();
    // a line from the future (a writer's clock, a forged stamp) counts as now: in the window, it would hold
    // the failures after it in the window too (they are kept oldest first)
    if (time > now) time = now;
    if (time < now - this.o.findtimeMs) return { action: "ignored", address: canonical, reason: "too-old" };
    const bannedUntil = this.bans.get(target);
    if (bannedUntil !== undefined) {
      if (bannedUntil > now) return { action: "ignored", address: canonical, reason: "banned" };
      this.bans.delete(target);
    }

    let t = this.failures.get(target);
    if (t === undefined) t = this.failures.add(target);
    else this.failures.touch(t);
    const times = t.times;
    const from = time - this.o.findtimeMs;
    let keep = 0;
    while (keep < times.length && (times[keep] as number) <= from) keep++;
    if (keep > 0) times.splice(0, keep);
    times.push(time);
    if (times.length > this.o.maxretry) times.shift();
    if (times.length < this.o.maxretry) {
      this.failures.evict(this.o.maxTracked);
      return { action: "count", target, failures: times.length };
    }
    this.failures.remove(t);

    const offence = (this.offences.get(target) ?? 0) + 1;
    this.offences.delete(target);
    this.offences.set(target, offence);
    this.evict(this.offences);
    const durationMs = this.banDuration(offence);
    const until = now + durationMs;
    this.bans.set(target, until);
    this.pruneBans(now);
    return { action: "ban", target, address: canonical, failures: times.length, offence, durationMs, until };
  }

  /** What a non-canonical-IPv4 address text is: parsed once, then remembered (the ignore list is fixed). */
  private parse(address: string): Parsed | undefined {
    const known = this.parsed.get(address);
    if (known !== undefined) return known;
    // canonical IPv6 (what the filters hand on) in a prefix no ignore entry touches: the address is not
    // ignored and the prefix is the target — no bigint, one map lookup; nothing kept per address
    if (this.o.ipv6Prefix < 128 && canonicalV6Groups(address, this.groups)) {
      const net = this.net(address);
      if (net.prefix !== undefined) return { canonical: address, ignored: false, prefix: net.prefix, prefixText: net.prefixText };
    }
    const r = tryParseIp(address);
    if (!r.ok) return undefined;
    const ip = r.value;
    const p: Parsed = { canonical: formatIp(ip), ignored: this.isIgnored(ip), prefix: undefined, prefixText: undefined };
    if (ip.family === 6 && this.o.ipv6Prefix < 128) {
      const net = cidrOf(ip, this.o.ipv6Prefix);
      // a prefix holding an ignored address is never the target (protected ones are asked each time)
      if (!this.ignore.some((c) => cidrsOverlap(c, net))) {
        p.prefix = net;
        p.prefixText = formatCidr(net, true);
      }
    }
    if (this.parsed.size >= PARSED_MAX) this.parsed.clear();
    // keyed by a fresh copy (an address is ASCII): a caller's slice of a log chunk would keep the chunk alive
    this.parsed.set(Buffer.from(address, "latin1").toString("latin1"), p);
    return p;
  }

  /** The prefix of a canonical IPv6 address whose groups are in `this.groups`: worked out once per prefix. */
  private net(address: string): Net {
    const g = this.groups;
    let key = "";
    for (let i = 0, bits = this.o.ipv6Prefix; bits > 0; i++, bits -= 16)
      key += `${(g[i] as number) & (0xffff << (16 - Math.min(16, bits)))}:`;
    let net = this.nets.get(key);
    if (net === undefined) {
      const cidr = cidrOf((tryParseIp(address) as { value: IpAddress }).value, this.o.ipv6Prefix);
      // a prefix holding an ignored address is never the target (the address is looked at on its own)
      net = this.ignore.some((c) => cidrsOverlap(c, cidr))
        ? { prefix: undefined, prefixText: undefined }
        : { prefix: cidr, prefixText: formatCidr(cidr, true) };
      if (this.nets.size >= PARSED_MAX) this.nets.clear();
      this.nets.set(key, net);
    }
    return net;
  }

  private isIgnoredV4(v: number): boolean {
    const r = this.ignoreV4;
    for (let i = 0; i < r.length; i += 2) if (v >= (r[i] as number) && v <= (r[i + 1] as number)) return true;
    return false;
  }

  /** A successful login: with forgetOnSuccess, the address's failures are forgotten. true when forgotten. */
  success(address: string): boolean {
    if (!this.o.forgetOnSuccess) return false;
    const parsed = tryParseIp(address);
    if (!parsed.ok) return false;
    const t = this.failures.get(this.targetOf(parsed.value));
    if (t === undefined) return false;
    this.failures.remove(t);
    return true;
  }

  /** How long the n-th ban of a target lasts. */
  banDuration(offence: number): number {
    const inc = this.o.increment;
    const base = this.o.bantimeMs;
    if (!inc || offence <= 1) return inc ? Math.min(base, inc.maxMs) : base;
    let ms: number;
    if (inc.multipliers && inc.multipliers.length > 0) {
      const m = inc.multipliers[Math.min(offence, inc.multipliers.length) - 1] as number;
      ms = base * m;
    } else {
      ms = base * (inc.factor ?? 2) ** (offence - 1);
    }
    return Math.min(Number.isFinite(ms) ? ms : inc.maxMs, inc.maxMs);
  }

  /** The ban target for an address: itself, or its IPv6 prefix — but never a prefix holding an ignored or protected address. */
  targetOf(ip: IpAddress): string {
    if (ip.family === 6 && this.o.ipv6Prefix < 128) {
      const net = cidrOf(ip, this.o.ipv6Prefix);
      if (!this.ignore.some((c) => cidrsOverlap(c, net)) && !this.protects?.(net)) return formatCidr(net, true);
    }
    return formatIp(ip);
  }

  isIgnored(ip: IpAddress): boolean {
    return this.ignore.some((c) => cidrContains(c, ip));
  }

  /** The active ban of a target, if any. */
  banOf(target: string): ActiveBan | undefined {
    const until = this.bans.get(target);
    if (until === undefined || until <= this.clock.now()) return undefined;
    return { target, until, offence: this.offences.get(target) ?? 1 };
  }

  /** Lift a ban by hand (its offence count stays, for the repeat-offender rule). */
  unban(target: string): boolean {
    return this.bans.delete(target);
  }

  /** Restore what the state database remembers: past offences and still-active bans. */
  restore(entries: readonly { target: string; offences: number; until?: number }[]): void {
    for (const e of entries) {
      this.offences.set(e.target, e.offences);
      if (e.until !== undefined && e.until > this.clock.now()) this.bans.set(e.target, e.until);
    }
    this.evict(this.offences);
  }

  /** Targets with failures being counted (for status). */
  get tracked(): number {
    return this.failures.size;
  }

  private evict(map: Map<string, unknown>): void {
    while (map.size > this.o.maxTracked) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }

  private pruneBans(now: number): void {
    if (this.bans.size <= this.o.maxTracked) return;
    for (const [k, until] of this.bans) if (until <= now) this.bans.delete(k);
  }
}

/** What the jail needs of an address that is not in canonical IPv4 form. */
interface Parsed {
  canonical: string;
  ignored: boolean;
  /** the IPv6 prefix to ban instead of the address, unless it holds a protected address; undefined: none */
  prefix: Cidr | undefined;
  prefixText: string | undefined;
}

/** addresses remembered parsed, at most (IPv6 sources are many: cleared and refilled when full) */
const PARSED_MAX = 4096;

/** An IPv6 prefix of the jail's length: itself, or nothing when an ignore entry touches it. */
type Net = { prefix: Cidr; prefixText: string } | { prefix: undefined; prefixText: undefined };

/** A target's failure times (ms) within findtime, oldest first, fewer than maxretry; a link of the list. */
interface Tracked {
  readonly target: string;
  readonly times: number[];
  older: Tracked | undefined;
  newer: Tracked | undefined;
}

/**
 * The targets with failures being counted: a map for lookup and a doubly linked list in the order they
 * last failed, so a failure costs one map lookup (moving a record to the newest end is two pointer
 * updates) and evicting the least recently failed is taking the oldest end.
 */
class FailureLog {
  private readonly byTarget = new Map<string, Tracked>();
  private oldest: Tracked | undefined;
  private newest: Tracked | undefined;

  get size(): number {
    return this.byTarget.size;
  }

  get(target: string): Tracked | undefined {
    return this.byTarget.get(target);
  }

  /** a new record, the newest */
  add(target: string): Tracked {
    const t: Tracked = { target, times: [], older: this.newest, newer: undefined };
    if (this.newest) this.newest.newer = t;
    else this.oldest = t;
    this.newest = t;
    this.byTarget.set(target, t);
    return t;
  }

  /** t failed again: it becomes the newest */
  touch(t: Tracked): void {
    if (t === this.newest) return;
    this.unlink(t);
    t.older = this.newest;
    t.newer = undefined;
    (this.newest as Tracked).newer = t;
    this.newest = t;
  }

  remove(t: Tracked): void {
    this.unlink(t);
    this.byTarget.delete(t.target);
  }

  /** drop the least recently failed until at most max remain */
  evict(max: number): void {
    while (this.byTarget.size > max && this.oldest) this.remove(this.oldest);
  }

  private unlink(t: Tracked): void {
    if (t.older) t.older.newer = t.newer;
    else this.oldest = t.newer;
    if (t.newer) t.newer.older = t.older;
    else this.newest = t.older;
    t.older = t.newer = undefined;
  }
}

function policyError(jail: string, message: string): RampartError {
  return new RampartError("POLICY", `jail ${jail}: ${message}`, { hint: "Fix the jail in the policy (guard.jails)." });
}
