// The daemon (`guard run`, real nft, its real state database) restarted after its log was rotated by
// copytruncate while it was stopped and written again past the offset it had saved: the same inode, a file
// long enough, other content. The saved position is not followed (the first line's hash differs): every new
// failure is read from its line start — none skipped before the old offset — and the attacker text that
// starts exactly at the old offset, shaped as a whole sshd failure, is never read as a line.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { type LabHost, labTest } from "../lab/index.js";

const stamp = () => new Date().toISOString().replace("Z", "+00:00");

async function lines(srv: LabHost): Promise<number> {
  const r = await srv.rampart(["guard", "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { lines: number }).lines;
}

async function banned(srv: LabHost): Promise<string> {
  return (await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout;
}

labTest(
  "guard file source: copytruncate while stopped, new lines past the saved offset: read from the start, no fragment",
  async (lab) => {
    const srv = await lab.host("srv", { role: "server" });
    await srv.writeFile("/var/log/auth.log", "");
    // one failure bans: a fragment read as a line would ban its address, a skipped line would ban nobody
    await srv.writeFile(
      "/etc/rampart/policy.yaml",
      "guard:\n  jails:\n    sshd: { maxretry: 1, findtime: 1h, bantime: 1h, backend: file, logpath: /var/log/auth.log }\n",
      { mode: 0o600 },
    );
    const fw = await srv.rampart(["firewall", "render"]);
    await srv.exec(["nft", "-f", "-"], { input: fw.stdout });
    const start = () => srv.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    let guard = start();
    await until("the guard to answer", async () => (await srv.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);

    const quiet = Array.from(
      { length: 40 },
      (_, i) => `${stamp()} srv sshd[${100 + i}]: Connection closed by 192.0.2.${i} port 22 [preauth]\n`,
    );
    await srv.appendFile("/var/log/auth.log", quiet.join(""));
    await until("the quiet lines read", async () => (await lines(srv)) >= quiet.length);
    guard.kill("SIGTERM");
    await guard.exited;
    const log = srv.path("/var/log/auth.log");
    const oldSize = statSync(log).size;
    const ino = statSync(log).ino;

    // copytruncate while stopped; the new failures before the old offset, attacker text exactly at it
    await srv.exec(["cp", "/var/log/auth.log", "/var/log/auth.log.1"]);
    await srv.exec(["truncate", "-s", "0", "/var/log/auth.log"]);
    const real = `${stamp()} srv sshd[300]: Failed password for root from 198.51.100.30 port 22 ssh2\n`;
    const forged = `${stamp()} srv sshd[1]: Failed password for root from 203.0.113.66 port 22 ssh2`;
    const prefix = `${stamp()} srv sshd[400]: Invalid user `;
    const pad = oldSize - real.length - prefix.length;
    assert.ok(pad > 0);
    const carrier = `${prefix}${"x".repeat(pad)}${forged} from 198.51.100.31 port 4000\n`;
    const later = `${stamp()} srv sshd[500]: Failed password for root from 198.51.100.32 port 22 ssh2\n`;
    await srv.appendFile("/var/log/auth.log", real + carrier + later);
    const content = readFileSync(log);
    assert.equal(statSync(log).ino, ino, "emptied in place");
    assert.ok(content.subarray(oldSize).toString().startsWith(forged), "the forged text starts at the saved offset");

    guard = start();
    await until("the guard to answer again", async () => (await srv.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);
    await until("the last failure's ban", async () => (await banned(srv)).includes("198.51.100.32"), 10_000);
    const set = await banned(srv);
    assert.match(set, /198\.51\.100\.30/, "the failure before the old offset was skipped");
    assert.doesNotMatch(set, /203\.0\.113\.66/, "a fragment from the middle of a line was read as a line");
    assert.equal(await lines(srv), 3, "the three new lines, each once");
    const head = (
      await srv.exec(["sqlite3", "/var/lib/rampart/state.db", "SELECT length(head) FROM sources WHERE key = 'file:/var/log/auth.log'"])
    ).stdout.trim();
    assert.equal(head, "64", "the saved position carries the first line's hash");
    guard.kill("SIGTERM");
    await guard.exited;
    const said = guard.stderr.split("\n").filter((l) => l.includes("another first line"));
    assert.equal(said.length, 1, `one log line says why the file is read from its start:\n${guard.stderr}`);
  },
  { timeout: 120_000 },
);
