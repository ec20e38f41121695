// Connections' shortcuts (the last record, the last closed key, the key bitmaps that skip lookups bound to
// miss) against the plain two-generation maps they stand for: on random sequences of conn / peek / take —
// with pids that collide in the bitmaps (equal low 16 bits) and more connections than a generation holds —
// every call returns the same record (or none) as the plain version.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { type Conn, Connections } from "./connections.js";
import { MAX_CONNECTIONS } from "./rules.js";

/** the definition: two generations of maps, every lookup done */
class Plain {
  private young = new Map<number, Conn>();
  private old = new Map<number, Conn>();
  private key = (host: number, pid: number) => (Math.imul(host, 0x9e3779b1) ^ pid) | 0;
  conn(host: number, pid: number): Conn {
    const key = this.key(host, pid);
    let c = this.young.get(key);
    if (c && c.host === host && c.pid === pid) return c;
    c = this.old.get(key);
    if (c) this.old.delete(key);
    if (!c || c.host !== host || c.pid !== pid)
      c = { host, pid, address: undefined, v4: -1, pending: undefined, userHash: 0, userSeen: false };
    if (this.young.size >= MAX_CONNECTIONS / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, c);
    return c;
  }
  peek(host: number, pid: number): Conn | undefined {
    const key = this.key(host, pid);
    const c = this.young.get(key) ?? this.old.get(key);
    return c && c.host === host && c.pid === pid ? c : undefined;
  }
  take(host: number, pid: number): Conn | undefined {
    const key = this.key(host, pid);
    let c = this.young.get(key);
    if (c && c.host === host && c.pid === pid) {
      this.young.delete(key);
      return c;
    }
    c = this.old.get(key);
    if (c && c.host === host && c.pid === pid) {
      this.old.delete(key);
      return c;
    }
    return undefined;
  }
}

type Op = [0 | 1 | 2, number, number];

/** each record as the number of the call that created it, so two implementations can be compared */
function runOps(impl: Pick<Plain, "conn" | "peek" | "take">, ops: Op[]): number[] {
  const ids = new WeakMap<Conn, number>();
  const out: number[] = [];
  ops.forEach(([op, host, pid], i) => {
    const c = op === 0 ? impl.conn(host, pid) : op === 1 ? impl.peek(host, pid) : impl.take(host, pid);
    if (c === undefined) out.push(-1);
    else {
      if (!ids.has(c)) ids.set(c, i);
      out.push(ids.get(c) as number);
    }
  });
  return out;
}

describe("Connections = the plain two-generation maps", () => {
  test("random conn / peek / take, colliding keys, generations turning over", () => {
    // pids from a few bases 65536 apart (same low bits), runs of one pid (the last-record and closed-key
    // shortcuts), and bursts of new pids (past MAX_CONNECTIONS / 2: the generations turn over)
    const pid = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 4 },
      { arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => 7 + k * 65536), weight: 2 },
      { arbitrary: fc.integer({ min: 1000, max: 1000 + 2 * MAX_CONNECTIONS }), weight: 1 },
    );
    const op = fc.tuple(fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2), fc.constantFrom(0x811c9dc5 | 0, 12345), pid);
    const run = fc
      .array(fc.tuple(op, fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 400 })
      .map((a) => a.flatMap(([o, n]) => Array<Op>(n).fill(o)));
    fc.assert(
      fc.property(run, fc.integer({ min: 0, max: 3 * MAX_CONNECTIONS }), (ops, burst) => {
        // a burst of new connections in the middle, to turn the generations over
        const all: Op[] = [...ops.slice(0, ops.length >> 1)];
        for (let i = 0; i < burst; i++) all.push([0, 12345, 100_000 + i]);
        all.push(...ops.slice(ops.length >> 1), ...ops);
        assert.deepEqual(runOps(new Connections(), all), runOps(new Plain(), all));
      }),
      { numRuns: 60 },
    );
  });

  test("thousands of connections open at once, pids scattered (keys sharing low bits)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 2000, max: 7000 }), (seed, live) => {
        let x = seed;
        const rnd = () => {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          return (x >>> 0) / 2 ** 32;
        };
        const pool = Array.from({ length: live }, () => Math.floor(rnd() * 2 ** 22));
        const ops: Op[] = [];
        for (let i = 0; i < 40_000; i++) {
          const r = rnd();
          ops.push([r < 0.5 ? 0 : r < 0.8 ? 2 : 1, 12345, pool[Math.floor(rnd() * live)] as number]);
        }
        assert.deepEqual(runOps(new Connections(), ops), runOps(new Plain(), ops));
      }),
      { numRuns: 12 },
    );
  });
});
