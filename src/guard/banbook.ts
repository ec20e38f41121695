// The BanBook: the only door from decisions to the kernel. Jails, `guard ban`, the fleet receiver, the
// start-up restore and the sweep all hand bans to it; it
//  1. checks each one at the gate (firewall/gate.ts: strict text, shortest prefix, protected addresses,
//     the backend's largest timeout) — a refused ban is reported and never reaches the kernel;
//  2. commits it to the state database before the kernel sees it (a crash loses no ban);
//  3. batches what is queued in one event-loop turn into one kernel transaction;
//  4. keeps the kernel set free of overlaps (nft interval sets refuse an address inside a banned prefix):
//     an element covered by a broader one is held back and loaded when the broader one ends; a prefix
//     replaces the narrower elements it covers;
//  5. isolates what the kernel refuses: a failed batch is split until the refused element is alone; it is
//     quarantined (kept in the state with the kernel's words, shown by `guard status`, never retried
//     blindly) and the rest lands. A kernel without the sets (firewall not loaded) is retried with backoff.
// The state is the truth; the sweep makes the kernel match it (lost bans back, stale elements out, bans
// longer than the backend's largest timeout refreshed before they lapse).
import type { Clock } from "../core/clock.js";
import { type Cidr, cidrOf, cidrsOverlap, formatCidr, parseCidr } from "../core/ip.js";
import type { Logger } from "../core/logger.js";
import { checkElement, type GateRules, kernelTimeout, type Verdict } from "../firewall/gate.js";
import { type BanEnforcer, type KernelBan, setMissing } from "./enforce.js";
import type { Notifier } from "./notify.js";
import type { DecisionSink } from "./share/types.js";
import type { BanRecord, GuardState } from "./state.js";

export interface BanBookDeps {
  state: GuardState;
  enforcer: BanEnforcer;
  clock: Clock;
  log: Logger;
  hostname: string;
  /** the gate's rules now (the protected list grows as admins log in) */
  rules: () => GateRules;
  notifier?: Notifier | undefined;
  share?: DecisionSink | undefined;
  /** the log lines that led to a ban and the address that failed (for the mail and the reports) */
  evidenceOf?: (target: string) => { lines: string[]; address: string } | undefined;
}

export interface CommitOptions {
  /** ms (performance.now) when the deciding line was read: for the latency figure */
  arrivedAt?: number;
  /** hand the decision to the fleet (not for received ones) */
  publish?: boolean;
  /** no log line, mail or latency sample (a known ban put back) */
  reassert?: boolean;
  /** no log line for a refusal at the gate: the caller tells it (the fleet receiver, one line per page) */
  quiet?: boolean;
}

/** What became of one ban handed to the BanBook. */
export type Outcome = { landed: true; record: BanRecord } | { landed: false; record: BanRecord; refused: string };

interface Pending {
  record: BanRecord;
  cidr: Cidr;
  arrivedAt: number;
  reassert: boolean;
  /** told the outcome (commit's promise); none for queue() */
  done?: (record: BanRecord, refusal: string | undefined) => void;
}

interface Refusal {
  target: string;
  reason: string;
  at: string;
}

export interface BanBookStatus {
  backend: string;
  /** bans the gate or the kernel refused since start */
  refused: number;
  /** rows kept in the state but never loaded (see `problem`) */
  quarantined: number;
  /** kernel calls that failed as a whole (sets missing) */
  kernelErrors: number;
  lastKernelError?: string;
  /** kernel calls (nft/ipset processes) and the wall time spent in them */
  kernelCalls: number;
  kernelMs: number;
  recentRefusals: Refusal[];
  /** line-to-ban latency over the last 1000 bans */
  latencyMs: { p50: number | undefined; p99: number | undefined };
  /** the same over every ban since start (1 ms buckets): what a flood's figure is taken from */
  latencySinceStart: { bans: number; p50: number | undefined; p99: number | undefined; max: number | undefined };
}

class KernelUnavailable extends Error {}

