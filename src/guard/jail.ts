// A jail's decisions, as pure logic with an injected clock: count failures per target within findtime,
// ban after maxretry with bantime, longer for repeat offenders (bantime × factor^(n-1) or × multipliers[n-1],
// up to a maximum — fail2ban's bantime.increment), aggregate IPv6 to a prefix (/64) so an attacker cannot
// rotate through its subnet, never ban the ignore list, optionally forget an address's failures after a
// successful login. Memory is bounded: at most maxTracked targets are remembered (oldest evicted).
// No I/O here: the daemon feeds failures in and carries decisions out (kernel sets, state, mail).
import type { Clock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import {
  type Cidr,
  cidrContains,
  cidrOf,
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
  /** target → failure times (ms), at most maxretry, oldest first; Map order = least recently failed first */
  private readonly failures = new Map<string, number[]>();
  /** target → number of bans so far (the repeat-offender rule) */
  private readonly offences = new Map<string, number>();
  private readonly bans = new Map<string, ActiveBan>();

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
  }

  /** A failure from `address` at `time` (the log line's time; default now). */
  failure(address: string, time: number = this.clock.now()): JailDecision {
    const parsed = tryParseIp(address);
    if (!parsed.ok) return { action: "ignored", address, reason: "not-an-ip" };
    const ip = parsed.value;
    const canonical = formatIp(ip);
    if (this.isIgnored(ip)) return { action: "ignored", address: canonical, reason: "ignore-list" };
    const now = this.clock.now();
    if (time < now - this.o.findtimeMs) return { action: "ignored", address: canonical, reason: "too-old" };
    const target = this.targetOf(ip);
    const ban = this.bans.get(target);
    if (ban && ban.until > now) return { action: "ignored", address: canonical, reason: "banned" };
    if (ban) this.bans.delete(target);

    const times = this.failures.get(target) ?? [];
    this.failures.delete(target); // re-inserted last: Map order is least recently failed first
    const from = time - this.o.findtimeMs;
    let keep = 0;
    while (keep < times.length && (times[keep] as number) <= from) keep++;
    if (keep > 0) times.splice(0, keep);
    times.push(time);
    if (times.length > this.o.maxretry) times.shift();
    if (times.length < this.o.maxretry) {
      this.failures.set(target, times);
      this.evict(this.failures);
      return { action: "count", target, failures: times.length };
    }

    const offence = (this.offences.get(target) ?? 0) + 1;
    this.offences.delete(target);
    this.offences.set(target, offence);
    this.evict(this.offences);
    const durationMs = this.banDuration(offence);
    const until = now + durationMs;
    this.bans.set(target, { target, until, offence });
    this.pruneBans(now);
    return { action: "ban", target, address: canonical, failures: times.length, offence, durationMs, until };
  }

  /** A successful login: with forgetOnSuccess, the address's failures are forgotten. true when forgotten. */
  success(address: string): boolean {
    if (!this.o.forgetOnSuccess) return false;
    const parsed = tryParseIp(address);
    if (!parsed.ok) return false;
    return this.failures.delete(this.targetOf(parsed.value));
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
    const b = this.bans.get(target);
    return b && b.until > this.clock.now() ? b : undefined;
  }

  /** Lift a ban by hand (its offence count stays, for the repeat-offender rule). */
  unban(target: string): boolean {
    return this.bans.delete(target);
  }

  /** Restore what the state database remembers: past offences and still-active bans. */
  restore(entries: readonly { target: string; offences: number; until?: number }[]): void {
    for (const e of entries) {
      this.offences.set(e.target, e.offences);
      if (e.until !== undefined && e.until > this.clock.now())
        this.bans.set(e.target, { target: e.target, until: e.until, offence: e.offences });
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
    for (const [k, b] of this.bans) if (b.until <= now) this.bans.delete(k);
  }
}

function policyError(jail: string, message: string): RampartError {
  return new RampartError("POLICY", `jail ${jail}: ${message}`, { hint: "Fix the jail in the policy (guard.jails)." });
}
