// Golden rulesets: every case under test/fixtures/firewall renders byte-for-byte to the stored files, for
// both backends. `UPDATE_GOLDEN=1 node --import tsx --test test/firewall/golden.test.ts` rewrites them
// (then review the diff: it is the exact change in what rampart loads).
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderedText } from "../../src/firewall/backend.js";
import { createBackend } from "../../src/firewall/backends/index.js";
import type { Runner } from "../../src/system/exec.js";
import { GOLDEN_FILE, caseNames, loadCase } from "./fixtures.js";

const noRun: Runner = () => Promise.reject(new Error("render must not run programs"));
const update = process.env.UPDATE_GOLDEN === "1";

for (const name of caseNames()) {
  for (const backend of ["nftables", "iptables"] as const) {
    test(`golden ${name} (${backend})`, () => {
      const c = loadCase(name);
      const text = renderedText(createBackend(backend, noRun).render(c.model));
      const file = path.join(c.dir, GOLDEN_FILE[backend]);
      if (update || !existsSync(file)) {
        writeFileSync(file, text);
        if (!update) assert.fail(`${file} did not exist; written now — review it and run again`);
        return;
      }
      assert.equal(text, readFileSync(file, "utf8"), `${file} differs (UPDATE_GOLDEN=1 rewrites it)`);
    });
  }
}

test("there are golden cases for the required policies", () => {
  for (const required of ["baseline", "guide1", "guide2", "reject", "ipv6-off", "rate-limit"]) {
    assert.ok(caseNames().includes(required), `missing case ${required}`);
  }
});
