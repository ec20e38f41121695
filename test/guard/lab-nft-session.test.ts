// The daemon's long-lived `nft -i` (src/guard/nft-session.ts) against the real kernel, under the BanBook as the
// daemon wires it: bans committed in many turns all land in the ban sets; the nft process killed (-9) during
// the flood loses none (the transaction in flight runs again as `nft -f -`, the next one starts a new
// process); an element the kernel refuses (a prefix inside one loaded behind the guard's back) is isolated
// and quarantined with the kernel's words while the rest of its batch lands; nft's line editor writes no
// history file; and each transaction's refusal is told apart from the next one's.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { BanBook, type Outcome } from "../../src/guard/banbook.js";
import { NftEnforcer } from "../../src/guard/enforce.js";
import { NftSession } from "../../src/guard/nft-session.js";
import { GuardState } from "../../src/guard/state.js";
import type { Runner } from "../../src/system/exec.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";

labTest(
  "guard (nftables): the nft -i session — a flood lands, nft killed mid-flood loses no ban, a refused element is isolated",
  async (lab) => {
    const srv = await lab.host("srv", { role: "server" });
    await srv.writeFile("/etc/rampart/policy.yaml", "guard:\n  jails: {}\n");
    await srv.exec(["nft", "-f", "-"], { input: (await srv.rampart(["firewall", "render"])).stdout });
    await srv.exec(["mkdir", "-m", "700", "/run/rampart-nft"]);
    const run: Runner = (argv, o = {}) =>
      srv.exec(argv, { ...(o.input !== undefined ? { input: o.input } : {}), okCodes: o.okCodes ?? [0] });
    const session = new NftSession({
      argv: srv.wrap(["nft", "-i"]),
      dir: { write: srv.path("/run/rampart-nft"), nft: "/run/rampart-nft" },
    });
    const enforcer = new NftEnforcer(run, session);
    const dir = mkdtempSync(path.join(tmpdir(), "rampart-nft-session-"));
    const state = GuardState.open(path.join(dir, "state.db"), silentLogger);
    const book = new BanBook({
      state,
      enforcer,
      clock: systemClock,
      log: silentLogger,
      hostname: "srv",
      rules: () => ({ minPrefix: { 4: 16, 6: 32 }, protect: [] }),
    });
    const inSet = async (set: string) => (await srv.exec(["nft", "list", "set", "inet", "rampart", set])).stdout;
    const ban = (target: string): Promise<Outcome> => {
      const now = Date.now();
      const r = book.commit({
        target,
        jail: "sshd",
        reason: "test",
        origin: "srv",
        startedAt: now,
        expiresAt: now + 3_600_000,
        offense: 1,
      });
      assert.ok("landing" in r, `the gate refused ${target}`);
      return r.landing;
    };
    let lastPid: number | undefined;
    try {
      // 1. a flood in 20 turns of 25 bans; the nft process is killed (-9) between transactions (turn 7) and
      //    with a one-ban transaction in flight (turn 12)
      const landing: Promise<Outcome>[] = [];
      const targets: string[] = [];
      let inFlightKills = 0;
      for (let turn = 0; turn < 20; turn++) {
        if (turn === 7) {
          const pid = session.pid;
          assert.ok(pid, "the session runs after the first turns");
          process.kill(pid, "SIGKILL");
        }
        // turn 12: a batch of one, alone in flight (were it taken for refused, it would be quarantined). nft is
        // killed as soon as the transaction is written: within the microtasks after the session's run() (a
        // check on a later turn of the event loop could see nft's answer first)
        const run = session.run.bind(session);
        if (turn === 12) {
          await Promise.all(landing);
          session.run = (commands) => {
            const p = run(commands);
            const kill = async () => {
              for (let i = 0; i < 20 && inFlightKills === 0; i++) {
                await Promise.resolve();
                if (session.busy && session.pid) {
                  process.kill(session.pid, "SIGKILL");
                  inFlightKills++;
                }
              }
            };
            void kill();
            return p;
          };
        }
        for (let i = 0; i < (turn === 12 ? 1 : 25); i++) {
          const t = `2001:db8:${turn + 1}:${i + 1}::1`;
          targets.push(t);
          landing.push(ban(t));
        }
        if (turn === 12) {
          await Promise.all(landing);
          session.run = run;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const outcomes = await Promise.all(landing);
      assert.deepEqual(
        outcomes.filter((o) => !o.landed).map((o) => o.record.target),
        [],
      );
      const v6 = await inSet("rampart_ban_v6");
      const missing = targets.filter((t) => !v6.includes(t));
      assert.deepEqual(missing, [], "every ban of the flood is in the kernel");
      assert.equal(inFlightKills, 1, "nft was killed with a transaction in flight");
      assert.ok(session.starts >= 3, `the session was restarted after each kill (${session.starts} starts)`);
      const calls = book.status().kernelCalls;
      assert.ok(calls <= 40, `batched per turn: ${calls} kernel calls for ${targets.length} bans`);

      // 2. a prefix inside one loaded behind the guard's back: nft refuses it; the rest of its batch lands
      await srv.exec(["nft", "add element inet rampart rampart_ban_net_v4 { 203.0.113.0/24 timeout 1h }"]);
      const batch = ["192.0.2.1", "192.0.2.2", "203.0.113.64/26", "192.0.2.3", "2001:db8:ff::/48", "192.0.2.4"].map(ban);
      const [a, b, refused, c, d, e] = await Promise.all(batch);
      for (const o of [a, b, c, d, e]) assert.equal(o?.landed, true, `${o?.record.target} landed`);
      assert.equal(refused?.landed, false);
      assert.match(refused && !refused.landed ? refused.refused : "", /interval overlaps/);
      assert.equal(state.quarantinedCount(), 1);
      assert.match(state.quarantined(5)[0]?.problem ?? "", /the kernel refused it: .*interval overlaps/);
      const v4 = await inSet("rampart_ban_v4");
      for (const t of ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]) assert.match(v4, new RegExp(t.replace(/\./g, "\\.")));
      assert.doesNotMatch(await inSet("rampart_ban_net_v4"), /203\.0\.113\.64/);

      // 3. the next transaction after a refused one lands (its answer is not taken for the refused one's)
      assert.equal((await ban("192.0.2.5")).landed, true);
      assert.match(await inSet("rampart_ban_v4"), /192\.0\.2\.5/);
    } finally {
      lastPid = session.pid;
      book.close();
      state.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // nft -i writes its line history to $HOME at exit: the session gives it none
    assert.equal(session.pid, undefined, "close() ended the session");
    assert.ok(lastPid);
    await until("the last nft to exit", async () => !existsSync(`/proc/${lastPid}`), 5000, 50);
    const history = await srv.exec(["cat", "/root/.nft.history"], { okCodes: "any" });
    assert.doesNotMatch(history.stdout, /rampart-sync|2001:db8/);
  },
  { timeout: 120_000 },
);
