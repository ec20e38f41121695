// SSH-HOSTKEY-SIZE: RSA host keys of at least 3072 bits (strict: 4096, dev-sec sshd-50) and no DSA key, read
// from the keys' .pub files (pubkey-size.ts), else with `ssh-keygen -l` (one process for all keys when their
// .pub files are there).
import { messageOf } from "../../../core/errors.js";
import type { AuditContext, Check } from "../../types.js";
import { hostKeyFiles } from "./hostkey-files.js";
import { isStrict } from "../../profile.js";
import { type KeySize, publicKeySize } from "./pubkey-size.js";
import { DEVSEC, factsOrSkip, isOutcome } from "./setting.js";

/** "3072 SHA256:abc… root@host (RSA)" → {bits, type} */
export function parseKeygenLine(line: string): { bits: number; type: string } | undefined {
  const t = line.trim();
  const sp = t.indexOf(" ");
  const open = t.lastIndexOf("(");
  if (sp < 1 || open < 0 || !t.endsWith(")")) return undefined;
  const bits = Number(t.slice(0, sp));
  if (!Number.isInteger(bits)) return undefined;
  return { bits, type: t.slice(open + 1, -1) };
}

/** per key: its size read from its .pub, or ssh-keygen's line for it, or why ssh-keygen failed */
type Keygen = (KeySize | string | Error)[];

/**
 * Every key's size from its .pub file (publicKeySize: no process at all), or, when one is of a type read only by
 * ssh-keygen, one `ssh-keygen -l -f -` for every key: their public halves (KEY.pub, what `ssh-keygen -lf KEY` reads too) on
 * stdin, one line out per key in order — one process instead of one per key (each start is a fork of the
 * audit, ~10 ms of its time). undefined when a .pub is missing or is not exactly one key, or the count of lines
 * out differs (ssh-keygen skips what it cannot read): then each key is asked on its own.
 */
async function allAtOnce(ctx: AuditContext, keys: readonly { path: string }[]): Promise<Keygen | undefined> {
  const pubs = await Promise.all(keys.map((k) => ctx.fs.readTextIfExists(`${k.path}.pub`).catch(() => undefined)));
  const one = (t: string | undefined) => t !== undefined && t.split("\n").filter((l) => l.trim() !== "").length === 1;
  if (!pubs.every(one)) return undefined;
  const sizes = pubs.map((t) => publicKeySize(t ?? ""));
  if (sizes.every((s) => s !== undefined)) return sizes;
  const r = await ctx
    .run(["ssh-keygen", "-l", "-f", "-"], { input: pubs.map((t) => `${t?.trim()}\n`).join(""), timeoutMs: 5000 })
    .catch(() => undefined);
  const out = r?.stdout.split("\n").filter((l) => l.trim() !== "");
  return out?.length === keys.length ? out : undefined;
}

/** `ssh-keygen -lf KEY` per key, all at once (run one after another they were the audit's longest chain) */
function onePerKey(ctx: AuditContext, keys: readonly { path: string }[]): Promise<Keygen> {
  return Promise.all(
    keys.map(async (k) => {
      try {
        return (await ctx.run(["ssh-keygen", "-l", "-f", await ctx.fs.real(k.path)], { timeoutMs: 5000 })).stdout;
      } catch (e) {
        return new Error(`ssh-keygen -lf ${k.path}: ${messageOf(e)}`);
      }
    }),
  );
}

export const hostKeySize: Check = {
  id: "SSH-HOSTKEY-SIZE",
  area: "ssh",
  title: "Host keys are strong (RSA ≥ 3072 bits, no DSA)",
  severity: "medium",
  remediation:
    "Replace weak keys: `ssh-keygen -t rsa -b 4096 -N '' -f /etc/ssh/ssh_host_rsa_key` (or drop RSA and keep ed25519), remove DSA keys and their HostKey lines, then reload sshd (clients will see a new host key).",
  refs: ["NIST SP 800-57 (3072-bit RSA for 128-bit security)", "https://github.com/jtesta/ssh-audit", DEVSEC("sshd-50")],
  strict: "RSA host keys of at least 4096 bits (dev-sec sshd-50)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const { present } = await hostKeyFiles(ctx, f);
    if (present.length === 0) return { status: "skip", reason: "no host key file exists" };
    const observed: string[] = [];
    const weak: string[] = [];
    let source = present[0]?.source ?? "default";
    const minRsa = isStrict(ctx) ? 4096 : 3072;
    const lines = (await allAtOnce(ctx, present)) ?? (await onePerKey(ctx, present));
    for (const [i, k] of present.entries()) {
      const line = lines[i] ?? "";
      if (line instanceof Error) return { status: "error", reason: line.message };
      const p = typeof line === "string" ? parseKeygenLine(line) : line;
      if (!p) return { status: "error", reason: `unexpected ssh-keygen output for ${k.path}: ${String(line).slice(0, 200)}` };
      observed.push(`${k.path}: ${p.type} ${p.bits}`);
      if (p.type === "DSA" || (p.type === "RSA" && p.bits < minRsa)) {
        if (weak.length === 0) source = k.path;
        weak.push(`${k.path} (${p.type} ${p.bits})`);
      }
    }
    const expected = `RSA ≥ ${minRsa} bits, ECDSA or Ed25519; no DSA`;
    if (weak.length) return { status: "fail", observed, expected, source, reason: `weak: ${weak.join(", ")}` };
    return { status: "pass", observed, expected, source };
  },
};