/** The longest delay a Node timer takes (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The least time between the starts of two ban transactions. A flood decides bans faster than the kernel
 * takes them, and with every ban set a hash set a transaction is ~0.5 ms of nft CPU: without a floor the
 * batches shrink to a few bans and their count (the daemon's fixed cost per batch — a state transaction, a
 * file, a pipe write, a log write — and nft's) grows 3–5× (bench/guard-daemon.ts: 1,300–2,100 transactions
 * for 1M lines). 10 ms bounds them to 100 a second and adds at most 10 ms to a ban's way to the kernel.
 */
const GAP_MS = 10;
const RETRY_MIN_MS = 2000;
const RETRY_MAX_MS = 60_000;

export class BanBook {
  /** what the kernel holds, as far as we know */
  private loaded = new ElementView();
  private pending: Pending[] = [];
  /** committed bans not yet in the state database / the fleet outbox (written in one transaction each) */
  private unwritten: BanRecord[] = [];
  private unpublished: BanRecord[] = [];
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  /** performance.now() when the last kernel transaction began */
  private sentAt = Number.NEGATIVE_INFINITY;
  private lastStateError: string | undefined;
  private revealTimer: NodeJS.Timeout | undefined;
  private revealAt = Number.POSITIVE_INFINITY;
  private readonly latencies: number[] = [];
  private readonly latencyAll = new Histogram();
  private readonly refusals: Refusal[] = [];
  private refused = 0;
  private kernelErrors = 0;
  /** kernel calls made and the wall time until their answer was seen */
  private kernelCalls = 0;
  private kernelMs = 0;
  private lastKernelError: string | undefined;
  private closed = false;

  constructor(private readonly d: BanBookDeps) {}

  /**
   * Check a ban at the gate, commit it and queue it for the kernel. Returns the refusal at once when the gate
   * says no (nothing is written); else a promise of the outcome once the kernel answered.
   */
  commit(record: BanRecord, o: CommitOptions = {}): { refused: string } | { landing: Promise<Outcome> } {
    let settle: (o: Outcome) => void = () => {};
    const landing = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    const r = this.enqueue(record, o, (rec, refusal) =>
      settle(refusal === undefined ? { landed: true, record: rec } : { landed: false, record: rec, refused: refusal }),
    );
    return typeof r === "string" ? { refused: r } : { landing };
  }

  /**
   * commit() for a caller that does not wait for the kernel's answer (a jail's ban: a flood decides
   * thousands a second, and a promise each was garbage the daemon paid for): the gate's refusal, or undefined
   * once queued. The outcome shows in the log, the status and the metrics as for any ban.
   */
  queue(record: BanRecord, o: CommitOptions = {}): string | undefined {
    const r = this.enqueue(record, o, undefined);
    return typeof r === "string" ? r : undefined;
  }

  /** The gate, then the state's and the kernel's queues: the refusal, or the record as committed. */
  private enqueue(record: BanRecord, o: CommitOptions, done: Pending["done"]): string | BanRecord {
    const v = this.check(record, this.d.rules(), this.d.clock.now());
    if (!v.ok) return this.refuse(record.target, v.reason, o.quiet === true);
    const rec = v.target === record.target ? record : { ...record, target: v.target };
    this.unwritten.push(rec);
    if (o.publish) this.unpublished.push(rec);
    this.pending.push({
      record: rec,
      cidr: v.cidr,
      arrivedAt: o.arrivedAt ?? performance.now(),
      reassert: o.reassert === true,
      ...(done ? { done } : {}),
    });
    this.schedule();
    return rec;
  }

