// An injectable clock, so that ban expiry, findtime windows, waiver dates and rollback timers are tested
// without sleeping (fail2ban's mytime.py idea). Production code takes a Clock; tests pass a FakeClock.

export interface Clock {
  /** milliseconds since the Unix epoch */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class FakeClock implements Clock {
  private ms: number;
  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.ms = typeof start === "number" ? start : start.getTime();
  }
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number | Date): void {
    this.ms = typeof ms === "number" ? ms : ms.getTime();
  }
}
