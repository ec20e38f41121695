// The guard with the journald source (Debian 12 has no auth.log): a systemd-journald the test starts itself
// inside a lab host, a real sshd whose log goes into that journal, `backend: auto` choosing the journal
// because the log file does not exist, and a password-guessing attacker dropped by the kernel.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { type LabHost, labTest } from "../lab/index.js";
import { until } from "../helpers/wait.js";

/** sshd on PORT in the host with its log piped into the host's journal as SYSLOG_IDENTIFIER=sshd (argv only). */
function sshdIntoJournal(host: LabHost, port: number): ChildProcess[] {
  const env = host.env();
  const [cmd, ...args] = host.wrap(["/usr/sbin/sshd", "-D", "-e", "-p", String(port), "-f", "/etc/ssh/sshd_config"]) as [
    string,
    ...string[],
  ];
  const sshd = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const cat = spawn("nsenter", host.wrap(["systemd-cat", "-t", "sshd"]).slice(1), { env, stdio: ["pipe", "ignore", "ignore"] });

  sshd.stderr?.pipe(cat.stdin as NodeJS.WritableStream);
  return [sshd, cat];
}

labTest(
  "guard (journald): backend auto reads the journal when auth.log is missing, and bans",
  async (lab) => {
    const server = await lab.host("srv", { role: "server" });
    const attacker = await lab.host("atk", { role: "attacker" });
    await server.addUser("alice", { password: "correct horse" });
    await server.startSshd({ config: "PasswordAuthentication yes" }); // prepares keys and config; this one logs to a file
    await server.writeFile("/etc/systemd/journald.conf.d/lab.conf", "[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\n");
    // journald needs the cgroup tree, which the host's fresh /sys (ip netns) does not show: mount it (host-private)
    await server.exec(["mount", "-t", "cgroup2", "cgroup2", "/sys/fs/cgroup"], { okCodes: "any" });
    await server.exec(["mkdir", "-p", "/run/systemd/journal", "/run/log/journal"]);
    server.spawn(["/lib/systemd/systemd-journald"], { env: { SYSTEMD_LOG_TARGET: "console" } });
    // journald accepts stream clients once it is fully up: probe with a real systemd-cat
    await until(
      "journald to accept log streams",
      async () => (await server.exec(["systemd-cat", "-t", "lab-probe"], { input: "up\n", okCodes: "any" })).code === 0,
      10_000,
      200,
    );
    const children = sshdIntoJournal(server, 2222);
    try {
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
        5000,
        50,
      );
      const set = await server.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"]);
      assert.match(set.stdout, new RegExp(`${attacker.v4.replace(/\./g, "\\.")} timeout`));
      const status = JSON.parse((await server.rampart(["guard", "status", "--json"])).stdout) as {
        sources: { kind: string; state: string }[];
      };
      assert.deepEqual(
        status.sources.map((s) => [s.kind, s.state]),
        [["journald", "reading"]],
      );
    } finally {
      for (const c of children) c.kill("SIGKILL");
    }
  },
  { timeout: 120_000 },
);
