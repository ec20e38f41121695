// The enforcers' placement of ban targets in the kernel's sets (firewall/sets.ts), on top of the lab tests
// with the real nft and ipset (test/guard/lab-p64.test.ts): the commands they write and how they read nft's
// and ipset's answers back. The runner answers as nft 1.0.6 and ipset 7.17 do (their texts were captured).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Runner, RunResult } from "../system/exec.js";
import { IpsetEnforcer, NftEnforcer } from "./enforce.js";

/** Sets listed by `nft -j list set` / `ipset list`, and what the loaders say to each input (undefined: fine). */
function kernel(o: { sets: Record<string, string>; refuse?: (input: string) => string | undefined }) {
  const inputs: string[] = [];
  const run: Runner = async (argv, options = {}) => {
    const input = String(options.input ?? "");
    const name = argv[argv.length - 1] as string;
    let r: Omit<RunResult, "argv" | "durationMs">;
    if (argv.includes("list")) {
      const name2 = argv[0] === "ipset" ? (argv[2] as string) : name;
      const out = o.sets[name2];
      r =
        out === undefined
          ? { code: 1, stdout: "", stderr: `Error: No such file or directory\nlist set ${name2}` }
          : { code: 0, stdout: out, stderr: "" };
    } else {
      inputs.push(input);
      const said = o.refuse?.(input);
      r = said === undefined ? { code: 0, stdout: "", stderr: "" } : { code: 1, stdout: "", stderr: said };
    }
    if (r.code !== 0 && options.okCodes !== "any") throw new Error(`${argv.join(" ")} failed (exit 1): ${r.stderr}`);
    return { argv, durationMs: 0, ...r };
  };
  return { run, inputs };
}

const nftSet = (name: string, elem: unknown[]) =>
  JSON.stringify({ nftables: [{ metainfo: { version: "1.0.6" } }, { set: { family: "inet", name, table: "rampart", elem } }] });

test("nft: a /64 is added to and removed from the /64 set as its network address; other prefixes to the prefix set", async () => {
  const k = kernel({ sets: {} });
  const e = new NftEnforcer(k.run);
  await e.apply(
    [
      { target: "2001:db8:1:2::/64", timeoutSec: 600 },
      { target: "2001:db8:9::/48", timeoutSec: 600 },
      { target: "2001:db8::7", timeoutSec: 600 },
    ],
    ["2001:db8:3:4::/64"],
  );
  assert.deepEqual(k.inputs, [
    "add element inet rampart rampart_ban_p64_v6 { 2001:db8:3:4:: timeout 1s }\ndelete element inet rampart rampart_ban_p64_v6 { 2001:db8:3:4:: }\n",
    "add element inet rampart rampart_ban_p64_v6 { 2001:db8:1:2:: timeout 600s }\n" +
      "add element inet rampart rampart_ban_net_v6 { 2001:db8:9::/48 timeout 600s }\n" +
      "add element inet rampart rampart_ban_v6 { 2001:db8::7 timeout 600s }\n",
  ]);
});

test("nft: a table without the /64 set gets /64s in the prefix set (where it drops them) until the set is there", async () => {
  const sets: Record<string, string> = { rampart_ban_net_v6: nftSet("rampart_ban_net_v6", []) };
  const k = kernel({
    sets,
    refuse: (input) =>
      sets.rampart_ban_p64_v6 === undefined && input.includes("rampart_ban_p64_v6")
        ? "Error: No such file or directory; did you mean set ‘rampart_ban_net_v6’ in table inet ‘rampart’?\nadd element inet rampart rampart_ban_p64_v6 { 2001:db8:1:2:: timeout 600s }"
        : undefined,
  });
  const e = new NftEnforcer(k.run);
  await e.apply([{ target: "2001:db8:1:2::/64", timeoutSec: 600 }]);
  assert.deepEqual(k.inputs.slice(1), ["add element inet rampart rampart_ban_net_v6 { 2001:db8:1:2::/64 timeout 600s }\n"]);
  await e.apply([{ target: "2001:db8:5:6::/64", timeoutSec: 600 }]); // remembered: no failed try first
  assert.deepEqual(k.inputs.slice(2), ["add element inet rampart rampart_ban_net_v6 { 2001:db8:5:6::/64 timeout 600s }\n"]);
  // the firewall loaded again: the sweep's read finds the set, and /64s go there again
  sets.rampart_ban_p64_v6 = nftSet("rampart_ban_p64_v6", []);
  await e.list();
  k.inputs.length = 0;
  await e.apply([{ target: "2001:db8:1:2::/64", timeoutSec: 600 }]);
  assert.deepEqual(k.inputs, ["add element inet rampart rampart_ban_p64_v6 { 2001:db8:1:2:: timeout 600s }\n"]);
});

