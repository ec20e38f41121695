// The guard end to end in the lab: a real sshd on a server host, a password-guessing attacker, the firewall's
// ban sets in the real kernel (nftables, or iptables + ipset), the daemon as its own process. After maxretry
// failures the attacker's new connections are dropped within a second of the deciding line; the admin keeps
// logging in; the ban sits in the kernel with a timeout; a killed and restarted daemon keeps it; `guard
// unban` lifts it; the ban mail arrives at a real SMTP server.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { guardReady, kernelBans, setup } from "./lab-guard.js";

for (const backend of ["nftables", "iptables"] as const) {
  labTest(
    `guard (${backend}): password guessing gets the attacker dropped; admin unaffected; restart keeps the ban; unban lifts it`,
    async (lab) => {
      const s = await setup(lab, backend);
      // nftables: the installed bundle as the unit runs it (the mail transport is loaded only when e-mail is
      // configured: this is where it must load from dist/); iptables: from source
      const how = backend === "nftables" ? "built" : "source";
      const guard = s.startGuard(how);
      await guardReady(s.server);

      assert.equal(await s.attacker.tcpConnect(s.server.v4, 22, { timeoutMs: 1000 }), true);
      // three failed passwords (one connection each)
      for (let i = 0; i < 3; i++) {
        const r = await s.attacker.ssh({
          user: "alice",
          host: s.server.v4,
          password: `guess-${i}`,
          options: { NumberOfPasswordPrompts: "1" },
        });
        assert.equal(r.ok, false);
      }
      const decidedAt = Date.now();
      // dropped within a second of the deciding line (probe every 50 ms with short connect timeouts)
      await until(
        "the attacker to be dropped",
        async () => (await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 150 })) === "timeout",
        1500,
        20,
      );
      const tookMs = Date.now() - decidedAt;
      assert.ok(tookMs < 1500, `dropped after ${tookMs} ms`);

      // in the kernel, with a timeout
      const set = await kernelBans(s.server, backend);
      assert.match(set, new RegExp(`${s.attacker.v4.replace(/\./g, "\\.")}.*timeout`));
      // the admin still logs in
      const adm = await s.admin.ssh({ user: "alice", host: s.server.v4, key: s.adminKey, command: ["true"] });
      assert.equal(adm.code, 0, adm.stderr);

      // the mail arrived, about the attacker, with the log lines
      const mail = await until(
        "the ban mail",
        async () => {
          try {
            return readFileSync(s.mailbox, "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l) as { to: string[]; data: string })[0];
          } catch {
            return undefined;
          }
        },
        10_000,
        100,
      );
      assert.deepEqual(mail.to, ["root@localhost"]);
      assert.match(mail.data, new RegExp(`banned ${s.attacker.v4.replace(/\./g, "\\.")}`));
      assert.match(mail.data, /Failed password for alice/);

      // kill -9 the daemon: the kernel keeps the ban; a restarted daemon knows it
      guard.kill("SIGKILL");
      await guard.exited;
      assert.match(await kernelBans(s.server, backend), new RegExp(s.attacker.v4.replace(/\./g, "\\.")));
      assert.notEqual(await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 300 }), "open");
      s.startGuard(how);
      await guardReady(s.server);
      const bans = await s.server.rampart(["guard", "bans", "--json"]);
      assert.deepEqual(
        (JSON.parse(bans.stdout) as { target: string }[]).map((b) => b.target),
        [s.attacker.v4],
      );

      // unban lifts it, in the kernel too
      const un = await s.server.rampart(["guard", "unban", s.attacker.v4]);
      assert.equal(un.code, 0, un.stderr);
      assert.equal(await s.attacker.tcpConnect(s.server.v4, 22, { timeoutMs: 1000 }), true);
      assert.doesNotMatch(await kernelBans(s.server, backend), new RegExp(s.attacker.v4.replace(/\./g, "\\.")));
    },
    { timeout: 120_000 },
  );
}
