// What rampart's firewall looks like in the kernel, as comparable text: `nft list table inet rampart`, or the
// RAMPART-* chains, their jumps and the rampart_* ipsets from iptables-save/ipset. Counters, set elements
// (bans, blocklists, rate-limit meters) and expiry times are left out: they change on their own and are
// carried over by a load, so they are not part of "the ruleset".
// The kernel prints a ruleset in its own spelling (`interval,timeout`, `1m`, `--icmp-type 3`), so the
// rendered ruleset is compared in that spelling too: it is loaded into a throwaway network namespace
// (`unshare --net`, held by a `sleep` and entered with `nsenter`) and read back there. The same scratch
// namespace is where the backend's `check` runs, so validation never creates anything in the live kernel
// (the iptables check creates the ipsets it refers to).
import { readlinkSync } from "node:fs";
import { RampartError, messageOf } from "../../core/errors.js";
import { type BackendName, type FirewallBackend, type RenderedRuleset, createBackend } from "../../firewall/index.js";
import { type Runner, startProcess } from "../../system/exec.js";
import { IPT_CHAIN_PREFIX, NFT_FAMILY, NFT_TABLE, isNamedSet } from "../../firewall/sets.js";

/** The comparable listing of rampart's loaded firewall; undefined when nothing of it is loaded. */
export async function loadedState(run: Runner, backend: BackendName): Promise<string | undefined> {
  return backend === "nftables" ? nftState(run) : iptablesState(run);
}

async function nftState(run: Runner): Promise<string | undefined> {
  const r = await run(["nft", "list", "table", NFT_FAMILY, NFT_TABLE], { okCodes: "any", timeoutMs: 15_000 });
  if (r.code !== 0) {
    if (/No such file or directory|does not exist/i.test(r.stderr)) return undefined;
    throw new RampartError("EXEC", `cannot read the loaded rampart table: ${r.stderr.trim()}`, {
      hint: "Run as root; check that nftables works (`nft list ruleset`).",
    });
  }
  return normaliseNft(r.stdout);
}

/** Drop counters, set elements and expiry times from an `nft list` text. */
export function normaliseNft(text: string): string {
  const out: string[] = [];
  let inElements = false;
  for (const line of text.split("\n")) {
    if (inElements) {
      if (line.includes("}")) inElements = false;
      continue;
    }
    if (/^\s*elements = \{/.test(line)) {
      inElements = !line.includes("}");
      continue;
    }
    out.push(line.replace(/ counter packets \d+ bytes \d+/g, " counter").replace(/ expires \S+/g, ""));
  }
  return `${out.join("\n").trimEnd()}\n`;
}

async function iptablesState(run: Runner): Promise<string | undefined> {
  const parts: string[] = [];
  let any = false;
  for (const [family, prog] of [
    ["IPv4", "iptables-save"],
    ["IPv6", "ip6tables-save"],
  ] as const) {
    const r = await run([prog, "-t", "filter"], { okCodes: "any", timeoutMs: 15_000 });
    if (r.code !== 0) throw new RampartError("EXEC", `${prog} failed: ${r.stderr.trim()}`, { hint: "Run as root." });
    const lines = rampartLines(r.stdout);
    if (lines.length) any = true;
    parts.push(`# ${family} filter (${IPT_CHAIN_PREFIX}* chains and their jumps)`, ...lines);
  }
  const sets = await run(["ipset", "list", "-n"], { okCodes: "any", timeoutMs: 15_000 });
  const ours = sets.code === 0 ? sets.stdout.split("\n").filter(isNamedSet) : [];
  if (ours.length) any = true;
  parts.push("# ipsets", ...ours.sort());
  return any ? `${parts.join("\n")}\n` : undefined;
}

// a RAMPART-* chain's declaration, a rule in one, a jump to one
const OURS = [
  new RegExp(`^:${IPT_CHAIN_PREFIX}\\S+ `),
  new RegExp(`^-A ${IPT_CHAIN_PREFIX}`),
  new RegExp(`^-A \\S+ .*-j ${IPT_CHAIN_PREFIX}\\S+\\s*$`),
];

/** rampart's lines of an iptables-save text: RAMPART-* chain declarations and rules, and the jumps to them. */
export function rampartLines(save: string): string[] {
  return save
    .split("\n")
    .filter((l) => OURS.some((re) => re.test(l)))
    .map((l) => l.replace(/\[\d+:\d+\]$/, "[0:0]"));
}

// ---- the scratch namespace

/** A Runner whose commands run in a fresh, empty network namespace; removed by `close()`. */
export interface Scratch {
  run: Runner;
  close(): void;
}

/** Start a scratch network namespace (needs root: CAP_SYS_ADMIN). Throws EXEC when it cannot be made. */
export async function openScratch(run: Runner): Promise<Scratch> {
  const child = startProcess(["unshare", "--net", "--", "sleep", "600"]);
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (e) => reject(e));
    child.once("exit", (code) => reject(new Error(`unshare --net exited (${code}): not root?`)));
  });
  const pid = child.pid;
  const close = () => {
    child.removeAllListeners("exit");
    child.kill("SIGKILL");
  };
  try {
    if (pid === undefined) throw new Error("unshare did not start");
    const own = readlinkSync("/proc/self/ns/net");
    const ready = (async () => {
      for (let i = 0; i < 400; i++) {
        try {
          if (readlinkSync(`/proc/${pid}/ns/net`) !== own && readlinkSync(`/proc/${pid}/exe`).endsWith("/sleep")) return;
        } catch {}
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error("the scratch namespace did not appear within 2 s");
    })();
    await Promise.race([ready, failed]);
  } catch (e) {
    close();
    throw new RampartError("EXEC", `cannot make a scratch network namespace: ${messageOf(e)}`, {
      hint: "Run as root (plan and apply load the ruleset into a throwaway namespace to check it).",
      cause: e,
    });
  }
  failed.catch(() => {});
  const ns = `--net=/proc/${pid}/ns/net`;
  return { run: (argv, options) => run(["nsenter", ns, "--", ...argv], options), close };
}

export interface Rehearsal {
  /** the rendered ruleset in the kernel's spelling (what loadedState will show once it is loaded) */
  state: string;
}

/**
 * Check the rendered ruleset with the backend's own check, then load it, in a scratch namespace, and read
 * it back. Throws REFUSED with the tool's message when the kernel or the tool rejects it.
 */
export async function rehearse(run: Runner, name: BackendName, ruleset: RenderedRuleset): Promise<Rehearsal> {
  const scratch = await openScratch(run);
  try {
    const backend: FirewallBackend = createBackend(name, scratch.run);
    await backend.check(ruleset);
    await backend.load(ruleset);
    const state = await loadedState(scratch.run, name);
    if (state === undefined) throw new RampartError("STATE", "internal: the rehearsed ruleset left nothing loaded");
    return { state };
  } finally {
    scratch.close();
  }
}
