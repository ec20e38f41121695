// Bans that always land (issue #14), on both backends with the real kernel: an overlapping manual ban and
// an over-long one are accepted and do not stop a fresh attacker from being dropped within a second;
// `guard ban` refuses what the gate refuses (exit 1, nothing loaded); after kill -9 and emptied sets a
// restarted guard puts every valid ban back; and an admin's IPv6 /64 is never banned — the neighbour is
// banned as its single address while the admin keeps logging in over IPv6.
import assert from "node:assert/strict";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { guardReady, kernelBans, setup } from "./lab-guard.js";

const esc = (s: string) => s.replace(/[.:/]/g, (c) => `\\${c}`);

for (const backend of ["nftables", "iptables"] as const) {
  labTest(
    `guard (${backend}): overlapping, over-long and refused bans; a fresh attacker still dropped; restore is total; the admin's /64 is spared`,
    async (lab) => {
      const s = await setup(lab, backend);
      const fresh = await lab.host("atk2", { role: "attacker", net: "b" });
      const guard = s.startGuard();
      await guardReady(s.server);

      // overlap: a prefix over a banned address lands (nft interval sets refuse overlaps: rampart merges)
      for (const argv of [
        ["guard", "ban", "198.51.100.7"],
        ["guard", "ban", "198.51.100.0/24"],
        ["guard", "ban", "192.0.2.77", "--for", "3650d"],
      ]) {
        const r = await s.server.rampart(argv);
        assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
      }
      const v4 = await kernelBans(s.server, backend);
      assert.match(v4, /198\.51\.100\.0\/24/);
      assert.match(v4, /192\.0\.2\.77/);
      // refused at the gate: exit 1 with the reason, nothing in the kernel
      for (const [target, why] of [
        ["0.0.0.0/1", /wider than the shortest prefix/],
        [s.server.v4, /this host's address/],
      ] as const) {
        const r = await s.server.rampart(["guard", "ban", target]);
        assert.equal(r.code, 1, `${target}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, why);
      }
      assert.doesNotMatch(await kernelBans(s.server, backend), /0\.0\.0\.0/);

      // a fresh attacker is dropped within a second of its deciding line
      for (let i = 0; i < 3; i++) {
        const r = await fresh.ssh({ user: "alice", host: s.server.v4, password: `guess-${i}`, options: { NumberOfPasswordPrompts: "1" } });
        assert.equal(r.ok, false);
      }
      await until(
        "the fresh attacker to be dropped",
        async () => (await fresh.tcpProbe(s.server.v4, 22, { timeoutMs: 150 })) === "timeout",
        1500,
        20,
      );

      // the admin logs in over IPv6; then a neighbour in the admin's /64 guesses passwords
      const adm6 = await s.admin.ssh({ user: "alice", host: s.server.v6, key: s.adminKey, command: ["true"] });
      assert.equal(adm6.code, 0, adm6.stderr);
      const neighbour = s.admin.v6.replace(/::[0-9a-f]+$/, "::66");
      await s.attacker.exec(["ip", "-6", "addr", "add", `${neighbour}/64`, "dev", "eth0", "nodad"]);
      for (let i = 0; i < 3; i++) {
        const r = await s.attacker.ssh({
          user: "alice",
          host: s.server.v6,
          password: `guess-${i}`,
          options: { NumberOfPasswordPrompts: "1", BindAddress: neighbour },
        });
        assert.equal(r.ok, false);
      }
      await until("the neighbour to be banned", async () => (await kernelBans(s.server, backend, 6)).includes(neighbour), 5000, 50);
      const v6 = await kernelBans(s.server, backend, 6);
      assert.doesNotMatch(v6, /\/64/, `the admin's /64 was banned:\n${v6}`);
      // the /64 set (nft: network addresses, no /64 in the text) holds nothing either
      const p64 = await kernelBans(s.server, backend, 6, "p64");
      assert.doesNotMatch(p64, /2001:db8/, `the admin's /64 was banned:\n${p64}`);
      const again = await s.admin.ssh({ user: "alice", host: s.server.v6, key: s.adminKey, command: ["true"] });
      assert.equal(again.code, 0, `the admin was cut off: ${again.stderr}`);

      // kill -9, a reboot's empty sets, a new guard: every valid ban is back
      guard.kill("SIGKILL");
      await guard.exited;
      if (backend === "nftables") {
        for (const set of ["rampart_ban_v4", "rampart_ban_v6", "rampart_ban_p64_v6", "rampart_ban_net_v4", "rampart_ban_net_v6"])
          await s.server.exec(["nft", "flush", "set", "inet", "rampart", set]);
      } else {
        for (const set of ["rampart_ban_v4", "rampart_ban_v6", "rampart_ban_p64_v6", "rampart_ban_net_v4", "rampart_ban_net_v6"])
          await s.server.exec(["ipset", "flush", set]);
      }
      s.server.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
      await guardReady(s.server);
      const back = await kernelBans(s.server, backend);
      for (const t of ["198.51.100.0/24", "192.0.2.77", fresh.v4]) assert.match(back, new RegExp(esc(t)), `${t} not restored:\n${back}`);
      assert.match(await kernelBans(s.server, backend, 6), new RegExp(esc(neighbour)));
      assert.equal(await fresh.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "timeout");
      const st = JSON.parse((await s.server.rampart(["guard", "status", "--json"])).stdout) as { kernel: { kernelErrors: number } };
      assert.equal(st.kernel.kernelErrors, 0);
    },
    { timeout: 180_000 },
  );
}
