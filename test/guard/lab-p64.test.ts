// IPv6 /64 bans in their own hash set (firewall/sets.ts: `rampart_ban_p64_v6`; nft holds the /64's network
// address and the rule masks the source, ipset holds the /64), with the real kernel: a jail's IPv6 ban (a /64
// by default) lands there and drops another address of that /64 that never failed, not one outside it;
// unban lifts it; the sweep puts it back when it is deleted behind the guard's back; a manual /48 goes to the
// prefix set and replaces the /64 it holds. On nftables also the upgrade: a guard against a table without
// the /64 set bans /64s in the prefix set (as before); loading the new ruleset moves them; /64s an older
// guard left in the prefix set are moved by the restarted guard, and the one the state does not hold is
// removed — nothing lost, nothing twice.
import assert from "node:assert/strict";
import type { RenderedRuleset } from "../../src/firewall/backend.js";
import { NftablesBackend } from "../../src/firewall/backends/nftables.js";
import type { Runner } from "../../src/system/exec.js";
import { until } from "../helpers/wait.js";
import { type LabHost, labTest } from "../lab/index.js";
import { guardReady, kernelBans, type Setup, setup } from "./lab-guard.js";

const NET = "2001:db8:bad::/64"; // attacker-a's /64 (the lab's attacker hosts: 2001:db8:bad::10, ::11, …)
const WIDE = "2001:db8:bad::/48"; // also holds attacker-b's 2001:db8:bad:1::/64
/** the /64 as its set lists it: nft the network address, ipset the prefix */
const listed = (backend: "nftables" | "iptables", cidr: string) =>
  new RegExp(
    `(^|[\\s{,])${(backend === "nftables" ? cidr.replace(/\/64$/, "") : cidr).replace(/[.:/]/g, (c) => `\\${c}`)}([\\s,}]|$)`,
    "m",
  );

async function attack6(attacker: LabHost, server: LabHost): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await attacker.ssh({ user: "alice", host: server.v6, password: `guess-${i}`, options: { NumberOfPasswordPrompts: "1" } });
    assert.equal(r.ok, false);
  }
}

const dropped = async (from: LabHost, s: Setup) => (await from.tcpProbe(s.server.v6, 22, { timeoutMs: 300 })) === "timeout";

async function cli(s: Setup, ...argv: string[]): Promise<void> {
  const r = await s.server.rampart(["guard", ...argv]);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
}

for (const backend of ["nftables", "iptables"] as const) {
  labTest(
    `guard (${backend}): an IPv6 /64 ban in the /64 set drops its other addresses, not its neighbours; unban, sweep, a /48 beside it`,
    async (lab) => {
      const s = await setup(lab, backend);
      const sibling = await lab.host("atk2", { role: "attacker" }); // same /64 as s.attacker, never fails
      const outside = await lab.host("atk3", { role: "attacker", net: "b" }); // another /64 of the same /48
      s.startGuard();
      await guardReady(s.server);
      const p64 = () => kernelBans(s.server, backend, 6, "p64");
      assert.ok(!(await dropped(sibling, s)) && !(await dropped(outside, s)), "dropped before any ban");

      // the jail's ban of an IPv6 attacker is its /64: in the /64 set, not in the others
      await attack6(s.attacker, s.server);
      await until("the /64 ban", async () => listed(backend, NET).test(await p64()), 5000, 50);
      assert.doesNotMatch(await kernelBans(s.server, backend, 6, "net"), /2001:db8:bad/);
      assert.doesNotMatch(await kernelBans(s.server, backend, 6, "addr"), /2001:db8:bad/);
      assert.ok(await dropped(s.attacker, s), "the attacker still connects");
      assert.ok(await dropped(sibling, s), "another address of the banned /64 still connects");
      assert.equal(await outside.tcpProbe(s.server.v6, 22, { timeoutMs: 1000 }), "open", "an address outside the /64 is dropped");

      // unban lifts it
      await cli(s, "unban", NET);
      assert.doesNotMatch(await p64(), listed(backend, NET));
      assert.equal(await sibling.tcpProbe(s.server.v6, 22, { timeoutMs: 1000 }), "open", "dropped after the unban");

      // deleted behind the guard's back: the sweep (every 30 s) puts it back
      await cli(s, "ban", NET);
      assert.match(await p64(), listed(backend, NET));
      await s.server.exec(
        backend === "nftables"
          ? ["nft", "delete", "element", "inet", "rampart", "rampart_ban_p64_v6", "{ 2001:db8:bad:: }"]
          : ["ipset", "del", "rampart_ban_p64_v6", NET],
      );
      assert.equal(await sibling.tcpProbe(s.server.v6, 22, { timeoutMs: 1000 }), "open");
      await until("the sweep to put the /64 back", async () => listed(backend, NET).test(await p64()), 45_000, 500);
      assert.ok(await dropped(sibling, s), "the restored /64 does not drop");

      // a manual /48 goes to the prefix set and replaces the /64 it holds; its whole range is dropped
      await cli(s, "ban", WIDE);
      assert.match(await kernelBans(s.server, backend, 6, "net"), new RegExp(WIDE.replace(/[.:/]/g, (c) => `\\${c}`)));
      assert.doesNotMatch(await p64(), listed(backend, NET));
      assert.ok(await dropped(outside, s), "the /48 does not drop attacker-b's /64");
      assert.ok(await dropped(sibling, s), "the /48 does not drop attacker-a's /64");
    },
    { timeout: 180_000 },
  );
}