  /**
   * The next flush: in the next turn of the event loop (what one turn decided is one batch; a flush waits for
   * the one in flight, so what is decided meanwhile is the next batch), and never sooner than GAP_MS after the
   * last batch began. Pacing by the observed wall time of a transaction (mostly the daemon's own busy event
   * loop) was tried and only added latency (bench/guard-daemon.ts at load ≈ 11: p99 507 → 392 ms without it);
   * the fixed floor bounds the batch count instead.
   */
  private schedule(): void {
    // while a batch is in flight, what is decided waits for its answer and goes then, as one batch (flush);
    // while the kernel has no sets, it waits for the retry (unavailable)
    if (this.flushScheduled || this.closed || this.flushing || this.retryTimer) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.kick();
    });
  }

  /**
   * Write committed bans to the state database and hand them to the fleet outbox. Called before the kernel
   * sees them; the state part also runs inside each source position save (see writeState).
   */
  persist(): void {
    try {
      this.writeState();
    } catch (e) {
      // the bans still go to the kernel (its timeouts end them); their rows wait for the next write, and a
      // sweep leaves them in the kernel meanwhile
      this.stateError(e);
    }
    this.publishQueued();
  }

  private stateError(e: unknown): void {
    const message = (e as Error).message;
    if (message === this.lastStateError) return;
    this.lastStateError = message;
    this.d.log.error(`could not write ${this.unwritten.length} ban(s) to the state database: ${message}`, {
      hint: "they are in the kernel and written again with the next bans; free disk space if it is full",
    });
  }

  /**
   * Committed bans into the state database (one transaction, or part of the caller's: the daemon runs it in
   * the same transaction as a source's position save, so a crash loses neither a ban nor its lines).
   */
  writeState(): void {
    if (this.unwritten.length === 0) return;
    this.d.state.addBans(this.unwritten);
    this.unwritten = [];
    this.lastStateError = undefined;
  }

  /**
   * `fn` in one state transaction with the committed bans (the daemon's position saves): if it fails, the
   * bans are kept for the next write, not lost with the rolled-back transaction.
   */
  transaction(fn: () => void): void {
    const rows = this.unwritten;
    try {
      this.d.state.transaction(() => {
        this.writeState();
        fn();
      });
    } catch (e) {
      this.unwritten = rows.concat(this.unwritten === rows ? [] : this.unwritten);
      throw e;
    }
  }

  /**
   * Fleet: into the share's local outbox, sent later; never waits on the network. Never inside a state
   * transaction: the outbox is another connection to the same SQLite file and would wait on our lock.
   */
  publishQueued(): void {
    if (this.unpublished.length === 0) return;
    this.d.share?.publish(this.unpublished.map((r) => ({ action: "ban" as const, ...r })));
    this.unpublished = [];
  }

  /** A flush nobody waits for: an error in it is logged, never an unhandled rejection that ends the daemon. */
  private kick(): void {
    this.flush().catch((e) => this.d.log.error(`ban batch failed: ${(e as Error).message}`));
  }

  /**
   * Send what is queued to the kernel; one batch in flight at a time. What is decided while one is in flight
   * goes as soon as its answer is seen (not a turn of the event loop later, and with one state write for the
   * batch rather than one per scheduled flush).
   */
  async flush(): Promise<void> {
    this.persist();
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    this.flushing = this.next();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
      this.flushRest();
    }
  }

  /** What waits goes now (not a turn later), unless a kernel without the sets retries on its timer. */
  private flushRest(): void {
    if (this.pending.length > 0 && !this.closed && !this.retryTimer) this.kick();
  }

  /**
   * The next batch: what is pending once GAP_MS have passed since the last transaction began (at once when
   * that is long ago), written to the state just before the kernel sees it.
   */
  private async next(): Promise<void> {
    // a timer counts from the event loop's cached clock, so it can fire early by as long as the turn that set it
    // had run: wait again until the gap has really passed
    for (;;) {
      const wait = this.sentAt + GAP_MS - performance.now();
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    this.persist();
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    await this.land(batch);
  }

  private async land(batch: Pending[]): Promise<void> {
    const now = this.d.clock.now();
    const backend = this.d.enforcer.backend;
    // broader first, so a prefix in the batch hides the addresses it covers in the same batch
    batch.sort((a, b) => a.cidr.prefix - b.cidr.prefix);
    const adds = new Map<string, { ban: KernelBan; p: Pending[] }>();
    const removes = new Set<string>();
    /** elements this batch leaves out of the kernel because a broader one holds them (loaded ones taken out too) */
    const hidden: Cidr[] = [];
    const settled: Pending[] = [];
    // the kernel as it will be after this batch: what is loaded, less what the batch takes out, plus its adds
    const added = new ElementView();
    const view = {
      get: (t: string) => added.get(t) ?? (removes.has(t) ? undefined : this.loaded.get(t)),
      covering: (c: Cidr) => added.covering(c) ?? this.loaded.covering(c, removes),
      inside: (c: Cidr) => [...added.inside(c), ...this.loaded.inside(c).filter(([k]) => !removes.has(k))],
      set: (t: string, e: number) => added.set(t, e),
      delete: (t: string) => {
        added.delete(t);
        if (this.loaded.has(t)) removes.add(t);
      },
    };
    for (const p of batch) {
      const t = p.record.target;
      const timeoutSec = kernelTimeout(p.record.expiresAt, now, backend);
      if (timeoutSec === undefined) {
        settled.push(p); // ended while it waited: nothing to load
        continue;
      }
      const same = view.get(t);
      if (same !== undefined) {
        if (same >= p.record.expiresAt) {
          settled.push(p);
          continue;
        }
        const a = adds.get(t);
        if (a) {
          a.ban.timeoutSec = timeoutSec;
          a.p.push(p);
        } else adds.set(t, { ban: { target: t, timeoutSec, refresh: true }, p: [p] });
        view.set(t, p.record.expiresAt);
        continue;
      }
      const cover = view.covering(p.cidr);
      if (cover !== undefined) {
        // the kernel already drops it; it is loaded itself when the broader ban ends first
        if (p.record.expiresAt > cover) this.revealLater(cover);
        hidden.push(p.cidr);
        settled.push(p);
        continue;
      }
      for (const [k, inner] of view.inside(p.cidr)) {
        const held = adds.get(k);
        if (held) settled.push(...held.p);
        adds.delete(k);
        view.delete(k);
        if (removes.has(k)) hidden.push(parseCidr(k));
        if (inner > p.record.expiresAt) this.revealLater(p.record.expiresAt);
      }
      adds.set(t, { ban: { target: t, timeoutSec, refresh: false }, p: [p] });
      view.set(t, p.record.expiresAt);
    }

    let refusedBy: Map<string, string>;
    try {
      refusedBy = await this.send(
        [...adds.values()].map((a) => a.ban),
        [...removes],
      );
    } catch (e) {
      if (!(e instanceof KernelUnavailable)) throw e;
      this.unavailable(e.message, batch);
      return;
    }
    this.retryMs = RETRY_MIN_MS;
    for (const k of removes) this.loaded.delete(k);
    // a prefix the kernel refused leaves out what it was to hold: the narrower elements of this batch, and the
    // loaded ones it took out in a transaction of their own before it (nft checks overlaps against the set as
    // it was: enforce.ts). A sweep puts them back at once (after this batch: it waits for the kernel to
    // itself), not at its next round. (Only then: a set that refuses everything must not sweep per batch.)
    const refusedNets = [...refusedBy.keys()].filter((t) => t.includes("/")).map((t) => parseCidr(t));
    if (refusedNets.some((n) => hidden.some((c) => cidrsOverlap(n, c))))
      this.reconcile("sweep").catch((e) => this.d.log.error(`sweep failed: ${(e as Error).message}`));
    const done = performance.now();
    // one write for the batch's log lines (a line per ban, the same text)
    this.d.log.batch(() => {
      for (const [t, a] of adds) {
        const reason = refusedBy.get(t);
        if (reason !== undefined) {
          this.d.state.quarantine(t, `the kernel refused it: ${reason}`);
          const why = this.refuse(t, `the kernel refused it: ${reason}`);
          for (const p of a.p) p.done?.(p.record, why);
          continue;
        }
        const last = a.p[a.p.length - 1] as Pending;
        this.loaded.set(t, last.record.expiresAt);
        for (const p of a.p) this.landed(p, done);
      }
      for (const p of settled) this.landed(p, done);
    });
  }

  private landed(p: Pending, done: number): void {
    p.done?.(p.record, undefined);
    if (p.reassert) return;
    this.latencies.push(done - p.arrivedAt);
    this.latencyAll.add(done - p.arrivedAt);
    if (this.latencies.length > 1000) this.latencies.shift();
    const r = p.record;
    this.d.log.info(`banned ${r.target}`, {
      jail: r.jail,
      until: new Date(r.expiresAt).toISOString(),
      offense: r.offense,
      reason: r.reason,
      ...(r.origin !== this.d.hostname ? { origin: r.origin } : {}),
    });
    // queued only: the mail and the reports are sent later, off this path
    const seen = this.d.evidenceOf?.(r.target);
    this.d.notifier?.notify({ ...r, lines: seen?.lines ?? [], hostname: this.d.hostname, address: seen?.address });
  }

  /**
   * One kernel call for all; on a refusal, split the adds until each refused element is alone. Returns the
   * refused targets with the kernel's words; throws KernelUnavailable when the sets are not there.
   */
  private async send(adds: KernelBan[], removes: string[]): Promise<Map<string, string>> {
    const refused = new Map<string, string>();
    const t0 = performance.now();
    this.sentAt = t0; // the gap is between kernel transactions (see next)
    try {
      this.kernelCalls++;
      await this.d.enforcer.apply(adds, removes);
      this.timed(t0);
      return refused;
    } catch (e) {
      this.timed(t0);
      const msg = kernelWords(e);
      if (setMissing(msg)) throw new KernelUnavailable(msg);
      if (removes.length) {
        // removals are idempotent: tried once more on their own (a sweep takes out what is still there), then
        // the adds without them, so a removal the kernel refuses never refuses an add
        this.kernelCalls++;
        await this.d.enforcer.apply([], removes).catch(() => {});
        return adds.length ? this.send(adds, []) : refused;
      }
      if (adds.length <= 1) {
        if (adds[0]) refused.set(adds[0].target, msg);
        return refused;
      }
    }
    const half = Math.ceil(adds.length / 2);
    for (const part of [adds.slice(0, half), adds.slice(half)]) for (const [k, v] of await this.send(part, [])) refused.set(k, v);
    return refused;
  }

  private timed(t0: number): void {
    this.kernelMs += performance.now() - t0;
  }

  private unavailable(message: string, batch: Pending[]): void {
    this.kernelErrors++;
    if (this.lastKernelError !== message || this.retryMs === RETRY_MIN_MS)
      this.d.log.error(`could not add ${batch.length} ban(s) to the kernel: ${message}`, {
        hint: `is the firewall loaded? (\`rampart apply --only firewall\`); retrying in ${Math.round(this.retryMs / 1000)} s`,
      });
    this.lastKernelError = message;
    this.pending = batch.concat(this.pending); // (a spread of a large backlog overflows the stack)
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, this.retryMs);
    this.retryTimer.unref?.();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private refuse(target: string, reason: string, quiet = false): string {
    this.refused++;
    this.refusals.push({ target, reason, at: new Date(this.d.clock.now()).toISOString() });
    if (this.refusals.length > 20) this.refusals.shift();
    if (!quiet) this.d.log.warn(`not banning ${target}: ${reason}`);
    return reason;
  }

  /** Re-check the held-back elements when a broader ban ends. */
  private revealLater(at: number): void {
    if (at >= this.revealAt || this.closed) return;
    this.revealAt = at;
    if (this.revealTimer) clearTimeout(this.revealTimer);
    this.revealTimer = setTimeout(
      () => {
        this.revealAt = Number.POSITIVE_INFINITY;
        this.revealTimer = undefined;
        this.sweep().catch((e) => this.d.log.error(`sweep failed: ${(e as Error).message}`));
      },
      // a timer longer than 2^31-1 ms fires at once: a later end is re-checked by the sweep this one starts
      Math.min(MAX_TIMER_MS, Math.max(0, at - this.d.clock.now()) + 1000),
    );
    this.revealTimer.unref?.();
  }

  // ---- the state as truth

  /**
   * Rows of the state that may be loaded: each one passes the gate again (rules may have changed, a row may
   * be damaged); a bad row is quarantined with why, never the reason others are missing.
   */
  validRows(now: number): Valid[] {
    const rules = this.d.rules();
    const ok: Valid[] = [];
    const bad: string[] = [];
    for (const r of this.d.state.activeBans(now)) {
      const v = this.check(r, rules, now);
      if (!v.ok) {
        this.d.state.quarantine(String(r.target), v.reason);
        bad.push(`${String(r.target)}: ${v.reason}`);
        continue;
      }
      ok.push({ record: v.target === r.target ? r : { ...r, target: v.target }, cidr: v.cidr });
    }
    if (bad.length) {
      this.refused += bad.length;
      this.d.log.error(`${bad.length} stored ban(s) quarantined: ${bad.slice(0, 3).join("; ")}${bad.length > 3 ? "; …" : ""}`, {
        hint: "they stay in the state database (see `rampart guard status`); `rampart guard unban TARGET` removes one",
      });
    }
    return ok;
  }

  /** The gate's verdict on a ban, and whether its end is a time the backend can load. */
  private check(r: BanRecord, rules: GateRules, now: number): Verdict {
    if (typeof r.target !== "string") return { ok: false, rule: "malformed", reason: "the target is not text" };
    const v = checkElement(r.target, rules);
    if (v.ok && kernelTimeout(r.expiresAt, now, this.d.enforcer.backend) === undefined)
      return { ok: false, rule: "expired", reason: `its end (${String(r.expiresAt)}) is not a time in the future` };
    return v;
  }

  /** The rows to load: valid, and not covered by a broader valid row (the kernel set holds no overlaps). */
  private desired(rows: Valid[]): ElementView {
    const want = new ElementView();
    for (const { record: r, cidr } of [...rows].sort((a, b) => a.cidr.prefix - b.cidr.prefix)) {
      const cover = want.covering(cidr);
      if (cover !== undefined) {
        if (r.expiresAt > cover) this.revealLater(cover);
        continue;
      }
      want.set(r.target, r.expiresAt);
    }
    return want;
  }

  /**
   * Make the kernel match the state: at start (restore) and every 30 s (sweep). Adds what is missing, takes
   * out what the state does not hold, refreshes bans longer than the backend's largest timeout before they
   * lapse. Returns how many were put back.
   */
  reconcile(reason: "restore" | "sweep"): Promise<{ added: number; rows: BanRecord[] }> {
    return this.exclusive(() => this.reconcileNow(reason));
  }

  /**
   * Run `fn` with the kernel to itself: it waits for the batch in flight, and no batch starts until it ends.
   * A reconcile reads the kernel, writes to it, then rebuilds what is loaded from that reading: a batch that
   * landed in between would be missing from it (a narrower ban then refused as an overlap, a longer one sent
   * as a plain add that keeps the old timeout).
   */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.flushing) await this.flushing;
    let release = () => {};
    this.flushing = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      return await fn();
    } finally {
      this.flushing = undefined;
      release();
      this.flushRest(); // what was decided meanwhile
    }
  }

  private async reconcileNow(reason: "restore" | "sweep"): Promise<{ added: number; rows: BanRecord[] }> {
    const now = this.d.clock.now();
    const inKernel = new Map<string, number | undefined>();
    try {
      for (const [k, left] of await this.d.enforcer.list()) {
        const c = canonical(k);
        if (c !== undefined) inKernel.set(c, left);
      }
    } catch {
      return { added: 0, rows: this.validRows(now).map((v) => v.record) }; // the kernel could not be read: try again next time
    }
    const valid = this.validRows(now);
    const rows = valid.map((v) => v.record);
    const want = this.desired(valid);
    const backend = this.d.enforcer.backend;
    // queued for the kernel, or in it while their rows wait for the state (persist): not stale
    const queued = new Set(this.pending.map((p) => p.record.target));
    for (const r of this.unwritten) queued.add(r.target);
    const adds: KernelBan[] = [];
    for (const [t, end] of want.entries()) {
      if (queued.has(t)) continue;
      const timeoutSec = kernelTimeout(end, now, backend) as number;
      const left = inKernel.get(t);
      const has = inKernel.has(t);
      // a ban longer than the kernel's largest timeout: refreshed when the kernel's copy has < 2 sweeps left
      const lapsing = has && left !== undefined && timeoutSec > left + 60 && left < 90;
      if (!has || lapsing) adds.push({ target: t, timeoutSec, refresh: lapsing });
    }
    const stale = [...inKernel.keys()].filter((k) => !want.has(k) && !queued.has(k));
    if (adds.length === 0 && stale.length === 0) {
      this.resetView(want, inKernel);
      return { added: 0, rows };
    }
    const t0 = performance.now();
    let refusedBy: Map<string, string>;
    try {
      refusedBy = await this.send(adds, stale);
    } catch (e) {
      if (!(e instanceof KernelUnavailable)) throw e;
      this.kernelErrors++;
      this.lastKernelError = e.message;
      this.d.log.error(`could not ${reason === "restore" ? "restore" : "put back"} ${adds.length} ban(s): ${e.message}`, {
        hint: "load the firewall (`rampart apply --only firewall`); the guard retries every 30 s",
      });
      return { added: 0, rows };
    }
    for (const [t, why] of refusedBy) {
      this.d.state.quarantine(t, `the kernel refused it: ${why}`);
      this.refuse(t, `the kernel refused it: ${why}`);
      want.delete(t);
    }
    for (const k of stale) inKernel.delete(k);
    for (const a of adds) if (!refusedBy.has(a.target)) inKernel.set(a.target, a.timeoutSec || undefined);
    this.resetView(want, inKernel);
    const added = adds.filter((a) => !a.refresh && !refusedBy.has(a.target)).length;
    const ms = Math.round(performance.now() - t0);
    if (reason === "restore") this.d.log.info(`restored ${added} ban(s) into the kernel in ${ms} ms`);
    else if (added) this.d.log.warn(`${added} ban(s) were missing from the kernel (firewall reloaded or rolled back?): put back`);
    return { added, rows };
  }

  private resetView(want: ElementView, inKernel: Map<string, number | undefined>): void {
    this.loaded = new ElementView();
    for (const [t, end] of want.entries()) if (inKernel.has(t)) this.loaded.set(t, end);
  }

  async sweep(): Promise<number> {
    await this.flush();
    return (await this.reconcile("sweep")).added;
  }

  /** Lift bans: out of the state and the kernel; what they held back is loaded. */
  async lift(targets: string[]): Promise<void> {
    if (targets.length === 0) return;
    this.persist(); // a ban committed in this same turn is written first, so the removal below wins
    this.d.state.removeBans(targets);
    await this.flush();
    await this.exclusive(async () => {
      try {
        await this.d.enforcer.apply([], targets);
      } catch (e) {
        const msg = kernelWords(e);
        if (!setMissing(msg)) throw e; // no sets: nothing to take out
      }
      for (const t of targets) this.loaded.delete(t);
      await this.reconcileNow("sweep");
    });
  }

  status(): BanBookStatus {
    return {
      backend: this.d.enforcer.name,
      refused: this.refused,
      quarantined: this.d.state.quarantinedCount(),
      kernelErrors: this.kernelErrors,
      kernelCalls: this.kernelCalls,
      kernelMs: Math.round(this.kernelMs),
      ...(this.lastKernelError ? { lastKernelError: this.lastKernelError } : {}),
      recentRefusals: [...this.refusals],
      latencyMs: quantiles(this.latencies),
      latencySinceStart: this.latencyAll.summary(),
    };
  }

  close(): void {
    this.closed = true;
    this.d.enforcer.close?.();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.revealTimer) clearTimeout(this.revealTimer);
  }
}

