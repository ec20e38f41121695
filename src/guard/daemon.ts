// The guard daemon: log sources → filters → jails → bans (state first, then the kernel, batched) →
// notifications. It owns the supervision (a source that fails is reported in status, not fatal), the
// start-up restore of bans in one kernel transaction, the control socket and the metrics.
// The hot path per line is: filter.match (a linear scanner) → jail.failure (a Map update); bans are
// committed to SQLite synchronously, then flushed to the kernel in one batch per event-loop turn.
import os from "node:os";
import type { Clock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import { type Cidr, cidrRange, formatCidr, parseCidr, tryParseCidr } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import { parseDuration } from "../policy/units.js";
import type { HostFs } from "../system/hostfs.js";
import { CONTROL_SOCKET, type ControlRequest, serveControl } from "./control.js";
import type { BanEnforcer, KernelBan } from "./enforce.js";
import type { Filter, FilterState } from "./filters/types.js";
import { Jail } from "./jail.js";
import { DEFAULT_SSH_LOG, type JailSpec, jailSpecs } from "./jail-specs.js";
import type { Notifier } from "./notify.js";
import { FileSource } from "./sources/file.js";
import { JournalSource } from "./sources/journald.js";
import type { LogSource, SourceStatus } from "./sources/types.js";
import type { Decision, DecisionSink, ShareStatus } from "./share/types.js";
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
  /** never banned, besides the policy's: this host's addresses, logged-in admin sessions */
  extraIgnore?: string[];
  /** the jails (default: computed from the policy with jailSpecs) */
  specs?: JailSpec[];
  /** test seam: build the source for a jail */
  makeSource?: (spec: JailSpec) => LogSource;
  /** the journal's source options (tests point journalctl at their own journal) */
  journalArgs?: string[];
  /** fleet share (guard.share): local decisions are handed to it, queued, never awaited */
  share?: DecisionSink | undefined;
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

interface PendingBan {
  record: BanRecord;
  arrivedAt: number;
  refresh: boolean;
  /** a known ban put back into the kernel (start-up restore, sweep): no log line, mail or latency sample */
  reassert?: boolean;
}

export class GuardDaemon {
  private readonly jails: JailRuntime[] = [];
  private readonly sources = new Map<string, LogSource>();
  private readonly startedAt: number;
  private pending: PendingBan[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private server: import("node:net").Server | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly latencies: number[] = [];
  private readonly recent = new Map<string, string[]>();
  private readonly sessionIgnore = new Set<string>();
  private lines = 0;
  private kernelErrors = 0;
  private readonly hostname: string;
  private ignoreList: Cidr[] = [];

  constructor(private readonly d: GuardDeps) {
    this.startedAt = d.clock.now();
    this.hostname = d.hostname ?? os.hostname();
  }

  /** Build jails and sources from the policy, restore bans, start reading, open the control socket. */
  async start(): Promise<void> {
    const g = this.d.policy.guard;
    const ignore = [...g.ignore, ...(this.d.extraIgnore ?? [])].filter((a) => tryParseCidr(a).ok);
    this.ignoreList = ignore.map((a) => parseCidr(a));
    for (const spec of this.d.specs ?? (await jailSpecs(this.d.policy, this.d.fs, this.d.log))) {
      const jail = new Jail(
        {
          name: spec.name,
          maxretry: spec.maxretry,
          findtimeMs: spec.findtime * 1000,
          bantimeMs: spec.bantime * 1000,
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
      await source.start((lines) => this.onLines(key, lines));
      const st = source.status();
      if (st.state === "missing") this.d.log.warn(`log source ${st.target} does not exist yet: waiting for it`, { source: key });
      else this.d.log.info(`reading ${st.target}`, { source: key, kind: st.kind });
    }
    this.sweepTimer = setInterval(() => void this.sweep(), 30_000);
    this.sweepTimer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const s of this.sources.values()) await s.stop();
    await this.flush();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.d.notifier?.drain(5000);
  }

  /** `backend: auto`: the file when it exists, else the journal — and say which. */
  private async sourceFor(spec: JailSpec): Promise<LogSource> {
    const made = this.d.makeSource?.(spec);
    if (made) return this.shareSource(made);
    const path = spec.logpath;
    let backend = spec.backend;
    if (backend === "auto") {
      backend = (await this.d.fs.exists(path)) ? "file" : "journald";
      this.d.log.info(
        `jail ${spec.name}: backend auto chose ${backend === "file" ? path : `the systemd journal (${path} does not exist)`}`,
      );
    }
    if (backend === "file") {
      const key = `file:${path}`;
      return this.shareSource(
        new FileSource({
          path: await this.d.fs.real(path),
          position: this.d.state.position(key),
          savePosition: (p) => this.d.state.savePosition({ ...p, key }),
          now: () => this.d.clock.now(),
        }),
        key,
      );
    }
    const extra = this.d.journalArgs ? { extraArgs: this.d.journalArgs } : {};
    const key = new JournalSource({ matches: spec.journalMatches, ...extra }).key;
    return this.shareSource(
      new JournalSource({
        matches: spec.journalMatches,
        position: this.d.state.position(key),
        savePosition: (p) => this.d.state.savePosition(p),
        ...extra,
        now: () => this.d.clock.now(),
      }),
    );
  }

  /** Two jails on the same log share one reader. */
  private shareSource(source: LogSource, key = source.key): LogSource {
    const existing = this.sources.get(key);
    if (existing) return existing;
    this.sources.set(key, source);
    return source;
  }

  private onLines(sourceKey: string, lines: string[]): void {
    const arrivedAt = performance.now();
    this.lines += lines.length;
    for (const j of this.jails) {
      if (j.sourceKey !== sourceKey) continue;
      for (const line of lines) {
        const m = j.filter.match(line, j.filterState);
        if (m.kind === "none") continue;
        if (m.kind === "success") {
          j.jail.success(m.address);
          if (m.user && this.d.policy.admins.some((a) => a.name === m.user)) this.sessionIgnore.add(m.address);
          continue;
        }
        j.matches++;
        if (this.sessionIgnore.has(m.address)) continue;
        const decision = j.jail.failure(m.address, m.time);
        if (decision.action === "count") this.remember(decision.target, line);
        if (decision.action !== "ban") continue;
        this.remember(decision.target, line);
        j.bans++;
        const now = this.d.clock.now();
        this.queueBan(
          {
            target: decision.target,
            jail: j.name,
            reason: `${decision.failures} failures within ${j.spec.findtime}s (${m.rule})`,
            origin: this.hostname,
            startedAt: now,
            expiresAt: decision.until,
            offense: decision.offence,
          },
          arrivedAt,
          false,
        );
      }
    }
  }

  /** The last lines seen per target (for the mail), bounded. */
  private remember(target: string, line: string): void {
    const list = this.recent.get(target) ?? [];
    list.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    if (list.length > 10) list.shift();
    this.recent.delete(target);
    this.recent.set(target, list);
    if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value as string);
  }

  private queueBan(record: BanRecord, arrivedAt: number, refresh: boolean, publish = true): void {
    // durable first: a crash after this line still ends with the ban in the kernel at the next start
    this.d.state.addBans([record]);
    // fleet: into the share's local outbox (SQLite), sent later; never waits on the network
    if (publish) this.d.share?.publish([{ action: "ban", ...record }]);
    this.pending.push({ record, arrivedAt, refresh });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        void this.flush();
      });
    }
  }

  /** Send pending bans to the kernel in one call; one flush at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = (async () => {
      const now = this.d.clock.now();
      const bans: KernelBan[] = batch.map((p) => ({
        target: p.record.target,
        timeoutSec: Math.max(1, Math.ceil((p.record.expiresAt - now) / 1000)),
        refresh: p.refresh,
      }));
      try {
        await this.d.enforcer.add(bans);
        const done = performance.now();
        for (const p of batch) {
          if (p.reassert) continue;
          this.recordLatency(done - p.arrivedAt);
          this.d.log.info(`banned ${p.record.target}`, {
            jail: p.record.jail,
            until: new Date(p.record.expiresAt).toISOString(),
            offense: p.record.offense,
            reason: p.record.reason,
          });
          this.d.notifier?.notify({ ...p.record, lines: this.recent.get(p.record.target) ?? [], hostname: this.hostname });
        }
      } catch (e) {
        this.kernelErrors++;
        this.d.log.error(`could not add ${batch.length} ban(s) to the kernel: ${(e as Error).message}`, {
          hint: "is the firewall loaded? (`rampart apply --only firewall`); retrying in 2 s",
        });
        setTimeout(() => {
          this.pending.unshift(...batch);
          void this.flush();
        }, 2000).unref?.();
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** At start: every committed, unexpired ban goes back into the kernel in one transaction. */
  private async restore(): Promise<void> {
    const now = this.d.clock.now();
    const active = this.d.state.activeBans(now);
    for (const j of this.jails) {
      j.jail.restore(active.filter((b) => b.jail === j.name).map((b) => ({ target: b.target, offences: b.offense, until: b.expiresAt })));
    }
    if (active.length === 0) return;
    const t0 = performance.now();
    try {
      await this.d.enforcer.add(active.map((b) => ({ target: b.target, timeoutSec: Math.max(1, Math.ceil((b.expiresAt - now) / 1000)) })));
      this.d.log.info(`restored ${active.length} ban(s) into the kernel in ${Math.round(performance.now() - t0)} ms`);
    } catch (e) {
      this.kernelErrors++;
      this.d.log.error(`could not restore ${active.length} ban(s): ${(e as Error).message}`, {
        hint: "load the firewall (`rampart apply --only firewall`); the guard retries",
      });
      for (const b of active) this.pending.push({ record: b, arrivedAt: performance.now(), refresh: false, reassert: true });
      setTimeout(() => void this.flush(), 2000).unref?.();
    }
  }

  /**
   * Every 30 s: drop expired rows (the kernel expired them itself) and put back any active ban the kernel
   * lost — a firewall rollback or reload that replaced the sets, someone flushing them by hand. The state is
   * the truth; the kernel is made to match it.
   */
  async sweep(): Promise<number> {
    const now = this.d.clock.now();
    const active = this.d.state.activeBans(now);
    if (active.length === 0) return 0;
    let inKernel: Map<string, number | undefined>;
    try {
      inKernel = await this.d.enforcer.list();
    } catch {
      return 0; // the kernel could not be read: try again next time
    }
    const lost = active.filter((b) => !inKernel.has(b.target) && this.pending.every((p) => p.record.target !== b.target));
    if (lost.length === 0) return 0;
    this.d.log.warn(`${lost.length} ban(s) were missing from the kernel (firewall reloaded or rolled back?): putting them back`);
    for (const b of lost) this.pending.push({ record: b, arrivedAt: performance.now(), refresh: false, reassert: true });
    await this.flush();
    return lost.length;
  }

  private recordLatency(ms: number): void {
    this.latencies.push(ms);
    if (this.latencies.length > 1000) this.latencies.shift();
  }

  // ---- control

  async ban(targetText: string, jailName: string, seconds?: number): Promise<BanRecord> {
    const c = tryParseCidr(targetText);
    if (!c.ok) throw new RampartError("INPUT", `"${targetText}" is not an address or CIDR: ${c.reason}`);
    const target = formatCidr(c.value);
    const secs = seconds ?? this.jails.find((j) => j.name === jailName)?.spec.bantime ?? 600;
    const now = this.d.clock.now();
    const had = this.d.state.activeBans(now).some((b) => b.target === target);
    const record: BanRecord = {
      target,
      jail: jailName,
      reason: "banned by hand",
      origin: this.hostname,
      startedAt: now,
      expiresAt: now + secs * 1000,
      offense: 1,
    };
    this.queueBan(record, performance.now(), had);
    await this.flush();
    return record;
  }

  async unban(target: string | undefined, all: boolean, publish = true): Promise<string[]> {
    let targets: string[];
    if (all) targets = this.d.state.removeAllBans();
    else {
      const c = tryParseCidr(target ?? "");
      if (!c.ok) throw new RampartError("INPUT", `"${target}" is not an address or CIDR: ${c.reason}`);
      const t = formatCidr(c.value);
      // an address inside a banned /64 lifts that /64
      const covering = this.d.state
        .activeBans(this.d.clock.now())
        .map((b) => b.target)
        .filter((b) => b === t || (c.value.prefix === (c.value.family === 4 ? 32 : 128) && containsText(b, t)));
      if (covering.length === 0)
        throw new RampartError("NOT_FOUND", `${t} is not banned`, { hint: "See the active bans with `rampart guard bans`." });
      this.d.state.removeBans(covering);
      targets = covering;
    }
    for (const j of this.jails) for (const t of targets) j.jail.unban(t);
    await this.d.enforcer.remove(targets);
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
   * Decisions from other guards (fleet share): bans with their remaining time, never over an address of the
   * local ignore list (a banned prefix holding one is refused too), not re-published; unbans lift the exact
   * target whatever its origin. Returns how many were refused by the ignore list.
   */
  async receive(decisions: readonly Decision[]): Promise<number> {
    let ignored = 0;
    const lift: string[] = [];
    for (const d of decisions) {
      const c = tryParseCidr(d.target);
      if (!c.ok) continue;
      const target = formatCidr(c.value);
      const now = this.d.clock.now();
      if (d.action === "unban") {
        if (this.d.state.activeBan(target, now)) lift.push(target);
        continue;
      }
      if (d.expiresAt <= now) continue;
      if (this.isIgnored(c.value)) {
        ignored++;
        this.d.log.info(`not applying ${target} from ${d.origin}: it holds an address of the ignore list`);
        continue;
      }
      const had = this.d.state.activeBan(target, now);
      if (had && had.expiresAt >= d.expiresAt) continue;
      const record: BanRecord = {
        target,
        jail: d.jail,
        reason: d.reason,
        origin: d.origin,
        startedAt: d.startedAt,
        expiresAt: d.expiresAt,
        offense: d.offense,
      };
      this.queueBan(record, performance.now(), had !== undefined, false);
    }
    if (lift.length) {
      this.d.state.removeBans(lift);
      for (const j of this.jails) for (const t of lift) j.jail.unban(t);
      await this.d.enforcer.remove(lift);
      for (const t of lift) this.d.log.info(`unbanned ${t} (fleet)`);
    }
    await this.flush();
    return ignored;
  }

  /** The policy's ignore list, this host's addresses and the admins' session sources: never banned. */
  private isIgnored(c: Cidr): boolean {
    const [lo, hi] = cidrRange(c);
    const overlaps = (x: Cidr) => {
      if (x.family !== c.family) return false;
      const [a, b] = cidrRange(x);
      return a <= hi && lo <= b;
    };
    return (
      this.ignoreList.some(overlaps) ||
      [...this.sessionIgnore].some((s) => {
        const p = tryParseCidr(s);
        return p.ok && overlaps(p.value);
      })
    );
  }

  bans(): BanRecord[] {
    return this.d.state.activeBans(this.d.clock.now());
  }

  status(): GuardStatus {
    const sources = [...this.sources.values()].map((s) => s.status());
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      enforcer: this.d.enforcer.name,
      lines: this.lines,
      activeBans: this.bans().length,
      kernelErrors: this.kernelErrors,
      latencyMs: { p50: quantile(this.latencies, 0.5), p99: quantile(this.latencies, 0.99) },
      sources,
      jails: this.jails.map((j) => ({
        name: j.name,
        filter: `${j.filter.name}[mode=${j.filter.mode}]`,
        source: j.sourceKey,
        tracked: j.jail.tracked,
        matches: j.matches,
        bans: j.bans,
      })),
      notifications: this.d.notifier ? { sent: this.d.notifier.sent, failed: this.d.notifier.failed } : undefined,
      share: this.d.share?.status(),
    };
  }

  metrics(): string {
    const s = this.status();
    const L = [
      "# HELP rampart_guard_lines_total Log lines read.",
      "# TYPE rampart_guard_lines_total counter",
      `rampart_guard_lines_total ${s.lines}`,
      "# HELP rampart_guard_matches_total Failures matched, per jail.",
      "# TYPE rampart_guard_matches_total counter",
      ...s.jails.map((j) => `rampart_guard_matches_total{jail="${j.name}"} ${j.matches}`),
      "# HELP rampart_guard_bans_total Bans decided, per jail.",
      "# TYPE rampart_guard_bans_total counter",
      ...s.jails.map((j) => `rampart_guard_bans_total{jail="${j.name}"} ${j.bans}`),
      "# HELP rampart_guard_active_bans Bans in force.",
      "# TYPE rampart_guard_active_bans gauge",
      `rampart_guard_active_bans ${s.activeBans}`,
      "# HELP rampart_guard_ban_latency_seconds From the deciding log line read to the ban in the kernel (last 1000 bans).",
      "# TYPE rampart_guard_ban_latency_seconds summary",
      `rampart_guard_ban_latency_seconds{quantile="0.5"} ${(s.latencyMs.p50 ?? 0) / 1000}`,
      `rampart_guard_ban_latency_seconds{quantile="0.99"} ${(s.latencyMs.p99 ?? 0) / 1000}`,
      "# HELP rampart_guard_source_up 1 when the log source is being read.",
      "# TYPE rampart_guard_source_up gauge",
      ...s.sources.map((x) => `rampart_guard_source_up{source="${x.target.replace(/["\\\n]/g, "_")}"} ${x.state === "reading" ? 1 : 0}`),
    ];
    return `${L.join("\n")}\n`;
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

export interface GuardStatus {
  startedAt: string;
  enforcer: string;
  lines: number;
  activeBans: number;
  kernelErrors: number;
  latencyMs: { p50: number | undefined; p99: number | undefined };
  sources: SourceStatus[];
  jails: { name: string; filter: string; source: string; tracked: number; matches: number; bans: number }[];
  notifications: { sent: number; failed: number } | undefined;
  share: ShareStatus | undefined;
}

function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 100) / 100;
}

function containsText(cidr: string, address: string): boolean {
  const c = tryParseCidr(cidr);
  const a = tryParseCidr(address);
  if (!c.ok || !a.ok || c.value.family !== a.value.family) return false;
  return formatCidr(parseCidr(`${address}/${c.value.prefix}`)) === formatCidr(c.value);
}

/** A duration option ("1h", "600") in seconds, or a usage error. */
export function durationArg(text: string, option: string): number {
  const r = parseDuration(text);
  if (typeof r === "string") throw new RampartError("USAGE", `${option} ${r}`, { hint: "e.g. 600, 10m, 1h, 1w" });
  return r;
}