labTest(
  "guard (nftables): upgrade — /64s in the prefix set of an older table are moved to the /64 set, none lost, none twice",
  async (lab) => {
    const s = await setup(lab, "nftables");
    const sibling = await lab.host("atk2", { role: "attacker" });
    const run: Runner = (argv, o = {}) => {
      const { env: _env, cwd: _cwd, ...rest } = o;
      return s.server.exec(argv, rest);
    };
    const list = async (set: string) => (await s.server.exec(["nft", "list", "set", "inet", "rampart", set])).stdout;
    const rendered = JSON.parse((await s.server.rampart(["firewall", "render", "--json"])).stdout) as RenderedRuleset;
    const file = rendered.files[0] as { text: string };
    // the ruleset as the previous version rendered it: no /64 set, no rule for it
    const old = file.text
      .replace(/\tset rampart_ban_p64_v6 \{[^}]*\}\n\n/, "")
      .split("\n")
      .filter((l) => !l.includes("@rampart_ban_p64_v6"))
      .join("\n");
    assert.doesNotMatch(old, /p64/);
    await s.server.exec(["nft", "-f", "-"], { input: old });

    // 1. a guard against the old table: the /64 lands in the prefix set, where that table drops it
    let guard = s.startGuard();
    await guardReady(s.server);
    await cli(s, "ban", NET);
    assert.match(await list("rampart_ban_net_v6"), /2001:db8:bad::\/64/);
    assert.ok(await dropped(sibling, s), "the /64 is not dropped by the old table");

    // 2. the new ruleset loaded: the /64 is carried into the /64 set with its time left, out of the prefix set
    await new NftablesBackend(run).load(rendered);
    assert.match(await list("rampart_ban_p64_v6"), /2001:db8:bad:: timeout 10m expires [0-9]/);
    assert.doesNotMatch(await list("rampart_ban_net_v6"), /\/64/);
    assert.ok(await dropped(sibling, s), "the carried /64 does not drop");

    // 3. what an older guard still running would leave behind: the same /64 in the prefix set, and a /64 the
    //    state does not hold (lifted meanwhile); the restarted guard moves both, then takes out the stale one
    await s.server.exec([
      "nft",
      "add",
      "element",
      "inet",
      "rampart",
      "rampart_ban_net_v6",
      "{ 2001:db8:bad::/64 timeout 1h, 2001:db8:bad:7::/64 timeout 1h }",
    ]);
    await guard.stop();
    guard = s.startGuard();
    await guardReady(s.server);
    await until("the prefix set to hold no /64", async () => !/\/64/.test(await list("rampart_ban_net_v6")), 5000, 100);
    const moved = await list("rampart_ban_p64_v6");
    assert.equal(moved.match(/2001:db8:bad::(?![0-9a-f:])/g)?.length, 1, `the /64 is not there exactly once:\n${moved}`);
    assert.doesNotMatch(moved, /2001:db8:bad:7::/, "the /64 the state does not hold was kept");
    assert.ok(await dropped(sibling, s), "the moved /64 does not drop");
    const st = JSON.parse((await s.server.rampart(["guard", "status", "--json"])).stdout) as { kernel: { kernelErrors: number } };
    assert.equal(st.kernel.kernelErrors, 0);
  },
  { timeout: 180_000 },
);