/** A stored ban that passed the gate, with its parsed target. */
interface Valid {
  record: BanRecord;
  cidr: Cidr;
}

/**
 * Elements of a ban set by canonical text → end (ms), with the prefix lengths in use per family, so "is there
 * a broader element holding this one" is one map lookup per length in use (usually one or two), not a scan.
 * Only the end is kept per element (a parsed prefix and its bigint were ~80 bytes a ban, 2 MiB of a flood's
 * 22,000): family and length are read from the text, which is canonical (the gate made it).
 */
class ElementView {
  private readonly map = new Map<string, number>();
  private readonly lengths: Record<4 | 6, Map<number, number>> = { 4: new Map(), 6: new Map() };

  has(target: string): boolean {
    return this.map.has(target);
  }

  /** the element's end, if it is there */
  get(target: string): number | undefined {
    return this.map.get(target);
  }

  entries(): IterableIterator<[string, number]> {
    return this.map.entries();
  }

  set(target: string, expiresAt: number): void {
    if (!this.map.has(target)) {
      const s = shape(target);
      const m = this.lengths[s.family];
      m.set(s.prefix, (m.get(s.prefix) ?? 0) + 1);
    }
    this.map.set(target, expiresAt);
  }

  delete(target: string): void {
    if (!this.map.delete(target)) return;
    const s = shape(target);
    const m = this.lengths[s.family];
    const n = (m.get(s.prefix) ?? 1) - 1;
    if (n <= 0) m.delete(s.prefix);
    else m.set(s.prefix, n);
  }

