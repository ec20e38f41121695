// The daemon's file source on the path users run (`guard run`, real nft) with hostile and messy logs:
//  - a single 1 MiB line of attacker text ending in a complete forged sshd failure bans nobody (it is
//    dropped whole and counted, its tail never becomes a line);
//  - rename rotation and copytruncate rotation lose no failure;
//  - kill -9 in the middle of a flood, then a restart: reading resumes exactly at the saved position,
//    which is a line start — no line skipped, none read twice.
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { type LabHost, labTest } from "../lab/index.js";

const stamp = () => new Date().toISOString().replace("Z", "+00:00");
const fail = (ip: string, n = 1) =>
  Array.from(
    { length: n },
    (_, i) => `${stamp()} srv sshd[${4000 + i}]: Failed password for invalid user u${i} from ${ip} port 4${i}000 ssh2\n`,
  ).join("");

interface Status {
  lines: number;
  activeBans: number;
  sources: { tooLong: number; state: string }[];
}

async function status(srv: LabHost): Promise<Status> {
  const r = await srv.rampart(["guard", "status", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Status;
}

async function banned(srv: LabHost): Promise<string> {
  return (await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout;
}

labTest(
  "guard file source: a 1 MiB forged tail bans nobody; rotations lose nothing; kill -9 mid-flood resumes exactly",
  async (lab) => {
    const srv = await lab.host("srv", { role: "server" });
    await srv.writeFile("/var/log/auth.log", "");
    await srv.writeFile(
      "/etc/rampart/policy.yaml",
      "guard:\n  jails:\n    sshd: { maxretry: 3, findtime: 1h, bantime: 1h, backend: file, logpath: /var/log/auth.log }\n",
      { mode: 0o600 },
    );
    const fw = await srv.rampart(["firewall", "render"]);
    await srv.exec(["nft", "-f", "-"], { input: fw.stdout });
    const start = () => srv.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    let guard = start();
    await until("the guard to answer", async () => (await srv.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);

    // 1. three forged 1 MiB lines, then a real attacker: only the real one is banned
    const forged = `${stamp()} srv sshd[1]: ${"A".repeat(1 << 20)} sshd[1]: Failed password for root from 203.0.113.66 port 22 ssh2\n`;
    await srv.appendFile("/var/log/auth.log", forged.repeat(3));
    await srv.appendFile("/var/log/auth.log", fail("198.51.100.20", 3));
    await until("the real attacker's ban", async () => (await banned(srv)).includes("198.51.100.20"), 10_000);
    assert.doesNotMatch(await banned(srv), /203\.0\.113\.66/, "the forged tail was read as a line");
    assert.equal((await status(srv)).sources[0]?.tooLong, 3);

    // 2. rename rotation: two failures in the old file, the third in the new one
    await srv.appendFile("/var/log/auth.log", fail("198.51.100.21", 2));
    await until("two lines read", async () => (await status(srv)).lines >= 8);
    await srv.exec(["mv", "/var/log/auth.log", "/var/log/auth.log.1"]);
    await srv.writeFile("/var/log/auth.log", fail("198.51.100.21", 1));
    await until("the ban across a rename", async () => (await banned(srv)).includes("198.51.100.21"), 10_000);

    // 3. copytruncate: copy, empty in place, the third failure lands in the emptied file
    await srv.appendFile("/var/log/auth.log", fail("198.51.100.22", 2));
    await until("two more lines read", async () => (await status(srv)).lines >= 11);
    await srv.exec(["cp", "/var/log/auth.log", "/var/log/auth.log.2"]);
    await srv.exec(["truncate", "-s", "0", "/var/log/auth.log"]);
    await srv.appendFile("/var/log/auth.log", fail("198.51.100.22", 1));
    await until("the ban across copytruncate", async () => (await banned(srv)).includes("198.51.100.22"), 10_000);

    // 4. a flood; kill -9 while it is being read; restart; the saved position decides what is read again
    guard.kill("SIGTERM");
    await guard.exited;
    await srv.exec(["truncate", "-s", "0", "/var/log/auth.log"]);
    guard = start();
    await until("the guard to answer", async () => (await srv.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);
    const base = (await status(srv)).lines;
    const N = 300_000;
    const line = (i: number) => `${stamp()} srv CRON[${i}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n`;
    const flood = Buffer.from(Array.from({ length: N }, (_, i) => line(i)).join(""));
    const fd = openSync(srv.path("/var/log/auth.log"), "a");
    writeSync(fd, flood);
    closeSync(fd);
    await until("the flood to be under way", async () => (await status(srv)).lines > base, 10_000, 5);
    guard.kill("SIGKILL");
    await guard.exited;
    const saved = (
      await srv.exec(["sqlite3", "/var/lib/rampart/state.db", "SELECT offset FROM sources WHERE key = 'file:/var/log/auth.log'"])
    ).stdout.trim();
    const offset = Number(saved);
    const content = readFileSync(srv.path("/var/log/auth.log"));
    assert.ok(offset >= 0 && offset <= content.length, `saved offset ${saved}`);
    assert.ok(offset === 0 || content[offset - 1] === 10, "the saved position is the start of a line");
    let before = 0;
    for (let i = 0; i < offset; i++) if (content[i] === 10) before++;
    guard = start();
    await until("the guard to answer again", async () => (await srv.rampart(["guard", "status", "--json"])).code === 0, 30_000, 200);
    await until("the rest of the flood", async () => (await status(srv)).lines >= N - before, 60_000, 100);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await status(srv)).lines, N - before, "the restarted guard read exactly the lines after the saved position");
  },
  { timeout: 180_000 },
);
