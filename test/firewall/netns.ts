// A throwaway network namespace for firewall tests that need no hosts (validation of golden rulesets):
// rulesets are checked and loaded there, never in this machine's own namespace. Names carry a per-run
// prefix (rfw<pid36>); leftovers of crashed runs (their pid gone) are removed first. Tests that need
// hosts and traffic use the lab (test/lab) instead.
import { execFileSync } from "node:child_process";
import { run, type Runner } from "../../src/system/exec.js";

export interface Netns {
  name: string;
  /** run argv inside the namespace */
  run: Runner;
  destroy(): Promise<void>;
}

const PREFIX = `rfw${process.pid.toString(36)}`;
let counter = 0;

/** Why namespace tests cannot run here (not root, no `ip`/`nft`), or undefined when they can. */
export function netnsUnavailable(programs: string[] = ["ip", "nft"]): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  for (const p of programs) {
    try {
      execFileSync("sh", ["-c", 'command -v "$1"', "sh", p], { stdio: "ignore" });
    } catch {
      return `needs ${p}`;
    }
  }
  return undefined;
}

/** node:test `skip` option: a reason string, or false. Under CI=true a missing prerequisite fails instead. */
export function skipUnlessNetns(programs?: string[]): string | false {
  const why = netnsUnavailable(programs);
  if (!why) return false;
  if (process.env.CI === "true") throw new Error(`firewall namespace tests cannot run under CI: ${why}`);
  return why;
}

function removeStale(): void {
  let list = "";
  try {
    list = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  } catch {
    return;
  }
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const m = /^rfw([0-9a-z]+)-\d+$/.exec(name);
    if (!m) continue;
    const pid = Number.parseInt(m[1] as string, 36);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (!alive) execFileSync("ip", ["netns", "del", name], { stdio: "ignore" });
  }
}

export async function createNetns(): Promise<Netns> {
  if (counter === 0) removeStale();
  const name = `${PREFIX}-${counter++}`;
  await run(["ip", "netns", "add", name]);
  await run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"]);
  return {
    name,
    run: (argv, options) => run(["ip", "netns", "exec", name, ...argv], options),
    destroy: async () => {
      await run(["ip", "netns", "del", name], { okCodes: "any" });
    },
  };
}
