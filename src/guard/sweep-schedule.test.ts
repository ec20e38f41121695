import assert from "node:assert/strict";
import { test } from "node:test";
import { SweepSchedule } from "./sweep-schedule.js";

const o = { everyMs: 30_000, floodLinesPerSec: 5_000, maxDelayMs: 120_000 };

test("sweep schedule: every 30 s when quiet", () => {
  const s = new SweepSchedule(o, 0);
  const runs: number[] = [];
  for (let t = 1000; t <= 95_000; t += 1000) if (s.tick(t, 10)) runs.push(t);
  assert.deepEqual(runs, [30_000, 60_000, 90_000]);
  assert.equal(s.deferred, 0);
});

test("sweep schedule: put off while flooded, run as soon as the flood ends", () => {
  const s = new SweepSchedule(o, 0);
  const runs: number[] = [];
  // 250,000 lines/s from 20 s to 45 s
  for (let t = 1000; t <= 70_000; t += 1000) if (s.tick(t, t > 20_000 && t <= 45_000 ? 250_000 : 0)) runs.push(t);
  assert.deepEqual(runs, [46_000]);
  assert.equal(s.deferred, 1);
});

test("sweep schedule: a flood that never ends still gets its sweep, at most maxDelay late", () => {
  const s = new SweepSchedule(o, 0);
  const runs: number[] = [];
  for (let t = 1000; t <= 400_000; t += 1000) if (s.tick(t, 250_000)) runs.push(t);
  assert.deepEqual(runs, [150_000, 300_000]);
  assert.equal(s.deferred, 3); // the third is still waiting
});

test("sweep schedule: the rate is per second of wall time, whatever the gap between ticks", () => {
  const s = new SweepSchedule(o, 0);
  assert.equal(s.tick(25_000, 0), false);
  // 60,000 lines over 30 s is 2,000 lines/s: not a flood
  assert.equal(s.tick(55_000, 60_000), true);
});
