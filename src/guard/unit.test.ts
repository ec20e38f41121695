// The guard's service starts with its heap bounds: the unit and the cron line carry GUARD_ENV, and node (and
// glibc's malloc) really apply it from the environment (a V8 flag set at run time does nothing to the young generation's
// size); `guard run` sets GUARD_HEAP_FLAGS at run time, and that one does bound the old generation.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { detachedEnv, GUARD_HEAP_FLAGS } from "./run.js";
import { GUARD_ENV, guardCron, guardUnit } from "./unit.js";

test("the unit and the cron line start the guard with GUARD_ENV", () => {
  const self = ["/usr/bin/rampart"];
  assert.match(guardUnit({ self, cwd: "/" }), /^Environment=NODE_OPTIONS=--max-semi-space-size=4$/m);
  assert.match(guardUnit({ self, cwd: "/" }), /^Environment=MALLOC_ARENA_MAX=1$/m);
  // the cron line runs `guard run --detach`, which starts the guard with GUARD_ENV's options (kept with the admin's)
  assert.match(guardCron({ self, cwd: "/" }), /^@reboot root cd \/ && \/usr\/bin\/rampart guard run --detach$/m);
  assert.equal(detachedEnv({ PATH: "/bin" }).NODE_OPTIONS, GUARD_ENV.NODE_OPTIONS);
  assert.equal(detachedEnv({ NODE_OPTIONS: "--use-openssl-ca" }).NODE_OPTIONS, `--use-openssl-ca ${GUARD_ENV.NODE_OPTIONS}`);
  assert.equal(detachedEnv({ PATH: "/bin" }).MALLOC_ARENA_MAX, "1");
  assert.equal(detachedEnv({ MALLOC_ARENA_MAX: "2" }).MALLOC_ARENA_MAX, "2", "the admin's own setting is kept");
});

test("GUARD_ENV keeps glibc's malloc to one arena in a node whose threads allocate", () => {
  // a worker thread mallocs (Buffers); then count glibc's thread arenas: each is a 64 MiB-aligned reservation
  // (read-write part, then the rest reserved ---p) in /proc/self/maps
  const script = `
    const { Worker } = require("node:worker_threads");
    const w = new Worker("const a = []; for (let i = 0; i < 2000; i++) a.push(Buffer.alloc(4096 + i)); require('node:worker_threads').parentPort.postMessage(0)", { eval: true });
    w.on("message", () => {
      const H = 64n << 20n;
      const maps = require("node:fs").readFileSync("/proc/self/maps", "utf8").trim().split("\\n").map((l) => {
        const [range, perm, , , , name] = l.split(/\\s+/);
        const [a, b] = range.split("-").map((x) => BigInt("0x" + x));
        return { a, b, perm, name };
      });
      const arenas = maps.filter((m, i) => m.a % H === 0n && !m.name && m.perm === "rw-p" && maps[i + 1]?.a === m.b && maps[i + 1].perm === "---p" && maps[i + 1].b - m.a === H);
      console.log(arenas.length);
      w.terminate();
    });`;
  const arenas = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["-e", script], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout);
  };
  assert.equal(arenas({ ...GUARD_ENV }), 0, "with GUARD_ENV: only the main arena");
  assert.ok(arenas({}) > 0, "without it the threads get arenas of their own (else this test proves nothing)");
});

test("GUARD_ENV bounds V8's young generation of a node that allocates fast", () => {
  const script = `
    const v8 = require("node:v8");
    let keep = [], peak = 0;
    for (let i = 0; i < 2e6; i++) {
      keep.push({ i, s: "x" + i });
      if (keep.length > 20000) keep = [];
      if (i % 1000 === 0) peak = Math.max(peak, v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size);
    }
    console.log(peak);`;
  const young = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ["-e", script], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout) / 2 ** 20;
  };
  const bounded = young({ ...GUARD_ENV });
  assert.ok(bounded <= 8, `young generation ${bounded} MiB with GUARD_ENV`);
  assert.ok(young({}) > bounded, "without GUARD_ENV the young generation grows further (else this test proves nothing)");
});

test("GUARD_HEAP_FLAGS, set at run time, keeps the old generation near what lives", () => {
  // a process that keeps a little (bans) and throws away much (decoded chunks): its peak heap
  const script = `
    const v8 = require("node:v8");
    if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
    const live = []; let junk = []; let peak = 0;
    for (let i = 0; i < 150000; i++) {
      if (i % 4 === 0) live.push({ t: "198.51." + i, e: i });
      for (let j = 0; j < 10; j++) junk.push({ a: "x" + i + j });
      if (junk.length > 100000) junk = [];
      if (i % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
    }
    console.log(peak);`;
  const peak = (flags: string) => {
    const r = spawnSync(process.execPath, ["-e", script, flags], { env: { PATH: process.env.PATH ?? "", ...GUARD_ENV }, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout) / 2 ** 20;
  };
  const bounded = peak(GUARD_HEAP_FLAGS);
  const free = peak("");
  assert.ok(bounded < free * 0.8, `peak heap ${bounded.toFixed(1)} MiB with the flags, ${free.toFixed(1)} MiB without`);
});
