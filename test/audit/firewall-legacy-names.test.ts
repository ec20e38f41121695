// The legacy iptables tools are asked only when the kernel may hold a legacy table: with
// /proc/net/ip_tables_names present and empty (x_tables loaded, no table) iptables-legacy-save's answer is
// known to be empty and no process is started; with a table listed, or no list at all, it is asked.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { firewallState } from "../../src/firewall/observed/loaded.js";
import type { Runner } from "../../src/system/exec.js";
import { testContext } from "./ssh-context.js";

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function asked(names: { v4?: string; v6?: string }): Promise<string[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-fwnames-"));
  dirs.push(dir);
  await mkdir(path.join(dir, "proc/net"), { recursive: true });
  if (names.v4 !== undefined) await writeFile(path.join(dir, "proc/net/ip_tables_names"), names.v4);
  if (names.v6 !== undefined) await writeFile(path.join(dir, "proc/net/ip6_tables_names"), names.v6);
  const calls: string[] = [];
  const run: Runner = async (argv) => {
    calls.push(argv[0] ?? "");
    const stdout =
      argv[0] === "iptables-legacy-save" ? "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n" : "";
    return {
      argv,
      code: 0,
      stdout: argv[0] === "nft" ? '{"nftables": [{"metainfo": {"json_schema_version": 1}}]}' : stdout,
      stderr: "",
      durationMs: 1,
    };
  };
  const state = await firewallState(testContext({ root: dir, live: true, run }));
  if (names.v4 === "filter\n") assert.ok(state.ruleset.chains.some((c) => c.origin === "iptables-legacy" && c.policy === "drop"));
  return calls.filter((c) => c.includes("legacy")).sort();
}

test("empty table lists: no legacy process; a listed table or no list: asked", async () => {
  assert.deepEqual(await asked({ v4: "", v6: "" }), []);
  assert.deepEqual(await asked({ v4: "filter\n", v6: "" }), ["iptables-legacy-save"]);
  assert.deepEqual(await asked({}), ["ip6tables-legacy-save", "iptables-legacy-save"]);
});
