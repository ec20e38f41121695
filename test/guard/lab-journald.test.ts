// The guard with the journald source (Debian 12 has no auth.log): a systemd-journald the test starts itself
// inside a lab host, a real sshd logging through syslog() into it, `backend: auto` choosing the journal
// because the log file does not exist, and a password-guessing attacker dropped by the kernel. Local users
// cannot get anyone banned through the journal: `logger -t sshd` (the identifier is the sender's claim), a
// copy of logger named sshd outside /usr, and a 1 MiB entry whose tail is a forged sshd line all ban nobody.
import assert from "node:assert/strict";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { startJournal } from "../lab/journal.js";

const VICTIM = "203.0.113.77";
const forged = `Failed password for root from ${VICTIM} port 22 ssh2`;

labTest(
  "guard (journald): reads sshd's own entries from the journal and bans; forged entries ban nobody",
  async (lab) => {
    const server = await lab.host("srv", { role: "server" });
    const attacker = await lab.host("atk", { role: "attacker" });
    await server.addUser("alice", { password: "correct horse" });
    await server.addUser("mallory", { password: "local user" });
    await server.startSshd({ config: "PasswordAuthentication yes" }); // prepares keys and config; this one logs to a file
    await startJournal(server);
    // the sshd under test logs through syslog() → /dev/log → the journal (no -e: not to stderr)
    server.spawn(["/usr/sbin/sshd", "-D", "-p", "2222", "-f", "/etc/ssh/sshd_config"]);
    await until("sshd on 2222", async () => attacker.tcpConnect(server.v4, 2222, { timeoutMs: 500 }));
    await server.writeFile(
      "/etc/rampart/policy.yaml",
      `firewall:
  inbound:
    - { service: ssh }
    - { ports: [2222] }
guard:
  jails:
    sshd: { maxretry: 3, bantime: 10m, backend: auto, logpath: /var/log/no-such-auth.log }
`,
      { mode: 0o600 },
    );
    const rendered = await server.rampart(["firewall", "render"]);
    assert.equal(rendered.code, 0, rendered.stderr);
    await server.exec(["nft", "-f", "-"], { input: rendered.stdout });
    const guard = server.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    await guard.waitFor(/backend auto chose the systemd journal/, 30_000);
    await until("the guard to answer", async () => (await server.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);
    // the control socket answers before journalctl follows the journal: let it start (from "now") first
    await new Promise((r) => setTimeout(r, 1500));

    // forgeries by a local user: the identifier says sshd, journald says who really sent it
    for (let i = 0; i < 5; i++) await server.exec(["runuser", "-u", "mallory", "--", "logger", "-t", "sshd", "-i", forged]);
    await server.exec(["mkdir", "-p", "/tmp/lab-forge"]);
    await server.exec(["cp", "/usr/bin/logger", "/tmp/lab-forge/sshd"]);
    for (let i = 0; i < 5; i++) await server.exec(["runuser", "-u", "mallory", "--", "/tmp/lab-forge/sshd", "-t", "sshd", "-i", forged]);
    // a 1 MiB message whose tail is a complete sshd line (stdin: logger splits lines, so one huge one)
    await server.exec(["runuser", "-u", "mallory", "--", "logger", "-t", "sshd", "--size", String(2 << 20)], {
      input: `${"A".repeat(1 << 20)} sshd[1]: ${forged}\n`,
    });

    for (let i = 0; i < 3; i++) {
      const r = await attacker.ssh({
        user: "alice",
        host: server.v4,
        port: 2222,
        password: `guess-${i}`,
        options: { NumberOfPasswordPrompts: "1" },
      });
      assert.equal(r.ok, false);
    }
    await until(
      "the attacker to be dropped",
      async () => (await attacker.tcpProbe(server.v4, 2222, { timeoutMs: 200 })) === "timeout",
      10_000,
      50,
    );
    const set = await server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"]);
    assert.match(set.stdout, new RegExp(`${attacker.v4.replace(/\./g, "\\.")} timeout`));
    assert.doesNotMatch(set.stdout, new RegExp(VICTIM.replace(/\./g, "\\.")), "a forged entry banned its victim");
    const status = JSON.parse((await server.rampart(["guard", "status", "--json"])).stdout) as {
      sources: { kind: string; state: string; untrusted?: number }[];
      jails: { matches: number }[];
    };
    assert.deepEqual(
      status.sources.map((s) => [s.kind, s.state]),
      [["journald", "reading"]],
    );
    // the renamed copy gets past the _COMM match and is refused by _EXE (counted); the others never arrive
    assert.ok((status.sources[0]?.untrusted ?? 0) >= 1, `the copy named sshd was refused: ${JSON.stringify(status.sources[0])}`);
    assert.equal(status.jails[0]?.matches, 3, "only the real sshd's three failures counted");
  },
  { timeout: 180_000 },
);
