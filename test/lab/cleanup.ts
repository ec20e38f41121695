// Finding and removing what a lab run leaves in the kernel and on disk: processes inside a lab network
// namespace (anchors, sshd, spawned daemons), the namespaces, the per-run temp dir. Used by Lab.destroy()
// and, at the start of every run, to sweep the leftovers of runs whose creating process died (a crash,
// a SIGKILLed test runner). Names carry the creator's PID, so a live parallel run is never touched.
import { readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { run } from "../../src/system/exec.js";

export const NETNS_DIR = "/run/netns";
export const TMP_ROOT = "/tmp";
export const TMP_PREFIX = "rampart-lab-";
/** Environment variable set on every process the lab starts; its value is the run prefix. */
export const TAG_ENV = "RAMPART_LAB";

/** A run prefix: `rl<pid base 36>_<sequence>`, e.g. rl2k5_0; `_k` names the process's key dir. */
const PREFIX_RE = /^rl([0-9a-z]{1,8})_(\d{1,6}|k)$/;

export function makePrefix(pid: number, seq: number | "k"): string {
  return `rl${pid.toString(36)}_${seq}`;
}

/** The PID that created a prefix, or undefined when the name is not a lab prefix. */
export function prefixPid(prefix: string): number | undefined {
  const m = PREFIX_RE.exec(prefix);
  return m?.[1] ? Number.parseInt(m[1], 36) : undefined;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Lab netns names currently present (`<prefix>-<name>`), each with its prefix. */
export function labNamespaces(): { name: string; prefix: string }[] {
  let names: string[] = [];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  const out: { name: string; prefix: string }[] = [];
  for (const name of names) {
    const dash = name.indexOf("-");
    if (dash < 0) continue;
    const prefix = name.slice(0, dash);
    if (prefixPid(prefix) !== undefined) out.push({ name, prefix });
  }
  return out;
}

/** The kernel's inode number of a named network namespace (what /proc/PID/ns/net shows), if it exists. */
export function netnsInode(name: string): number | undefined {
  try {
    return statSync(`${NETNS_DIR}/${name}`).ino;
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => p !== process.pid);
}

/** PIDs of processes whose network namespace is one of `inodes`. */
export function pidsInNetns(inodes: ReadonlySet<number>): number[] {
  if (inodes.size === 0) return [];
  const out: number[] = [];
  for (const pid of allPids()) {
    try {
      const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
      if (m?.[1] && inodes.has(Number(m[1]))) out.push(pid);
    } catch {}
  }
  return out;
}

/** PIDs of processes the lab tagged (env RAMPART_LAB=<prefix>) whose prefix matches `want`. */
export function pidsTagged(want: (prefix: string) => boolean): number[] {
  const needle = `${TAG_ENV}=`;
  const out: number[] = [];
  for (const pid of allPids()) {
    let env: string;
    try {
      env = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    for (const kv of env.split("\0")) {
      if (kv.startsWith(needle) && want(kv.slice(needle.length))) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** SIGKILL the given processes and wait (up to `timeoutMs`) until they are gone. */
export async function killAndWait(pids: readonly number[], timeoutMs = 3000): Promise<number[]> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(isRunning);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = left.filter(isRunning);
  }
  return left;
}

/** Alive and not a zombie (a zombie holds no namespaces or mounts any more). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export async function deleteNetns(name: string): Promise<void> {
  if (netnsInode(name) === undefined) return;
  await run(["ip", "netns", "del", name], { okCodes: "any", timeoutMs: 10_000 });
}

export function tmpDirOf(prefix: string): string {
  return `${TMP_ROOT}/${TMP_PREFIX}${prefix}`;
}

/** Remove everything of the runs whose prefix matches `which`: processes, namespaces, temp dirs. */
export async function removeRuns(which: (prefix: string) => boolean): Promise<void> {
  const spaces = labNamespaces().filter((n) => which(n.prefix));
  const inodes = new Set<number>();
  for (const s of spaces) {
    const ino = netnsInode(s.name);
    if (ino !== undefined) inodes.add(ino);
  }
  const pids = [...new Set([...pidsInNetns(inodes), ...pidsTagged(which)])];
  await killAndWait(pids);
  for (const s of spaces) await deleteNetns(s.name);
  let dirs: string[] = [];
  try {
    dirs = readdirSync(TMP_ROOT);
  } catch {}
  for (const d of dirs) {
    if (d.startsWith(TMP_PREFIX) && which(d.slice(TMP_PREFIX.length))) {
      rmSync(`${TMP_ROOT}/${d}`, { recursive: true, force: true });
    }
  }
}

/** Sweep the leftovers of crashed runs: every lab prefix whose creating PID is dead. */
export async function removeStaleRuns(): Promise<void> {
  await removeRuns((prefix) => {
    const pid = prefixPid(prefix);
    return pid !== undefined && pid !== process.pid && !pidAlive(pid);
  });
}
