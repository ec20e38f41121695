// How many bans are in force now, kept in memory so `guard status` and the metrics (polled every few
// seconds by Prometheus, every 100 ms by the benchmark) cost no SQL: a SQL count reads every row of a
// 20,000-ban table on each call. The state database (state.ts) tells this index every change it makes;
// bans end by time alone, so the index is a min-heap of end times: counting at `now` pops the ends that
// passed (O(log n) each, once per ban) and answers with the size of a map. Exact, not an estimate.
// Hand-written: a binary heap of 40 lines is less than a dependency.

export class Expiries {
  /** targets counted as in force → their end (ms) */
  private readonly live = new Map<unknown, number>();
  /** (end, target) pairs, smallest end first; an entry whose end is no longer the target's is stale */
  private ends: number[] = [];
  private targets: unknown[] = [];
  /** the latest `now` counted at: ends up to it have been popped */
  private last = Number.NEGATIVE_INFINITY;

  /** Can `count(now)` answer? Not when the clock stepped back (bans that ended may run again): reload. */
  answers(now: number): boolean {
    return now >= this.last;
  }

  /** Start over from the rows of the database. */
  load(rows: Iterable<[unknown, number]>): void {
    this.live.clear();
    this.last = Number.NEGATIVE_INFINITY;
    for (const [t, end] of rows) this.live.set(t, end);
    this.rebuild();
  }

  /** A ban runs until `end` (its row's final end: the database keeps the later of two). */
  set(target: unknown, end: number): void {
    if (end <= this.last) {
      this.live.delete(target);
      return;
    }
    this.live.set(target, end);
    this.push(end, target);
    // stale entries (a target's end moved) are dropped when they surface; rebuild if they pile up
    if (this.ends.length > 2 * this.live.size + 1024) this.rebuild();
  }

  /** The end of a ban counted now (undefined: none, or ended by the last count). */
  end(target: unknown): number | undefined {
    return this.live.get(target);
  }

  /** The row is gone or quarantined: not counted. */
  delete(target: unknown): void {
    this.live.delete(target);
  }

  /** Bans with an end after `now` (call `answers(now)` first: `now` never goes back). */
  count(now: number): number {
    this.last = now;
    while (this.ends.length > 0 && (this.ends[0] as number) <= now) {
      const end = this.ends[0] as number;
      const target = this.targets[0];
      this.pop();
      if (this.live.get(target) === end) this.live.delete(target);
    }
    return this.live.size;
  }

  private rebuild(): void {
    this.ends = [];
    this.targets = [];
    for (const [t, end] of this.live) this.push(end, t);
  }
  private push(end: number, target: unknown): void {
    const e = this.ends;
    const t = this.targets;
    let i = e.length;
    e.push(end);
    t.push(target);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((e[parent] as number) <= end) break;
      e[i] = e[parent] as number;
      t[i] = t[parent];
      i = parent;
    }
    e[i] = end;
    t[i] = target;
  }

  private pop(): void {
    const e = this.ends;
    const t = this.targets;
    const end = e.pop() as number;
    const target = t.pop();
    const n = e.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (e[r] as number) < (e[l] as number) ? r : l;
      if ((e[c] as number) >= end) break;
      e[i] = e[c] as number;
      t[i] = t[c];
      i = c;
    }
    e[i] = end;
    t[i] = target;
  }
}
