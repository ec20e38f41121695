// loadedState on the iptables backend: only rampart's own chains, jumps and named ipsets make up the state
// (a fake runner here; test/firewall/conformance.test.ts reads real iptables-save and ipset output).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Runner } from "../../system/exec.js";
import { loadedState } from "./firewall-state.js";

const SAVE = [
  "*filter",
  ":INPUT ACCEPT [10:20]",
  ":RAMPART-INPUT - [3:4]",
  ":DOCKER-USER - [0:0]",
  "-A INPUT -m comment --comment rampart -j RAMPART-INPUT",
  "-A INPUT -j DOCKER-USER",
  "-A RAMPART-INPUT -p tcp --dport 22 -j ACCEPT",
  "COMMIT",
].join("\n");

function fakeRunner(ipsets: string[]): Runner {
  return async (argv) => {
    const stdout = argv[0] === "ipset" ? ipsets.join("\n") : SAVE;
    return { argv, code: 0, stdout, stderr: "", durationMs: 0 };
  };
}

test("iptables state: RAMPART-* chains and jumps, counters zeroed, and only rampart's named ipsets", async () => {
  const state = await loadedState(fakeRunner(["f2b-sshd", "rampart_block_v4", "rampart_ban_v4", "rampart_mine"]), "iptables");
  const v4 = [
    ":RAMPART-INPUT - [0:0]",
    "-A INPUT -m comment --comment rampart -j RAMPART-INPUT",
    "-A RAMPART-INPUT -p tcp --dport 22 -j ACCEPT",
  ];
  assert.equal(
    state,
    [
      "# IPv4 filter (RAMPART-* chains and their jumps)",
      ...v4,
      "# IPv6 filter (RAMPART-* chains and their jumps)",
      ...v4,
      "# ipsets",
      "rampart_ban_v4",
      "rampart_block_v4",
      "",
    ].join("\n"),
  );
});

test("iptables state: nothing of rampart's loaded is undefined (a foreign rampart_ look-alike set does not count)", async () => {
  const run: Runner = async (argv) => ({
    argv,
    code: 0,
    stdout: argv[0] === "ipset" ? "rampart_mine\nf2b-sshd" : "*filter\nCOMMIT",
    stderr: "",
    durationMs: 0,
  });
  assert.equal(await loadedState(run, "iptables"), undefined);
});
