import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, parseDuration, parseRate } from "./units.js";

test("durations", () => {
  assert.equal(parseDuration("10m"), 600);
  assert.equal(parseDuration("1h30m"), 5400);
  assert.equal(parseDuration("1w"), 604800);
  assert.equal(parseDuration("600"), 600);
  assert.equal(parseDuration(42), 42);
  assert.equal(parseDuration("2 days"), 172800);
  assert.match(String(parseDuration("10x")), /unknown unit "x"/);
  assert.match(String(parseDuration("soon")), /not a duration/);
  assert.match(String(parseDuration(-1)), /whole number/);
  assert.equal(formatDuration(5400), "1h30m");
  assert.equal(formatDuration(0), "0s");
});

test("rates", () => {
  assert.deepEqual(parseRate("10/minute"), { count: 10, per: "minute" });
  assert.deepEqual(parseRate("5/s"), { count: 5, per: "second" });
  assert.match(String(parseRate("ten per minute")), /not a rate/);
  assert.match(String(parseRate("0/minute")), /at least 1/);
});
