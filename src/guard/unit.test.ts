// The guard's service starts with its heap bounds: the unit and the cron line carry GUARD_ENV, and node
// really applies it from the environment (a V8 flag set at run time does nothing to the heap's sizes).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { GUARD_ENV, guardCron, guardUnit } from "./unit.js";

test("the unit and the cron line start the guard with GUARD_ENV", () => {
  const self = ["/usr/bin/rampart"];
  assert.match(guardUnit({ self, cwd: "/" }), /^Environment=NODE_OPTIONS=--max-semi-space-size=4$/m);
  assert.match(guardCron({ self, cwd: "/" }), / && NODE_OPTIONS=--max-semi-space-size=4 \/usr\/bin\/rampart guard run --detach$/m);
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
