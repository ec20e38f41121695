// A lab run: hosts on one L2 segment (a bridge in its own network namespace), a per-run name prefix
// (rl<pid36>_<n>) so parallel test files never collide, and destroy() that removes every process,
// namespace, mount and temp file of the run — called from a `finally` by labTest().
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { run } from "../../src/system/exec.js";
import { AddressPlan, type AttackerNet, type LabRole, ONLINK_V4, ONLINK_V6 } from "./addresses.js";
import {
  deleteNetns,
  killAndWait,
  makePrefix,
  netnsInode,
  pidsInNetns,
  pidsTagged,
  removeStaleRuns,
  TAG_ENV,
  tmpDirOf,
} from "./cleanup.js";
import { LabHost, OVERLAID, RUN_DIRS } from "./host.js";
import { type KeyPair, makeKeyPair } from "./keys.js";
import type { LabProcess } from "./process.js";

export interface HostOptions {
  role: LabRole;
  /** attackers only: "a" = 198.51.100.0/24 (default), "b" = 203.0.113.0/24 */
  net?: AttackerNet;
}

const NAME_RE = /^[a-z][a-z0-9]{0,11}$/;
let sequence = 0;

/** Labs not yet destroyed; removed synchronously if the process exits or is interrupted first. */
const live = new Set<Lab>();
const onSignal = (signal: NodeJS.Signals) => {
  for (const lab of live) lab.destroySync();
  process.kill(process.pid, signal); // the handlers are gone now: take the default action
};
function watch(lab: Lab): void {
  if (live.size === 0) {
    process.on("exit", exitHook);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
  live.add(lab);
}
function unwatch(lab: Lab): void {
  live.delete(lab);
  if (live.size === 0) {
    process.off("exit", exitHook);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
function exitHook(): void {
  for (const lab of live) lab.destroySync();
}

export class Lab {
  /** per-run prefix of every name (netns `<prefix>-<host>`, temp dir /tmp/rampart-lab-<prefix>) */
  readonly prefix: string;
  /** the run's temp dir */
  readonly dir: string;
  readonly hosts = new Map<string, LabHost>();
  readonly #plan = new AddressPlan();
  readonly #processes: LabProcess[] = [];
  readonly #netns: string[] = [];
  #switch: string | undefined;
  #destroyed = false;

  constructor() {
    this.prefix = makePrefix(process.pid, sequence++);
    this.dir = tmpDirOf(this.prefix);
  }

  /** Remove leftovers of crashed runs (dead creator PID), then make this run's temp dir. */
  static async create(): Promise<Lab> {
    await removeStaleRuns();
    const lab = new Lab();
    mkdirSync(lab.dir, { recursive: true, mode: 0o755 });
    watch(lab);
    return lab;
  }

  /** Add a host: its namespaces, overlays, a veth on the lab bridge, addresses and on-link routes. */
  async host(name: string, options: HostOptions): Promise<LabHost> {
    if (this.#destroyed) throw new Error("lab: already destroyed");
    if (!NAME_RE.test(name)) throw new Error(`lab: host name must match ${NAME_RE}: ${name}`);
    if (this.hosts.has(name) || name === "sw") throw new Error(`lab: host name taken: ${name}`);
    const addr = this.#plan.allocate(options.role, options.net);
    const sw = await this.#ensureSwitch();
    const netns = `${this.prefix}-${name}`;
    const dir = `${this.dir}/${name}`;
    mkdirSync(dir, { recursive: true });

    await run(["ip", "netns", "add", netns]);
    this.#netns.push(netns);
    const anchorPid = await this.#startAnchor(netns);

    // This mount namespace is a private copy: drop its copies of /run/netns/* (they would keep other
    // runs' namespaces alive), give it a fresh /run, then overlay the writable system dirs.
    const inMnt = (argv: string[]) => run(["nsenter", "-t", String(anchorPid), "-m", "--", ...argv]);
    await inMnt(["umount", "--lazy", "/run/netns"]);
    await inMnt(["mount", "-t", "tmpfs", "-o", "mode=755,nosuid,nodev,size=64m", `${this.prefix}-run`, "/run"]);
    for (const [d, mode] of RUN_DIRS) await inMnt(["install", "-d", "-m", mode, d]);
    for (const d of OVERLAID) {
      if (!existsSync(d)) continue;
      const key = d.slice(1).replaceAll("/", "_");
      const upper = `${dir}/${key}/upper`;
      const work = `${dir}/${key}/work`;
      mkdirSync(upper, { recursive: true });
      mkdirSync(work, { recursive: true });
      await inMnt(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${d},upperdir=${upper},workdir=${work}`, d]);
    }

    const port = `p${this.hosts.size}`;
    await run(["ip", "-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", netns]);
    await run(["ip", "-n", sw, "link", "set", port, "master", "br0", "up"]);
    const own = `${addr.v4.split(".").slice(0, 3).join(".")}.0/24`;
    const batch = [
      "link set lo up",
      "link set eth0 up",
      `addr add ${addr.v4}/${addr.v4Prefix} dev eth0`,
      `addr add ${addr.v6}/${addr.v6Prefix} dev eth0 nodad`,
      ...ONLINK_V4.filter((n) => n !== own).map((n) => `route add ${n} dev eth0`),
      `route add ${ONLINK_V6} dev eth0`,
    ];
    await run(["ip", "-n", netns, "-batch", "-"], { input: `${batch.join("\n")}\n` });

    const host = new LabHost({
      name,
      netns,
      role: options.role,
      v4: addr.v4,
      v6: addr.v6,
      anchorPid,
      dir,
      prefix: this.prefix,
      track: (p) => this.#processes.push(p),
    });
    this.hosts.set(name, host);
    return host;
  }

  /** A throwaway ed25519 key pair in this run's temp dir (removed at destroy). */
  keyPair(comment?: string): Promise<KeyPair> {
    return makeKeyPair({ dir: this.dir, ...(comment ? { comment } : {}) });
  }

  /**
   * Remove everything of this run: spawned processes and sshd, anchors (and with them the mount namespaces
   * and overlays), the network namespaces with their veths and the bridge, the temp dir. Safe to call twice.
   */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    unwatch(this);
    const problems: string[] = [];
    for (const p of this.#processes) p.kill("SIGKILL");
    const inodes = new Set<number>();
    for (const ns of this.#netns) {
      const ino = netnsInode(ns);
      if (ino !== undefined) inodes.add(ino);
    }
    const pids = [...new Set([...pidsInNetns(inodes), ...pidsTagged((p) => p === this.prefix)])];
    const left = await killAndWait(pids);
    if (left.length) problems.push(`processes still running: ${left.join(", ")}`);
    await Promise.all(this.#processes.map((p) => p.exited));
    for (const ns of this.#netns) {
      await deleteNetns(ns);
      if (netnsInode(ns) !== undefined) problems.push(`netns ${ns} not removed`);
    }
    rmSync(this.dir, { recursive: true, force: true });
    if (problems.length) throw new Error(`lab: destroy of ${this.prefix} incomplete: ${problems.join("; ")}`);
  }

  /** Best-effort synchronous removal, for process exit and signals (the next run sweeps what remains). */
  destroySync(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    live.delete(this);
    const inodes = new Set<number>();
    for (const ns of this.#netns) {
      const ino = netnsInode(ns);
      if (ino !== undefined) inodes.add(ino);
    }
    for (const pid of [...pidsInNetns(inodes), ...pidsTagged((p) => p === this.prefix)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    for (const ns of this.#netns) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #ensureSwitch(): Promise<string> {
    if (this.#switch) return this.#switch;
    const sw = `${this.prefix}-sw`;
    await run(["ip", "netns", "add", sw]);
    this.#netns.push(sw);
    await run(["ip", "-n", sw, "-batch", "-"], {
      input: "link set lo up\nlink add br0 type bridge\nlink set br0 up\n",
    });
    this.#switch = sw;
    return sw;
  }

  /** `ip netns exec NS unshare --mount … sleep infinity`: both exec, so the PID we get is the anchor. */
  async #startAnchor(netns: string): Promise<number> {
    const child = spawn("ip", ["netns", "exec", netns, "unshare", "--mount", "--propagation", "private", "sleep", "infinity"], {
      stdio: "ignore",
      detached: true,
      env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin", [TAG_ENV]: this.prefix },
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`lab: could not start the anchor of ${netns}`);
    const ino = netnsInode(netns);
    const ownMnt = readlinkSync("/proc/self/ns/mnt");
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        const net = readlinkSync(`/proc/${pid}/ns/net`);
        const mnt = readlinkSync(`/proc/${pid}/ns/mnt`);
        if (comm === "sleep" && net === `net:[${ino}]` && mnt !== ownMnt) return pid;
      } catch {
        throw new Error(`lab: the anchor of ${netns} exited at start`);
      }
      if (Date.now() > deadline) throw new Error(`lab: the anchor of ${netns} did not start`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
