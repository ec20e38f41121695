// The set-up the kernel-path benchmarks share (bench/guard-kernel.ts, bench/guard-p64.ts): a lab host with
// rampart's firewall loaded (real nft, empty policy), a Runner into it, and the daemon's `nft -i` session
// started the way run.ts starts it; plus CPU from /proc and a quantile. The lab is destroyed however fn ends.
import { readFileSync } from "node:fs";
import { NftSession } from "../src/guard/nft-session.js";
import type { Runner } from "../src/system/exec.js";
import { Lab, type LabHost } from "../test/lab/index.js";

export interface NftLab {
  srv: LabHost;
  run: Runner;
  /** a new long-lived `nft -i` in the host, its transaction files in a private directory there */
  session(): NftSession;
}

export async function withNftLab(fn: (l: NftLab) => Promise<void>): Promise<void> {
  const lab = await Lab.create();
  try {
    const srv = await lab.host("srv", { role: "server" });
    await srv.writeFile("/etc/rampart/policy.yaml", "guard:\n  jails: {}\n");
    await srv.exec(["nft", "-f", "-"], { input: (await srv.rampart(["firewall", "render"])).stdout });
    await srv.exec(["mkdir", "-m", "700", "/run/rampart-nft"]);
    const run: Runner = (argv, o = {}) =>
      srv.exec(argv, { ...(o.input !== undefined ? { input: o.input } : {}), okCodes: o.okCodes ?? [0] });
    const session = () =>
      new NftSession({ argv: srv.wrap(["nft", "-i"]), dir: { write: srv.path("/run/rampart-nft"), nft: "/run/rampart-nft" } });
    await fn({ srv, run, session });
  } finally {
    await lab.destroy();
  }
}

/** CPU ms of a process (utime+stime: own) and of the children it reaped (cutime+cstime: reaped). */
export function procCpuMs(pid: number | "self"): { own: number; reaped: number } {
  // fields after "(comm)": utime [11], stime [12], cutime [13], cstime [14]
  const f = readFileSync(`/proc/${pid}/stat`, "utf8")
    .replace(/^.*\) /s, "")
    .split(" ")
    .map(Number);
  return { own: ((f[11] as number) + (f[12] as number)) * 10, reaped: ((f[13] as number) + (f[14] as number)) * 10 };
}

export const quantile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number;

export const loadavg = (): string => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