  /** The end of an element strictly broader than c that contains it (not one of `except`). */
  covering(c: Cidr, except?: ReadonlySet<string>): number | undefined {
    for (const len of this.lengths[c.family].keys()) {
      if (len >= c.prefix) continue;
      const key = formatCidr(cidrOf({ family: c.family, value: c.value }, len));
      const hit = this.map.get(key);
      if (hit !== undefined && !except?.has(key)) return hit;
    }
    return undefined;
  }

  /** Elements strictly inside c, with their ends (a scan, only when narrower elements of that family exist). */
  inside(c: Cidr): [string, number][] {
    let narrower = false;
    for (const l of this.lengths[c.family].keys()) narrower ||= l > c.prefix;
    if (!narrower) return [];
    const out: [string, number][] = [];
    const net = formatCidr(c);
    for (const [k, e] of this.map) {
      const s = shape(k);
      if (s.family !== c.family || s.prefix <= c.prefix) continue;
      if (formatCidr(cidrOf({ family: c.family, value: parseCidr(k).value }, c.prefix)) === net) out.push([k, e]);
    }
    return out;
  }
}

/** Family and prefix length of a canonical element text ("198.51.100.7", "2001:db8::/64"), without parsing it. */
function shape(target: string): { family: 4 | 6; prefix: number } {
  const family = target.includes(":") ? 6 : 4;
  const slash = target.indexOf("/");
  return { family, prefix: slash < 0 ? (family === 4 ? 32 : 128) : Number(target.slice(slash + 1)) };
}

