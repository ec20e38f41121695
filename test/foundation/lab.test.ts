// Proves the namespace lab (issue 2, part 4): a real sshd in a server host, key login from an admin host,
// password guesses from attacker hosts refused and logged with the attacker's address (IPv4 and IPv6),
// and nothing left behind after destroy or after a crashed run.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "../../src/system/exec.js";
import { REPO } from "../helpers/cli.js";
import { netnsInode, pidsInNetns, pidsTagged, removeStaleRuns } from "../lab/cleanup.js";
import { Lab, labTest, labUnavailable } from "../lab/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

labTest("key login as an admin from an admin host works", async (lab) => {
  const server = await lab.host("srv", { role: "server" });
  const admin = await lab.host("adm", { role: "admin" });
  const key = await lab.keyPair();
  await server.addUser("alice", { groups: ["sudo"], keys: [key.publicKey] });
  const sshd = await server.startSshd();

  const r = await admin.ssh({ user: "alice", host: server.v4, key: key.privateKey, command: ["id", "-un"] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), "alice");
  await sshd.waitForLog(`Accepted publickey for alice from ${admin.v4}`);

  // the user exists only inside the lab host, never on the machine
  assert.doesNotMatch(readFileSync("/etc/passwd", "utf8"), /^alice:/m);
  assert.match(await server.readFile("/etc/passwd"), /^alice:/m);

  // a wrong key is refused
  const other = await lab.keyPair();
  const bad = await admin.ssh({ user: "alice", host: server.v4, key: other.privateKey });
  assert.equal(bad.ok, false);
});

labTest("a password guess from an attacker is refused and logged with its address (v4 and v6)", async (lab) => {
  const server = await lab.host("srv", { role: "server" });
  const atk = await lab.host("atk", { role: "attacker" });
  const atk2 = await lab.host("atkb", { role: "attacker", net: "b" });
  await server.addUser("alice", { password: "right-one" });
  const sshd = await server.startSshd({ config: "PasswordAuthentication yes" });

  assert.equal(await atk.tcpConnect(server.v4, 22, { timeoutMs: 2000 }), true);
  assert.equal(await atk.tcpConnect(server.v4, 2222, { timeoutMs: 2000 }), false);

  const v4 = await atk.ssh({ user: "alice", host: server.v4, password: "guess1" });
  assert.equal(v4.ok, false);
  assert.notEqual(v4.code, 0);
  await sshd.waitForLog(new RegExp(`sshd\\[\\d+\\]: Failed password for alice from ${esc(atk.v4)} port \\d+ ssh2`));

  const v6 = await atk.ssh({ user: "alice", host: server.v6, password: "guess2" });
  assert.equal(v6.ok, false);
  await sshd.waitForLog(`Failed password for alice from ${atk.v6} port`);

  const other = await atk2.ssh({ user: "nobody-here", host: server.v4, password: "x" });
  assert.equal(other.ok, false);
  await sshd.waitForLog(`Invalid user nobody-here from ${atk2.v4} port`);

  // the right password works, which shows the refusals above were real refusals
  const good = await atk.ssh({ user: "alice", host: server.v4, password: "right-one", command: ["id", "-un"] });
  assert.equal(good.stdout.trim(), "alice", good.stderr);

  // the log is a file: the same text from inside the host and from the test process
  // (sshd may still be logging the last session's end, so compare what one read saw with the later one)
  const inside = await server.readFile(sshd.logPath);
  assert.ok(readFileSync(sshd.logFile, "utf8").startsWith(inside));
  assert.match(inside, /Accepted password for alice/);
});

labTest("sshd reload picks up a new config; spawn and exec run inside the host", async (lab) => {
  const server = await lab.host("srv", { role: "server" });
  const atk = await lab.host("atk", { role: "attacker" });
  await server.addUser("bob", { password: "pw" });
  const sshd = await server.startSshd({ config: "PasswordAuthentication yes" });
  assert.equal((await atk.ssh({ user: "bob", host: server.v4, password: "pw" })).ok, true);
  await server.writeFile("/etc/ssh/sshd_config.d/00-rampart.conf", "PasswordAuthentication no\n");
  await sshd.reload();
  assert.equal((await atk.ssh({ user: "bob", host: server.v4, password: "pw" })).ok, false);

  const ip = await server.exec(["ip", "-o", "addr", "show", "dev", "eth0"]);
  assert.match(ip.stdout, new RegExp(`inet ${esc(server.v4)}/24`));
  const listener = server.spawn([process.execPath, "-e", "require('node:net').createServer().listen(8080, () => console.log('up'))"]);
  await listener.waitFor("up");
  assert.equal(await atk.tcpProbe(server.v6, 8080), "open");
  assert.equal(await atk.tcpProbe(server.v6, 8081), "refused");

  // the CLI runs from source inside the host, and writes under /etc stay in the host's overlay
  const cli = await server.rampart(["--version"]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /\d+\.\d+\.\d+/);
  await server.writeFile("/etc/rampart/lab-probe", "x\n");
  assert.equal(await server.readFile("/etc/rampart/lab-probe"), "x\n");
  assert.equal(existsSync("/etc/rampart/lab-probe"), false);
  await server.writeFile("/usr/local/share/lab-probe", "x\n");
  assert.equal(existsSync("/usr/local/share/lab-probe"), false);
  // /run is the host's own: the machine's /run/netns (and any pid file or socket there) is not visible
  assert.equal(existsSync("/run/netns"), true);
  assert.equal(await server.exists("/run/netns"), false);
  assert.equal(await server.exists("/run/sshd.pid"), true);
});

