// The two ban sets per family (firewall/sets.ts), with the real kernel: a single-address ban lands in the
// address set (nft: a hash set, whose adds stay cheap at any size), a prefix ban in the prefix set (interval);
// a prefix over a banned address replaces it, an address under a banned prefix is held back; unbanning the
// prefix loads the addresses it held, unbanning an address lifts it and the prefix holding it, not the others — the attacker's packets are dropped throughout. On nftables also the upgrade:
// a table loaded by the previous version (one interval set per family, prefixes in it) is carried into the new
// layout by the firewall load, and a guard running against that old table bans addresses, says plainly why a
// prefix cannot land yet, and lands it once the firewall is loaded again.
import assert from "node:assert/strict";
import { NftablesBackend } from "../../src/firewall/backends/nftables.js";
import type { RenderedRuleset } from "../../src/firewall/backend.js";
import type { Runner } from "../../src/system/exec.js";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { type LabHost, labTest } from "../lab/index.js";
import { guardReady, kernelBans, setup } from "./lab-guard.js";

const re = (s: string) => new RegExp(`(^|[\\s{,])${s.replace(/[.:/]/g, (c) => `\\${c}`)}([\\s,}]|$)`, "m");
const PREFIX = "198.51.100.0/24"; // attacker-a's network
const INSIDE = "198.51.100.77";

async function attack(attacker: LabHost, server: LabHost): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await attacker.ssh({ user: "alice", host: server.v4, password: `guess-${i}`, options: { NumberOfPasswordPrompts: "1" } });
    assert.equal(r.ok, false);
  }
}

for (const backend of ["nftables", "iptables"] as const) {
  labTest(
    `guard (${backend}): addresses in the address set, prefixes in the prefix set; overlap both ways; unban either`,
    async (lab) => {
      const s = await setup(lab, backend);
      s.startGuard();
      await guardReady(s.server);
      const addr = () => kernelBans(s.server, backend, 4, "addr");
      const net = () => kernelBans(s.server, backend, 4, "net");
      const dropped = async () => (await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 300 })) === "timeout";
      const cli = async (...argv: string[]) => {
        const r = await s.server.rampart(["guard", ...argv]);
        assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stdout}${r.stderr}`);
      };

      // the daemon's ban: the attacker's address, in the address set only, and its packets are dropped
      await attack(s.attacker, s.server);
      await until("the attacker to be banned", async () => re(s.attacker.v4).test(await addr()), 5000, 50);
      assert.doesNotMatch(await net(), re(s.attacker.v4));
      assert.ok(await dropped(), "the banned attacker still connects");

      // a prefix over the banned address: in the prefix set; the address leaves the address set; still dropped
      await cli("ban", PREFIX);
      assert.match(await net(), re(PREFIX));
      assert.doesNotMatch(await addr(), re(s.attacker.v4));
      assert.ok(await dropped(), "the prefix ban does not drop the attacker");
      // an address under the banned prefix: accepted, held back
      await cli("ban", INSIDE);
      assert.doesNotMatch(await addr(), re(INSIDE));

      // unban the prefix: the addresses it held back are loaded; the attacker stays dropped
      await cli("unban", PREFIX);
      assert.doesNotMatch(await net(), re(PREFIX));
      const back = await addr();
      assert.match(back, re(s.attacker.v4));
      assert.match(back, re(INSIDE));
      assert.ok(await dropped(), "the attacker got through after the prefix was lifted");

      // the prefix again, then unban the attacker's address: the address and the prefix holding it are lifted
      // (`guard unban ADDRESS` means "let it in"), the other address stays banned in the address set
      await cli("ban", PREFIX);
      assert.doesNotMatch(await addr(), re(INSIDE));
      await cli("unban", s.attacker.v4);
      assert.doesNotMatch(await net(), re(PREFIX));
      const after = await addr();
      assert.doesNotMatch(after, re(s.attacker.v4));
      assert.match(after, re(INSIDE));
      assert.equal(await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 1000 }), "open");
    },
    { timeout: 180_000 },
  );
}

/** The ruleset as the previous version rendered it: one `interval, timeout` ban set per family. */
function oldLayout(text: string): string {
  return text
    .replace(/\tset rampart_ban_net_v[46] \{[^}]*\}\n\n/g, "")
    .split("\n")
    .filter((l) => !l.includes("@rampart_ban_net_v"))
    .join("\n")
    .replace(/(\tset rampart_ban_v[46] \{\n\t\ttype \w+\n\t\tflags )timeout\n/g, "$1interval, timeout\n");
}

labTest(
  "guard (nftables): a table loaded by the previous version — carried into the new layout; a running guard copes",
  async (lab) => {
    const s = await setup(lab, "nftables");
    const attacker2 = await lab.host("atk2", { role: "attacker", net: "b" });
    const run: Runner = (argv, o = {}) => {
      const { env: _env, cwd: _cwd, ...rest } = o;
      return s.server.exec(argv, rest);
    };
    const rendered = JSON.parse((await s.server.rampart(["firewall", "render", "--json"])).stdout) as RenderedRuleset;
    const file = rendered.files[0] as { text: string };
    const old = oldLayout(file.text);
    assert.doesNotMatch(old, /rampart_ban_net/);
    await s.server.exec(["nft", "-f", "-"], { input: old });
    assert.match((await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout, /flags interval,timeout/);

    // 1. the firewall load carries the old set's elements: addresses to the address set, prefixes to the prefix set
    await s.server.exec(["nft", "add", "element", "inet", "rampart", "rampart_ban_v4", `{ ${PREFIX} timeout 1h, 192.0.2.50 timeout 1h }`]);
    assert.equal(await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "timeout");
    await new NftablesBackend(run).load(rendered);
    const addr = (await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout;
    const net = (await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_net_v4"])).stdout;
    assert.doesNotMatch(addr, /interval/);
    assert.match(addr, /192\.0\.2\.50 timeout 1h expires (59m|1h)/);
    assert.match(net, /198\.51\.100\.0\/24 timeout 1h expires (59m|1h)/);
    assert.equal(await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "timeout", "the carried prefix does not drop");

    // 2. a guard started against the old table: addresses land, a prefix waits with a clear error
    await s.server.exec(["nft", "-f", "-"], { input: old });
    s.startGuard();
    await guardReady(s.server);
    await attack(attacker2, s.server);
    await until(
      "the address ban in the old table",
      async () => re(attacker2.v4).test((await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout),
      5000,
      50,
    );
    assert.equal(await attacker2.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "timeout");
    const pending = s.server.spawn([...CLI_ARGV, "guard", "ban", "192.0.2.128/25"], { cwd: REPO });
    let said = "";
    await until(
      "the guard to say why the prefix waits",
      async () => {
        const st = JSON.parse((await s.server.rampart(["guard", "status", "--json"])).stdout) as { kernel: { lastKernelError?: string } };
        said = st.kernel.lastKernelError ?? "";
        return said !== "";
      },
      8000,
      100,
    );
    assert.match(said, /rampart_ban_net_v4 does not exist: the firewall was loaded by an older rampart/);
    assert.match(said, /rampart apply --only firewall/);

    // 3. the firewall loaded again: the address ban is carried, the prefix lands on the guard's retry
    await new NftablesBackend(run).load(rendered);
    await until(
      "the prefix to land",
      async () => /192\.0\.2\.128\/25/.test((await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_net_v4"])).stdout),
      10_000,
      100,
    );
    await pending.exited;
    assert.match((await s.server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout, re(attacker2.v4));
    assert.equal(await attacker2.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "timeout");
  },
  { timeout: 180_000 },
);
