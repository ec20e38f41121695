// Facts about this host's network identity that several parts need to never act against: its own
// addresses (never banned, never blocked) and the address the admin's SSH session comes from.
import { readFile } from "node:fs/promises";
import { tryParseIp } from "../core/ip.js";
import type { Runner } from "./exec.js";

/** Addresses of every interface (`ip -j addr`), v4 and v6: global scope only, or all (loopback, link-local). */
export async function hostAddresses(run: Runner, scope: "global" | "all" = "global"): Promise<string[]> {
  const r = await run(["ip", "-j", "addr", "show"], { timeoutMs: 5000 });
  const ifaces = JSON.parse(r.stdout) as { addr_info?: { local?: string; scope?: string }[] }[];
  return (Array.isArray(ifaces) ? ifaces : []).flatMap((i) =>
    (i.addr_info ?? [])
      .filter((a) => typeof a.local === "string" && tryParseIp(a.local).ok && (scope === "all" || a.scope === "global"))
      .map((a) => a.local as string),
  );
}

/**
 * The source address of the SSH session this process runs in: SSH_CONNECTION here, or in an ancestor
 * process (sudo drops it from the environment; root can read the parents' environ).
 */
export async function sessionSource(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromConn = (c: string | undefined) => {
    const ip = c?.split(" ")[0];
    return ip && tryParseIp(ip).ok ? ip : undefined;
  };
  const direct = fromConn(env.SSH_CONNECTION);
  if (direct) return direct;
  let pid = process.ppid;
  for (let i = 0; i < 16 && pid > 1; i++) {
    try {
      const environ = await readFile(`/proc/${pid}/environ`, "latin1");
      const conn = environ.split("\0").find((e) => e.startsWith("SSH_CONNECTION="));
      const ip = fromConn(conn?.slice("SSH_CONNECTION=".length));
      if (ip) return ip;
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Source addresses of the logged-in sessions (`who --ips`, from utmp; "(addr)" or a bare last field). */
export async function loggedInSources(run: Runner): Promise<string[]> {
  try {
    const r = await run(["who", "--ips"], { timeoutMs: 3000, okCodes: "any" });
    return r.stdout
      .split("\n")
      .map((l) => (l.trim().split(/\s+/).pop() ?? "").replace(/^\((.*)\)$/, "$1"))
      .filter((a) => a !== "" && tryParseIp(a).ok);
  } catch {
    return []; // `who` is optional (containers often lack utmp)
  }
}

/** Where the admin is coming from: this session's source and every logged-in session's. */
export async function adminSources(env: NodeJS.ProcessEnv, run?: Runner): Promise<string[]> {
  const out = new Set<string>();
  const own = await sessionSource(env);
  if (own) out.add(own);
  if (run) for (const a of await loggedInSources(run)) out.add(a);
  return [...out];
}
