import assert from "node:assert/strict";
import { test } from "node:test";
import { exitCodeFor, RampartError } from "./errors.js";
import { createLogger } from "./logger.js";

test("JSON log lines carry time, level, message and fields", () => {
  const lines: string[] = [];
  const log = createLogger({ format: "json", write: (l) => lines.push(l), now: () => Date.UTC(2026, 10, 22) }).child({ jail: "sshd" });
  log.info("banned", { address: "198.51.100.7" });
  log.debug("hidden");
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0] as string), {
    time: "2026-11-22T00:00:00.000Z",
    level: "info",
    msg: "banned",
    jail: "sshd",
    address: "198.51.100.7",
  });
});

test("text log lines are readable", () => {
  const lines: string[] = [];
  createLogger({ format: "text", color: false, write: (l) => lines.push(l) }).warn("slow source", { source: "/var/log/auth.log", lag: 3 });
  assert.equal(lines[0], "warning: slow source source=/var/log/auth.log lag=3\n");
});

test("a batch writes the lines logged in it (by the logger and its children) at its end, in one write, same text", () => {
  const writes: string[] = [];
  const log = createLogger({ format: "text", color: false, write: (l) => writes.push(l) });
  const one = (l: typeof log) => {
    l.info("banned 198.51.100.7", { jail: "sshd" });
    l.child({ jail: "web" }).warn("not banning 127.0.0.1");
  };
  one(log);
  const alone = [...writes];
  writes.length = 0;
  const r = log.batch(() => {
    one(log);
    log.batch(() => log.error("inner")); // nested: written with the outer batch
    assert.equal(writes.length, 0, "nothing written before the batch ends");
    return 7;
  });
  assert.equal(r, 7);
  assert.deepEqual(writes, [`${alone.join("")}error: inner\n`]);
  writes.length = 0;
  assert.throws(() =>
    log.batch(() => {
      log.info("before the throw");
      throw new Error("x");
    }),
  );
  assert.deepEqual(writes, ["info: before the throw\n"], "a batch that throws still writes its lines");
  log.info("after");
  assert.deepEqual(writes.at(-1), "info: after\n", "back to one write per line");
});

test("errors map to the documented exit codes", () => {
  assert.equal(exitCodeFor(new RampartError("POLICY", "x")), 2);
  assert.equal(exitCodeFor(new RampartError("USAGE", "x")), 2);
  assert.equal(exitCodeFor(new RampartError("REFUSED", "x")), 1);
  assert.equal(exitCodeFor(new Error("bug")), 3);
});