test("nft: list reads /64s back as CIDR and moves a /64 left in the prefix set into the /64 set, with its time left", async () => {
  const k = kernel({
    sets: {
      rampart_ban_p64_v6: nftSet("rampart_ban_p64_v6", [{ elem: { val: "2001:db8:1:2::", timeout: 600, expires: 512 } }]),
      rampart_ban_net_v6: nftSet("rampart_ban_net_v6", [
        { elem: { val: { prefix: { addr: "2001:db8:7::", len: 64 } }, timeout: 3600, expires: 3500 } },
        { elem: { val: { prefix: { addr: "2001:db8:9::", len: 48 } }, timeout: 3600, expires: 3500 } },
        // in both sets: the /64 set's copy (512 s left) is the one that stays
        { elem: { val: { prefix: { addr: "2001:db8:1:2::", len: 64 } }, timeout: 3600, expires: 3400 } },
      ]),
      rampart_ban_v6: nftSet("rampart_ban_v6", ["2001:db8::7"]),
    },
  });
  const got = await new NftEnforcer(k.run).list();
  assert.deepEqual(
    [...got].sort(),
    [
      ["2001:db8:1:2::/64", 512],
      ["2001:db8:7::/64", 3500],
      ["2001:db8:9::/48", 3500],
      ["2001:db8::7", undefined],
    ].sort(),
  );
  assert.deepEqual(k.inputs, [
    "add element inet rampart rampart_ban_p64_v6 { 2001:db8:7:: timeout 3600s expires 3500s, 2001:db8:1:2:: timeout 3600s expires 3400s }\n" +
      "add element inet rampart rampart_ban_net_v6 { 2001:db8:7::/64 timeout 1s, 2001:db8:1:2::/64 timeout 1s }\n" +
      "delete element inet rampart rampart_ban_net_v6 { 2001:db8:7::/64, 2001:db8:1:2::/64 }\n",
  ]);
  // no /64 set (an older table): nothing is moved
  const old = kernel({
    sets: { rampart_ban_net_v6: nftSet("rampart_ban_net_v6", [{ elem: { val: { prefix: { addr: "2001:db8:7::", len: 64 } } } }]) },
  });
  assert.deepEqual([...(await new NftEnforcer(old.run).list())], [["2001:db8:7::/64", undefined]]);
  assert.deepEqual(old.inputs, []);
});

test("ipset: a /64 goes to the /64 set as a prefix, its removal also clears the sets an older rampart used", async () => {
  const k = kernel({ sets: {} });
  await new IpsetEnforcer(k.run).apply([{ target: "2001:db8:1:2::/64", timeoutSec: 600 }], ["2001:db8:3:4::/64", "203.0.113.0/24"]);
  assert.deepEqual((k.inputs[0] as string).trim().split("\n"), [
    "del rampart_ban_p64_v6 2001:db8:3:4::/64",
    "del rampart_ban_v6 2001:db8:3:4::/64",
    "del rampart_ban_net_v6 2001:db8:3:4::/64",
    "del rampart_ban_net_v4 203.0.113.0/24",
    "del rampart_ban_v4 203.0.113.0/24",
    "add rampart_ban_p64_v6 2001:db8:1:2::/64 timeout 600",
  ]);
});

test("ipset: without the /64 set (ipsets of an older rampart) a /64 goes to the prefix set; another missing set is an error", async () => {
  const missing = (set: string) => (input: string) => {
    const n = input.split("\n").findIndex((l) => l.includes(` ${set} `));
    return n < 0 ? undefined : `ipset v7.17: Error in line ${n + 1}: The set with the given name does not exist`;
  };
  const k = kernel({ sets: {}, refuse: missing("rampart_ban_p64_v6") });
  await new IpsetEnforcer(k.run).apply([
    { target: "2001:db8::7", timeoutSec: 600 },
    { target: "2001:db8:1:2::/64", timeoutSec: 600 },
  ]);
  assert.equal(k.inputs[1], "add rampart_ban_v6 2001:db8::7 timeout 600\nadd rampart_ban_net_v6 2001:db8:1:2::/64 timeout 600\n");
  const none = kernel({ sets: {}, refuse: missing("rampart_ban_v6") });
  await assert.rejects(new IpsetEnforcer(none.run).apply([{ target: "2001:db8::7", timeoutSec: 600 }]), /does not exist/);
  assert.equal(none.inputs.length, 1);
});
