// When the daemon's periodic sweep (the kernel made to match the state: every ban row read from SQLite,
// every element of the ban sets listed by `nft -j` and parsed) runs. Every 30 s — but not while a flood of
// log lines is being read: with ~20,000 bans the sweep is tens of ms of one synchronous block (every ban
// decided meanwhile waits for it) and ~18 MiB of transient memory at the flood's peak. A deferred sweep runs
// as soon as the flood ends, and never more than `maxDelayMs` late: a flood that never ends still gets it.
// The daemon asks about once a second, with how many lines it read since it last asked.

export interface SweepScheduleOptions {
  /** a sweep every this many ms (30 s) */
  everyMs: number;
  /** lines read in one second at or over which the daemon is flooded (the sweep waits) */
  floodLinesPerSec: number;
  /** how late a sweep may run because of a flood (then it runs anyway) */
  maxDelayMs: number;
}

export const SWEEP_SCHEDULE: SweepScheduleOptions = { everyMs: 30_000, floodLinesPerSec: 5_000, maxDelayMs: 120_000 };

export class SweepSchedule {
  private due: number;
  /** sweeps put off because of a flood (each due sweep counted once) */
  deferred = 0;
  private deferring = false;
  /** was a flood being read at the last tick? (other upkeep waits for it too: state.ts's fold) */
  flooded = false;
  private last: number;

  constructor(
    private readonly o: SweepScheduleOptions,
    now: number,
  ) {
    this.due = now + o.everyMs;
    this.last = now;
  }

  /** About once a second: should the sweep run now? `lines`: lines read since the last call. */
  tick(now: number, lines: number): boolean {
    this.flooded = (lines * 1000) / Math.max(1, now - this.last) >= this.o.floodLinesPerSec;
    this.last = now;
    if (now < this.due) return false;
    if (this.flooded && now < this.due + this.o.maxDelayMs) {
      if (!this.deferring) this.deferred++;
      this.deferring = true;
      return false;
    }
    this.deferring = false;
    this.due = now + this.o.everyMs;
    return true;
  }
}
