// The report queues: one per reporter, each with its own limits, so a slow or refusing AbuseIPDB never holds
// back blocklist.de. `offer` is synchronous and cheap — the BanBook calls it (through the Notifier) after a
// ban landed, so a report can never delay a ban. Per reporter:
//   - sameAddressEvery: an address reported within this time is not reported again (AbuseIPDB refuses
//     reports of one address more often than every 15 minutes) → throttled;
//   - dailyCap: reports accepted per UTC day → over it, throttled (the free plans count per day);
//   - rateLimit: the queue is paced (a burst of bans waits its turn; past 1000 waiting, throttled);
//   - retries: a failure that may pass (network, 5xx, 429) is retried with a doubling delay from
//     retry.initial to retry.max (or the endpoint's Retry-After) until retry.giveUpAfter; a final refusal
//     (bad key, 4xx) is counted failed at once. Reports wait in memory: a restart forgets them.
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { Rate } from "../../policy/units.js";
import type { CommentScrubber } from "./comment.js";
import type { Candidate, Eligible } from "./eligible.js";
import { type Report, ReportFailure, type Reporter } from "./reporters.js";

export interface ChannelLimits {
  rate: Rate;
  dailyCap: number;
  /** seconds */
  sameAddressEvery: number;
}

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  giveUpAfterMs: number;
}

export interface ChannelStatus {
  name: string;
  sent: number;
  failed: number;
  throttled: number;
  queued: number;
  lastError?: string;
}

const PER_MS = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
const QUEUE_MAX = 1000;

interface Item {
  report: Report;
  tries: number;
  firstAt: number;
  notBefore: number;
}

