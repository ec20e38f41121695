// Running processes of the live system, from /proc/<pid>/cmdline (no `ps` process), and which process owns
// a socket inode (from /proc/<pid>/fd links, the way `ss -p` finds it). Read through ctx.fs so tests can
// give a fixture /proc. Processes that exit while we read, or that we may not inspect, are skipped.
import { readlinkSync } from "node:fs";
import type { FactContext } from "./context.js";

export interface ProcessInfo {
  pid: number;
  argv: string[];
}

export function processes(ctx: FactContext): Promise<ProcessInfo[]> {
  return ctx.memo("processes", async () => {
    const pids = (await ctx.fs.list("/proc")).filter((n) => /^\d+$/.test(n));
    const out = await Promise.all(
      pids.map(async (pid): Promise<ProcessInfo | undefined> => {
        const raw = await ctx.fs.readTextIfExists(`/proc/${pid}/cmdline`).catch(() => undefined);
        if (!raw) return undefined; // kernel threads have an empty cmdline
        return { pid: Number(pid), argv: raw.replace(/\0$/, "").split("\0") };
      }),
    );
    return out.filter((p): p is ProcessInfo => p !== undefined).sort((a, b) => a.pid - b.pid);
  });
}

/** The program name of a process: basename of argv[0] ("/usr/sbin/sshd" → "sshd", "sshd: user" → "sshd:"). */
export function programName(p: ProcessInfo): string {
  const a0 = p.argv[0] ?? "";
  return a0.slice(a0.lastIndexOf("/") + 1).split(" ")[0] ?? "";
}

/** socket inode → "name[pid]" of a process holding it (memoised; live only). */
export function socketOwners(ctx: FactContext): Promise<Map<number, string>> {
  return ctx.memo("processes:sockets", async () => {
    const owners = new Map<number, string>();
    const procs = await processes(ctx);
    await Promise.all(
      procs.map(async (p) => {
        const dir = `/proc/${p.pid}/fd`;
        const fds = await ctx.fs.list(dir).catch(() => [] as string[]);
        const real = await ctx.fs.real(dir).catch(() => undefined);
        if (!real) return;
        for (const fd of fds) {
          const link = readlinkOrEmpty(`${real}/${fd}`);
          const m = /^socket:\[(\d+)\]$/.exec(link);
          if (m && !owners.has(Number(m[1]))) owners.set(Number(m[1]), `${programName(p)}[${p.pid}]`);
        }
      }),
    );
    return owners;
  });
}

/**
 * A link's target, or "" (the process or fd is gone, or not ours to read). Synchronous, like HostFs's reads: a
 * few microseconds each, where thousands of promise readlinks (every fd of every process) queued for the thread
 * pool and held up the rest of the audit.
 */
function readlinkOrEmpty(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return "";
  }
}