/** The kernel's own words from a failed nft/ipset run: the first "Error:" line, else the message. */
function kernelWords(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split("\n").find((l) => /error/i.test(l));
  return (
    (line ?? msg)
      .replace(/^.*?Error:\s*/i, "")
      .trim()
      .slice(0, 300) || msg.slice(0, 300)
  );
}

function canonical(target: string): string | undefined {
  try {
    return formatCidr(parseCidr(target));
  } catch {
    return undefined;
  }
}

/** Counts per whole millisecond (up to a minute; longer ones in the last bucket): quantiles over any number of bans. */
class Histogram {
  private readonly counts = new Uint32Array(60_001);
  private n = 0;
  private top = 0;

  add(ms: number): void {
    const b = Math.min(this.counts.length - 1, Math.max(0, Math.floor(ms)));
    this.counts[b] = (this.counts[b] as number) + 1;
    this.n++;
    this.top = Math.max(this.top, ms);
  }

  /** the bucket holding the q-th ban, as its upper edge (ms) */
  private quantile(q: number): number | undefined {
    if (this.n === 0) return undefined;
    const rank = Math.min(this.n, Math.floor(q * this.n) + 1);
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b] as number;
      if (seen >= rank) return b + 1;
    }
    return undefined;
  }

  summary(): { bans: number; p50: number | undefined; p99: number | undefined; max: number | undefined } {
    return {
      bans: this.n,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
      max: this.n ? Math.round(this.top * 100) / 100 : undefined,
    };
  }
}

/** p50 and p99 of the recent latencies (one sort of at most 1000 values per status call) */
function quantiles(values: number[]): { p50: number | undefined; p99: number | undefined } {
  if (values.length === 0) return { p50: undefined, p99: undefined };
  // a typed array sorts numerically in place, without a comparator call (and a boxed number) per comparison
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 100) / 100;
  return { p50: at(0.5), p99: at(0.99) };
}