export class ReportChannel {
  sent = 0;
  failed = 0;
  throttled = 0;
  private lastError: string | undefined;
  private readonly queue: Item[] = [];
  /** send times within the rate window */
  private readonly window: number[] = [];
  private readonly lastReported = new Map<string, number>();
  private day = "";
  private today = 0;
  private busy = false;
  /** a request is in flight */
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly reporter: Reporter,
    private readonly limits: ChannelLimits,
    private readonly retry: RetryPolicy,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.reporter.name;
  }

  /** Accept a report or count it throttled; returns at once. */
  offer(r: Report): boolean {
    const now = this.clock.now();
    const last = this.lastReported.get(r.address);
    if (last !== undefined && now - last < this.limits.sameAddressEvery * 1000) return this.throttle(r, "reported recently");
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.today = 0;
    }
    if (this.today >= this.limits.dailyCap) return this.throttle(r, `daily cap of ${this.limits.dailyCap} reached`);
    if (this.queue.length >= QUEUE_MAX) return this.throttle(r, `${QUEUE_MAX} reports already waiting`);
    this.today++;
    this.lastReported.set(r.address, now);
    if (this.lastReported.size > 100_000) this.lastReported.delete(this.lastReported.keys().next().value as string);
    this.queue.push({ report: r, tries: 0, firstAt: now, notBefore: now });
    void this.pump();
    return true;
  }

  private throttle(r: Report, why: string): false {
    this.throttled++;
    this.log.debug(`${this.name}: not reporting ${r.address}: ${why}`);
    return false;
  }

  /** Milliseconds until the rate limit lets one more through (0: now). */
  rateWait(now: number): number {
    const per = PER_MS[this.limits.rate.per];
    while (this.window.length && (this.window[0] as number) <= now - per) this.window.shift();
    return this.window.length < this.limits.rate.count ? 0 : (this.window[0] as number) + per - now;
  }

  private async pump(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed) {
        const item = this.queue[0] as Item;
        const now = this.clock.now();
        const wait = Math.max(item.notBefore - now, this.rateWait(now));
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        this.window.push(now);
        this.sending = true;
        try {
          await this.reporter.send(item.report);
          this.sent++;
          this.queue.shift();
          this.log.info(`reported ${item.report.address} to ${this.name}`, {
            jail: item.report.jail,
            ...(item.tries ? { tries: item.tries + 1 } : {}),
          });
        } catch (e) {
          this.settleFailure(item, e);
        } finally {
          this.sending = false;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private settleFailure(item: Item, e: unknown): void {
    const f = e instanceof ReportFailure ? e : new ReportFailure((e as Error).message, true);
    this.lastError = f.message;
    item.tries++;
    const now = this.clock.now();
    const delay = f.retryAfterMs ?? Math.min(this.retry.maxMs, this.retry.initialMs * 2 ** (item.tries - 1));
    if (f.retry && now + delay - item.firstAt <= this.retry.giveUpAfterMs) {
      item.notBefore = now + Math.min(delay, this.retry.giveUpAfterMs);
      this.log.warn(`could not report ${item.report.address} to ${this.name}: ${f.message}; retrying in ${Math.round(delay / 1000)} s`);
      return;
    }
    this.failed++;
    this.queue.shift();
    this.log.warn(`gave up reporting ${item.report.address} to ${this.name}: ${f.message}`, {
      hint: f.retry
        ? "the endpoint stayed unreachable for guard.report.retry.giveUpAfter"
        : "check the key file and the account at the service",
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, Math.min(ms, 2_147_000_000));
      this.timer.unref?.();
    });
  }

  /** nothing waiting or in flight (a closed channel is idle: shutdown does not wait on a dead endpoint) */
  get idle(): boolean {
    return this.closed || (this.queue.length === 0 && !this.busy);
  }

  /** no request in flight (reports may still wait for their turn or retry) */
  get settled(): boolean {
    return this.closed || !this.sending;
  }

  status(): ChannelStatus {
    return {
      name: this.name,
      sent: this.sent,
      failed: this.failed,
      throttled: this.throttled,
      queued: this.queue.length,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
  }
}

export interface ReportsStatus {
  /** bans not reported (received, private, documentation, ignored, own, no evidence) */
  skipped: number;
  reporters: ChannelStatus[];
  /** reporters configured but not running, with why */
  disabled?: { name: string; error: string }[];
}

/** What a ban notice brings (notify.ts BanNotice). */
export interface Offered extends Candidate {
  reason: string;
  offense: number;
  startedAt: number;
  hostname: string;
}

/** The reporters together: decide once whether a ban may be reported, then hand it to every channel. */
export class Reports {
  skipped = 0;

  constructor(
    readonly channels: ReportChannel[],
    private readonly eligible: Eligible,
    private readonly scrubber: CommentScrubber,
    private readonly log: Logger,
    /** reporters configured but not running (their key could not be used), with why */
    private readonly disabled: readonly { name: string; error: string }[] = [],
  ) {}

  offer(n: Offered): void {
    const e = this.eligible.check(n);
    if (!e.ok) {
      this.skipped++;
      this.log.debug(`not reporting ${n.target}: ${e.reason}`);
      return;
    }
    const report: Report = {
      address: e.address,
      target: n.target,
      jail: n.jail,
      reason: n.reason,
      offense: n.offense,
      startedAt: n.startedAt,
      comment: this.scrubber.comment(n.lines),
      hostname: n.hostname,
    };
    for (const c of this.channels) c.offer(report);
  }

  async drain(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.channels.every((c) => c.idle) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  }

  status(): ReportsStatus {
    return {
      skipped: this.skipped,
      reporters: this.channels.map((c) => c.status()),
      ...(this.disabled.length ? { disabled: [...this.disabled] } : {}),
    };
  }

  /**
   * At shutdown: let requests in flight finish (up to the timeout), then stop. Reports still waiting are lost
   * (they live in memory) and said so: waiting out a retry delay would hold up the guard's stop.
   */
  async stop(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.channels.every((c) => c.settled) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    for (const c of this.channels) {
      const left = c.status().queued;
      if (left) this.log.warn(`${left} report(s) to ${c.name} not sent: the guard is stopping`);
    }
    this.close();
  }

  close(): void {
    for (const c of this.channels) c.close();
  }
}
