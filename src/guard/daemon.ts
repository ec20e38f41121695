// The guard daemon: log sources → the one line splitter → filters (by position, no string per line) →
// jails → the BanBook (the only door to the kernel) → notifications. It owns the supervision (a source that
// fails is reported in status, not fatal), the admins' sessions (never banned, nor a prefix holding one),
// the control socket and the fleet's received decisions. `guard test`, the benchmarks and the compat
// runner push bytes through the same LineSplitter and filters (scan.ts), so what they measure is this path.
import os from "node:os";
import type { Clock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import { type Cidr, cidrContains, cidrsOverlap, formatCidr, parseIp, tryParseCidr } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import { expiresAfter, type GateRules, LOOPBACK, type Protected, protect } from "../firewall/gate.js";
import type { Policy } from "../policy/schema.js";
import { parseDuration } from "../policy/units.js";
import type { HostFs } from "../system/hostfs.js";
import { BanBook, type Outcome } from "./banbook.js";
import { CONTROL_SOCKET, type ControlRequest, serveControl } from "./control.js";
import type { BanEnforcer } from "./enforce.js";
import type { Filter, FilterState } from "./filters/types.js";
import { Jail } from "./jail.js";
import { DEFAULT_SSH_LOG, type JailSpec, jailSpecs } from "./jail-specs.js";
import { renderMetrics } from "./metrics.js";
import type { GuardStatus } from "./status.js";
import type { Notifier } from "./notify.js";
import { type AcceptRules, acceptDecision, OriginCap, Refusals } from "./share/accept.js";
import { SWEEP_SCHEDULE, SweepSchedule, type SweepScheduleOptions } from "./sweep-schedule.js";
import type { Decision, DecisionSink } from "./share/types.js";
import { openSource } from "./sources/open.js";
import type { LineSink, LogSource } from "./sources/types.js";
import type { BanRecord, GuardState } from "./state.js";

export { DEFAULT_SSH_LOG };

export interface GuardDeps {
  policy: Policy;
  fs: HostFs;
  clock: Clock;
  log: Logger;
  state: GuardState;
  enforcer: BanEnforcer;
  notifier?: Notifier | undefined;
  hostname?: string;
  socketPath?: string;
  /** this host's own addresses: never banned */
  ownAddresses?: string[];
  /** sources of sessions open now (admins' and others' logins): never banned */
  sessionSources?: string[];
  /** more addresses that keep the host alive (resolvers, gateways, the fleet database), with why */
  keepAlive?: { address: string; why: string }[];
  /** the jails (default: computed from the policy with jailSpecs) */
  specs?: JailSpec[];
  /** test seam: build the source for a jail */
  makeSource?: (spec: JailSpec) => LogSource;
  /** the journal's source options (tests point journalctl at their own journal) */
  journalArgs?: string[];
  /** fleet share (guard.share): local decisions are handed to it, queued, never awaited */
  share?: DecisionSink | undefined;
  /** when the periodic sweep runs (default SWEEP_SCHEDULE: every 30 s, put off during a flood) */
  sweepSchedule?: SweepScheduleOptions;
}

interface JailRuntime {
  name: string;
  spec: JailSpec;
  jail: Jail;
  filter: Filter;
  filterState: FilterState;
  sourceKey: string;
  matches: number;
  bans: number;
}

/** How long an admin's login source stays protected after the last successful login seen from it. */
const SESSION_GRACE_MS = 24 * 3600_000;

export class GuardDaemon {
  private readonly jails: JailRuntime[] = [];
  private readonly sources = new Map<string, LogSource>();
  private readonly startedAt: number;
  private server: import("node:net").Server | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** per ban target, for the mail and the reports: its last lines and the last failing address (a /64 ban is
   * reported as the address in it); bounded, least recently failed first */
  private readonly recent = new Map<string, { lines: string[]; address: string }>();
  /** admin login sources → last seen (ms) */
  private readonly sessions = new Map<string, number>();
  private lines = 0;
  private readonly hostname: string;
  private staticProtect: Protected[] = [];
  private rulesCache: GateRules | undefined;
  /** protects()' answers for the rules object they were worked out with */
  private protectsFor: GateRules | undefined;
  private protectsMemo = new WeakMap<Cidr, boolean>();
  private readonly admins: Set<string>;
  private readonly accept: AcceptRules;
  private shareRefused = 0;
  /**
   * The per-origin cap's counts of bans in force, read from the state at most once a second (a GROUP BY over
   * every ban: ~20 ms of CPU at 100,000, too much for every small page a busy fleet sends) and kept up to date
   * by the pages in between; a ban that ended or was lifted meanwhile still counts until the next read.
   */
  private originCap: { at: number; cap: OriginCap } | undefined;
  readonly book: BanBook;

  constructor(private readonly d: GuardDeps) {
    this.startedAt = d.clock.now();
    this.hostname = d.hostname ?? os.hostname();
    this.admins = new Set(d.policy.admins.map((a) => a.name));
    const share = d.policy.guard.share;
    this.accept = {
      minPrefix: { 4: share?.accept.minPrefix.ipv4 ?? 24, 6: share?.accept.minPrefix.ipv6 ?? 48 },
      maxDurationSec: share?.accept.maxDuration ?? 7 * 86400,
      origins: share?.accept.origins ?? [],
      maxBans: share?.accept.maxBans ?? 10_000,
    };
    this.book = new BanBook({
      state: d.state,
      enforcer: d.enforcer,
      clock: d.clock,
      log: d.log,
      hostname: this.hostname,
      rules: () => this.rules(),
      notifier: d.notifier,
      share: d.share,
      evidenceOf: (t) => this.recent.get(t),
    });
  }

  /** Build jails and sources from the policy, restore bans, start reading, open the control socket. */
  async start(): Promise<void> {
    const g = this.d.policy.guard;
    this.staticProtect = [
      ...protect(LOOPBACK, "loopback"),
      ...protect(g.ignore, "guard.ignore"),
      ...protect(this.d.ownAddresses ?? [], "this host's address"),
      ...(this.d.keepAlive ?? []).flatMap((k) => protect([k.address], k.why)),
    ];
    for (const s of this.d.sessionSources ?? []) this.sessions.set(s, this.d.clock.now());
    this.rulesCache = undefined;
    const ignore = g.ignore.filter((a) => tryParseCidr(a).ok);
    for (const spec of this.d.specs ?? (await jailSpecs(this.d.policy, this.d.fs, this.d.log))) {
      const jail = new Jail(
        {
          name: spec.name,
          maxretry: spec.maxretry,
          findtimeMs: spec.findtime * 1000,
          bantimeMs: spec.bantime < 0 ? Number.POSITIVE_INFINITY : spec.bantime * 1000,
          ...(spec.increment
            ? {
                increment: {
                  ...(spec.increment.factor !== undefined ? { factor: spec.increment.factor } : {}),
                  ...(spec.increment.multipliers ? { multipliers: spec.increment.multipliers } : {}),
                  maxMs: spec.increment.maxSec * 1000,
                },
              }
            : {}),
          ipv6Prefix: spec.ipv6Prefix,
          ignore: [...ignore, ...spec.ignore],
          forgetOnSuccess: spec.forgetOnSuccess,
          protects: (net) => this.protects(net),
        },
        this.d.clock,
      );
      const source = await this.sourceFor(spec);
      this.jails.push({
        name: spec.name,
        spec,
        jail,
        filter: spec.filter,
        filterState: spec.filter.createState({ clock: this.d.clock }),
        sourceKey: source.key,
        matches: 0,
        bans: 0,
      });
    }
    if (this.jails.length === 0) this.d.log.warn("no jail is enabled in the policy: the guard reads nothing");
    await this.restore();
    this.server = await serveControl(this.d.socketPath ?? CONTROL_SOCKET, (req) => this.control(req));
    for (const [key, source] of this.sources) {
      await source.start(this.sinkFor(key));
      const st = source.status();
      if (st.state === "missing") this.d.log.warn(`log source ${st.target} does not exist yet: waiting for it`, { source: key });
      else this.d.log.info(`reading ${st.target}`, { source: key, kind: st.kind });
    }
    const o = this.d.sweepSchedule ?? SWEEP_SCHEDULE;
    const schedule = new SweepSchedule(o, performance.now());
    let seen = this.lines;
    this.sweepTimer = setInterval(
      () => {
        const read = this.lines - seen;
        seen = this.lines;
        // (an error is logged: a rejection nobody handles would end the daemon)
        if (schedule.tick(performance.now(), read)) this.sweep().catch((e) => this.d.log.error(`sweep failed: ${(e as Error).message}`));
        else if (!schedule.flooded) this.d.state.tidy();
      },
      Math.min(1000, o.everyMs),
    );
    this.sweepTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const s of this.sources.values()) await s.stop();
    await this.book.flush();
    this.book.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.d.notifier?.stop(5000);
  }

  private async sourceFor(spec: JailSpec): Promise<LogSource> {
    const source = this.d.makeSource?.(spec) ?? (await openSource(spec, { ...this.d, checkpoint: (save) => this.checkpoint(save) }));
    // two jails on the same log share one reader
    const existing = this.sources.get(source.key);
    if (existing) return existing;
    this.sources.set(source.key, source);
    return source;
  }

  /** The hot path: every line of a source, as a position in a decoded chunk, through each of its jails. */
  private sinkFor(sourceKey: string): LineSink {
    const jails = this.jails.filter((j) => j.sourceKey === sourceKey);
    return {
      line: (text, start, end) => {
        this.lines++;
        for (const j of jails) {
          const m = j.filter.matchAt
            ? j.filter.matchAt(text, start, end, j.filterState)
            : j.filter.match(text.slice(start, end), j.filterState);
          if (m.kind === "none") continue;
          if (m.kind === "success") {
            j.jail.success(m.address);
            if (m.user !== undefined && this.admins.has(m.user)) this.adminSession(m.address, m.user);
            continue;
          }
          j.matches++;
          if (this.sessions.has(m.address)) continue;
          this.failure(j, m.address, m.time, m.rule, text, start, end);
        }
      },
      tooLong: () => {
        this.lines++;
      },
    };
  }

  private failure(j: JailRuntime, address: string, time: number, rule: string, text: string, start: number, end: number): void {
    const decision = j.jail.failure(address, time);
    // the lines are kept for the mail only: without a notifier, no string is made per failure
    if (decision.action === "count" && this.d.notifier) this.remember(decision.target, text.slice(start, end), address);
    if (decision.action !== "ban") return;
    if (this.d.notifier) this.remember(decision.target, text.slice(start, end), address);
    j.bans++;
    const now = this.d.clock.now();
    const refused = this.book.queue(
      {
        target: decision.target,
        jail: j.name,
        reason: `${decision.failures} failures within ${j.spec.findtime}s (${rule})`,
        origin: this.hostname,
        startedAt: now,
        expiresAt: Math.min(decision.until, expiresAfter(now, -1)),
        offense: decision.offence,
      },
      { arrivedAt: performance.now(), publish: true },
    );
    if (refused !== undefined) j.jail.unban(decision.target); // counted again if it goes on
  }

  /**
   * A source moves its saved position: in the same transaction, the bans decided from the lines before it
   * are written first — a crash then neither loses a ban nor re-reads more than the last chunk.
   */
  private checkpoint(save: () => void): void {
    this.book.transaction(save);
    this.book.publishQueued();
  }

  /** An admin logged in from `address`: it (and any prefix holding it) is never banned while it is recent. */
  private adminSession(address: string, user: string): void {
    const known = this.sessions.has(address);
    this.sessions.set(address, this.d.clock.now());
    if (known) return;
    this.rulesCache = undefined;
    this.d.log.info(`admin ${user} logged in from ${address}: never banned while the session is recent`);
  }

  /**
   * Does a prefix hold a protected address (for the jails' IPv6 aggregation)? Asked for every IPv6 failure;
   * a jail hands the same parsed prefix object for the same address, so the answer is kept per object until
   * the rules change (no bigint work per failure).
   */
  private protects(net: Cidr): boolean {
    const rules = this.rules();
    if (this.protectsFor !== rules) {
      this.protectsFor = rules;
      this.protectsMemo = new WeakMap();
    }
    let yes = this.protectsMemo.get(net);
    if (yes === undefined) {
      yes = rules.protect.some((p) => cidrsOverlap(p.cidr, net));
      this.protectsMemo.set(net, yes);
    }
    return yes;
  }

  /** The gate's rules now: the policy's minimum prefixes, the static protected list and the recent sessions. */
  private rules(): GateRules {
    if (this.rulesCache) return this.rulesCache;
    const g = this.d.policy.guard;
    this.rulesCache = {
      minPrefix: { 4: g.minPrefix.ipv4, 6: g.minPrefix.ipv6 },
      protect: [...this.staticProtect, ...protect([...this.sessions.keys()], "an admin's session")],
    };
    return this.rulesCache;
  }

  /** The last lines seen per target (for the mail), bounded. */
  private remember(target: string, line: string, address: string): void {
    const seen = this.recent.get(target) ?? { lines: [], address };
    seen.lines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (seen.lines.length > 10) seen.lines.shift();
    seen.address = address;
    this.recent.delete(target);
    this.recent.set(target, seen);
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** At start: every valid stored ban back into the kernel in one transaction; bad rows quarantined. */
  private async restore(): Promise<void> {
    const { rows } = await this.book.reconcile("restore");
    for (const j of this.jails) {
      j.jail.restore(rows.filter((b) => b.jail === j.name).map((b) => ({ target: b.target, offences: b.offense, until: b.expiresAt })));
    }
  }

  /** Every 30 s (later during a flood: sweep-schedule.ts): old sessions forgotten; the kernel made to match the state. */
  async sweep(): Promise<number> {
    const now = this.d.clock.now();
    for (const [a, seen] of this.sessions) {
      if (now - seen > SESSION_GRACE_MS) {
        this.sessions.delete(a);
        this.rulesCache = undefined;
      }
    }
    return this.book.sweep();
  }

  async flush(): Promise<void> {
    await this.book.flush();
  }

  // ---- control

  /** `guard ban`: lands in the kernel, or throws REFUSED with the gate's or the kernel's reason. */
  async ban(targetText: string, jailName: string, seconds?: number): Promise<BanRecord> {
    const secs = seconds ?? this.jails.find((j) => j.name === jailName)?.spec.bantime ?? 600;
    const now = this.d.clock.now();
    const r = this.book.commit(
      {
        target: targetText,
        jail: jailName,
        reason: "banned by hand",
        origin: this.hostname,
        startedAt: now,
        expiresAt: expiresAfter(now, secs),
        offense: 1,
      },
      { publish: true },
    );
    const outcome: Outcome | { refused: string } = "refused" in r ? r : await r.landing;
    if ("refused" in outcome && outcome.refused !== undefined)
      throw new RampartError("REFUSED", `${targetText} was not banned: ${outcome.refused}`, {
        hint: "See `rampart guard status` for refused and quarantined bans.",
      });
    return (outcome as { record: BanRecord }).record;
  }

  async unban(target: string | undefined, all: boolean, publish = true): Promise<string[]> {
    let targets: string[];
    if (all)
      targets = [
        ...this.d.state.activeBans(this.d.clock.now()).map((b) => b.target),
        ...this.d.state.quarantined(1e9).map((b) => b.target),
      ];
    else {
      const c = tryParseCidr(target ?? "");
      if (!c.ok) throw new RampartError("INPUT", `"${target}" is not an address or CIDR: ${c.reason}`);
      const t = formatCidr(c.value);
      const single = c.value.prefix === (c.value.family === 4 ? 32 : 128);
      // an address inside a banned prefix lifts that prefix; a quarantined row is lifted by its exact text
      const covering = [...this.d.state.activeBans(this.d.clock.now()), ...this.d.state.quarantined(1e9)]
        .map((b) => b.target)
        .filter((b) => b === t || (single && holds(b, t)));
      if (covering.length === 0)
        throw new RampartError("NOT_FOUND", `${t} is not banned`, { hint: "See the active bans with `rampart guard bans`." });
      targets = [...new Set(covering)];
    }
    for (const j of this.jails) for (const t of targets) j.jail.unban(t);
    await this.book.lift(targets);
    for (const t of targets) this.d.log.info(`unbanned ${t}`);
    if (publish && targets.length) {
      const now = this.d.clock.now();
      this.d.share?.publish(
        targets.map((t) => ({
          action: "unban",
          target: t,
          jail: "manual",
          reason: "unbanned by hand",
          origin: this.hostname,
          startedAt: now,
          expiresAt: now,
          offense: 0,
        })),
      );
    }
    return targets;
  }

  /**
   * Decisions from other guards (fleet share), a page at a time. Each row is checked on its own — fields, the
   * share's limits (shortest prefix, longest ban, allowed origins), the cap on bans in force per origin, then
   * the same gate as local bans — so a malformed or hostile row is skipped and counted, never the reason an
   * honest row is not applied; the page's refusals are logged as one summary line. A refused row is not
   * retried (the share reads on past it). Received bans are not re-published; unbans (from an origin
   * `accept.origins` allows) lift the exact target whatever its origin. Returns how many were refused.
   */
  async receive(decisions: readonly Decision[]): Promise<number> {
    const refusals = new Refusals();
    const lift: string[] = [];
    const landing: Promise<Outcome>[] = [];
    const now = this.d.clock.now();
    for (const raw of decisions) {
      const a = acceptDecision(raw, this.accept, now);
      if (!a.ok) {
        refusals.add(a.rule, a.origin, a.reason);
        continue;
      }
      const d = a.decision;
      if (d.action === "unban") {
        if (this.d.state.activeBan(d.target, now)) lift.push(d.target);
        continue;
      }
      const had = this.d.state.activeBan(d.target, now);
      if (had && had.expiresAt >= d.expiresAt) continue;
      if (!this.originCapAt(now).take(d.origin, had?.origin)) {
        refusals.add(
          "maxBans",
          d.origin,
          `${d.target}: ${d.origin} holds ${this.accept.maxBans} bans in force here already (guard.share.accept.maxBans)`,
        );
        continue;
      }
      const r = this.book.commit(
        {
          target: d.target,
          // A peer's ban never raises this host's repeat-offender count: the state keeps one row per target
          // and merges offences as the larger, and at start each jail takes its rows' offences back (a 1000
          // from a peer would make the next local ban of that address the longest). So a received ban is
          // stored with offence 0 (not an offence seen here), and one that extends a local ban keeps that
          // ban's jail and offence — the peer can neither raise a jail's count nor move it to another jail.
          jail: had?.jail ?? d.jail,
          reason: d.reason,
          origin: d.origin,
          startedAt: d.startedAt,
          expiresAt: d.expiresAt,
          offense: had?.offense ?? 0,
        },
        { quiet: true },
      );
      if ("refused" in r) refusals.add("gate", d.origin, `${d.target}: ${r.refused}`);
      else landing.push(r.landing);
    }
    if (lift.length) {
      for (const j of this.jails) for (const t of lift) j.jail.unban(t);
      await this.book.lift(lift);
      for (const t of lift) this.d.log.info(`unbanned ${t} (fleet)`);
    }
    await this.book.flush();
    for (const o of await Promise.all(landing)) if (!o.landed) refusals.add("kernel", o.record.origin, `${o.record.target}: ${o.refused}`);
    const line = refusals.summary(decisions.length);
    if (line) this.d.log.warn(line);
    this.shareRefused += refusals.count;
    return refusals.count;
  }

  private originCapAt(now: number): OriginCap {
    if (this.originCap === undefined || Math.abs(now - this.originCap.at) >= 1000)
      this.originCap = { at: now, cap: new OriginCap(this.accept.maxBans, this.d.state.activeByOrigin(now)) };
    return this.originCap.cap;
  }

  bans(): BanRecord[] {
    return this.d.state.activeBans(this.d.clock.now());
  }

  status(): GuardStatus {
    const book = this.book.status();
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      enforcer: this.d.enforcer.name,
      lines: this.lines,
      activeBans: this.d.state.activeCount(this.d.clock.now()),
      kernelErrors: book.kernelErrors,
      latencyMs: book.latencyMs,
      kernel: book,
      quarantined: this.d.state.quarantined(20).map((b) => ({ target: String(b.target), jail: b.jail, problem: b.problem })),
      adminSessions: [...this.sessions.keys()],
      sources: [...this.sources.values()].map((s) => s.status()),
      jails: this.jails.map((j) => ({
        name: j.name,
        filter: `${j.filter.name}[mode=${j.filter.mode}]`,
        source: j.sourceKey,
        tracked: j.jail.tracked,
        matches: j.matches,
        bans: j.bans,
      })),
      notifications: this.d.notifier ? { sent: this.d.notifier.sent, failed: this.d.notifier.failed } : undefined,
      reports: this.d.notifier?.reports?.status(),
      share: this.d.share ? { ...this.d.share.status(), refused: this.shareRefused } : undefined,
    };
  }

  metrics(): string {
    return renderMetrics(this.status());
  }

  private async control(req: ControlRequest): Promise<unknown> {
    switch (req.cmd) {
      case "status":
        return this.status();
      case "bans":
        return this.bans();
      case "metrics":
        return this.metrics();
      case "ban":
        return this.ban(req.target, req.jail, req.seconds);
      case "unban":
        return this.unban(req.target, req.all === true);
      default:
        throw new RampartError("USAGE", `unknown request ${(req as { cmd: string }).cmd}`);
    }
  }
}

/** Does the banned prefix `cidr` hold the address `address`? */
function holds(cidr: string, address: string): boolean {
  const c = tryParseCidr(cidr);
  if (!c.ok) return false;
  try {
    return cidrContains(c.value, parseIp(address, { unmapV4: true }));
  } catch {
    return false;
  }
}

/** A duration option ("1h", "600", "permanent") in seconds (-1 = permanent), or a usage error. */
export function durationArg(text: string, option: string): number {
  if (/^(permanent|forever)$/i.test(text.trim())) return -1;
  const r = parseDuration(text);
  if (typeof r === "string") throw new RampartError("USAGE", `${option} ${r}`, { hint: "e.g. 600, 10m, 1h, 1w, permanent" });
  return r;
}