test("destroy leaves no namespace, mount, process or temp dir of the run", async (t) => {
  const why = labUnavailable();
  if (why && process.env.CI !== "true") return t.skip(`lab: ${why}`);
  const lab = await Lab.create();
  let pids: number[] = [];
  try {
    const server = await lab.host("srv", { role: "server" });
    await lab.host("atk", { role: "attacker" });
    await server.startSshd();
    server.spawn(["sleep", "300"]);
    pids = [server.anchorPid, ...lsPids(server.netns)];
    assert.ok(pids.length >= 3, `anchor, sshd and sleep should be running: ${pids}`);
    assert.ok(mountsMention(lab.dir), "overlays should be mounted while the lab runs");
  } finally {
    await lab.destroy();
  }
  const left = (await run(["ip", "netns", "list"])).stdout;
  assert.doesNotMatch(left, new RegExp(`^${lab.prefix}-`, "m"));
  assert.equal(existsSync(lab.dir), false);
  assert.equal(mountsMention(lab.dir), false);
  for (const pid of pids) assert.equal(existsSync(`/proc/${pid}/ns`), false, `process ${pid} still alive`);
});

test("a crashed run's leftovers are removed at the next start", async (t) => {
  const why = labUnavailable();
  if (why && process.env.CI !== "true") return t.skip(`lab: ${why}`);
  const dead = spawnSync("true").pid; // a PID that has exited
  const prefix = `rl${dead.toString(36)}_0`;
  const ns = `${prefix}-srv`;
  const dir = `/tmp/rampart-lab-${prefix}`;
  await run(["ip", "netns", "add", ns]);
  mkdirSync(`${dir}/srv`, { recursive: true });
  writeFileSync(`${dir}/srv/marker`, "x");
  // an orphaned anchor inside it, as a crash leaves behind
  const anchor = await run(["sh", "-c", 'ip netns exec "$1" sleep 300 >/dev/null 2>&1 & echo $!', "sh", ns]);
  const anchorPid = Number(anchor.stdout.trim());
  const deadline = Date.now() + 5000;
  while (!lsPids(ns).includes(anchorPid)) {
    assert.ok(Date.now() < deadline, "the fake anchor did not enter its netns");
    await new Promise((r) => setTimeout(r, 10));
  }

  await removeStaleRuns();

  assert.equal(existsSync(`/run/netns/${ns}`), false, "stale netns removed");
  assert.equal(existsSync(dir), false, "stale temp dir removed");
  assert.equal(isRunning(anchorPid), false, "stale anchor killed");
});

interface ChildRun {
  prefix: string;
  dir: string;
  anchor: number;
}

/** Start lab-crash-child.ts, wait until its lab is up, send `signal`, wait for its exit. */
async function childLabKilledBy(signal: NodeJS.Signals): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "lab-crash-child.ts")], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((r) => child.on("exit", r));
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
      if (out.includes("\n")) resolve(out);
    });
    child.on("exit", (code) => reject(new Error(`lab child exited early (${code})`)));
  });
  child.kill(signal);
  await exited;
  return JSON.parse(line) as ChildRun;
}

async function assertGone(r: ChildRun): Promise<void> {
  assert.doesNotMatch((await run(["ip", "netns", "list"])).stdout, new RegExp(`^${r.prefix}-`, "m"));
  assert.equal(existsSync(r.dir), false);
  assert.equal(isRunning(r.anchor), false);
  // processes SIGKILLed by the clean-up may take a moment to be reaped on a busy machine
  const tagged = () => pidsTagged((p) => p === r.prefix).filter(isRunning);
  for (const end = Date.now() + 3000; tagged().length > 0 && Date.now() < end; ) await new Promise((res) => setTimeout(res, 20));
  assert.deepEqual(tagged(), []);
  assert.equal(mountsMention(r.dir), false);
}

test("a SIGKILLed run leaves leftovers that the next start removes", async (t) => {
  const why = labUnavailable();
  if (why && process.env.CI !== "true") return t.skip(`lab: ${why}`);
  const r = await childLabKilledBy("SIGKILL");
  // the crash left everything behind…
  assert.match((await run(["ip", "netns", "list"])).stdout, new RegExp(`^${r.prefix}-srv`, "m"));
  assert.ok(existsSync(r.dir));
  assert.ok(isRunning(r.anchor));
  // …and the next start removes it
  await removeStaleRuns();
  await assertGone(r);
});

test("a run stopped with SIGTERM removes its own lab on the way out", async (t) => {
  const why = labUnavailable();
  if (why && process.env.CI !== "true") return t.skip(`lab: ${why}`);
  const r = await childLabKilledBy("SIGTERM");
  const deadline = Date.now() + 3000; // the anchors were SIGKILLed; give the kernel a moment to reap them
  while (isRunning(r.anchor) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  await assertGone(r);
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function lsPids(netns: string): number[] {
  const ino = netnsInode(netns);
  return ino === undefined ? [] : pidsInNetns(new Set([ino]));
}

function mountsMention(dir: string): boolean {
  // overlays live in the anchors' mount namespaces: look at every process's mount table
  for (const p of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${p}/mountinfo`, "utf8").includes(dir)) return true;
    } catch {}
  }
  return false;
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}
