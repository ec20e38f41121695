// SSH-CIPHERS, SSH-KEX, SSH-MACS, SSH-HOSTKEY-ALGOS: the algorithm lists sshd offers, rated as ssh-audit
// rates them (src/sshd/crypto.ts). One concern, four lists: a small factory keeps them identical in shape.
// Host key algorithms are judged as offered, not as configured: sshd advertises only the algorithms its
// loaded host keys (and HostCertificates) can sign with, so the default list's ECDSA-P384 or sk-* entries
// are not offered by a server with an ed25519 and an RSA key, and listing them would be wrong evidence.
import type { SshdFacts } from "../../../facts/sshd.js";
import { type AlgoKind, MODERN, rateList, worst } from "../../../sshd/crypto.js";
import { setting } from "../../../sshd/effective.js";
import { keywordOfCheck } from "../../../sshd/settings.js";
import type { AuditContext, Check, CheckMeta } from "../../types.js";
import { hostKeyFiles } from "./hostkey-files.js";
import { CIS, DEVSEC, LYNIS, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

/** The signature algorithms a host key of this type gives (the type is the .pub file's first word). */
const SIGNS_WITH: Record<string, string[]> = {
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
  "ssh-ed25519": ["ssh-ed25519"],
  "ssh-dss": ["ssh-dss"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
};

/**
 * What sshd can offer given its host keys, or why that cannot be told (a key without a readable .pub of a
 * known type, or no key at all): then the configured list is judged as it stands, and the note says so.
 */
async function offerable(ctx: AuditContext, f: SshdFacts): Promise<{ algs: Set<string>; keys: string[] } | { note: string }> {
  const { present } = await hostKeyFiles(ctx, f);
  if (present.length === 0) return { note: "no host key file exists: judged on the configured list" };
  const algs = new Set<string>();
  const keys: string[] = [];
  for (const k of present) {
    const type = (await ctx.fs.readTextIfExists(`${k.path}.pub`))?.trim().split(/\s+/)[0] ?? "";
    const signs = SIGNS_WITH[type];
    if (!signs) return { note: `cannot tell the type of ${k.path} (no readable ${k.path}.pub): judged on the configured list` };
    keys.push(`${k.path} (${type})`);
    for (const a of signs) algs.add(a);
  }
  // HostCertificate: each certified key also offers its -cert-v01 form
  if (setting(viewFor(f, "unknown user"), "HostCertificate")?.values.some(Boolean))
    for (const a of [...algs]) algs.add(`${a}-cert-v01@openssh.com`);
  return { algs, keys };
}

/** The fix: the modern list (src/sshd/crypto.ts), which `ssh.crypto: modern` writes limited to what `ssh -Q` lists. */
const fix = (kw: string, kind: AlgoKind) =>
  `Set \`${kw} ${MODERN[kind].join(",")}\` in /etc/ssh/sshd_config.d/00-rampart.conf, leaving out what \`ssh -Q ${kind === "hostkey" ? "HostKeyAlgorithms" : kind}\` does not list (policy \`ssh.crypto: modern\` + \`rampart apply --only ssh\` picks them itself).`;

function algorithmCheck(kind: AlgoKind, meta: Omit<CheckMeta, "area" | "remediation">): Check {
  const key = keywordOfCheck(meta.id);
  return {
    remediation: fix(key, kind),
    ...meta,
    area: "ssh",
    async run(ctx) {
      const f = await factsOrSkip(ctx);
      if (isOutcome(f)) return f;
      const s = setting(viewFor(f, "unknown user"), key);
      if (!s?.values[0]) return { status: "error", reason: `sshd did not report ${key}` };
      let list = s.values[0];
      const notes = viewNotes(f);
      if (kind === "hostkey") {
        const o = await offerable(ctx, f);
        if ("note" in o) notes.unshift(o.note);
        else {
          const configured = list.split(",").filter(Boolean);
          const offered = configured.filter((a) => o.algs.has(a));
          const left = configured.length - offered.length;
          if (left)
            notes.unshift(`${left} configured algorithm(s) not offered: no host key of that type (host keys: ${o.keys.join(", ")})`);
          list = offered.join(",");
        }
      }
      const ratings = rateList(kind, list);
      const bad = ratings.filter((r) => r.rating !== "ok");
      const w = worst(ratings);
      const out = {
        status: w === "ok" ? ("pass" as const) : w,
        observed: bad.length ? bad.map((r) => `${r.name} (${r.rating}: ${r.reason})`) : ratings.map((r) => r.name),
        expected: `no ${kind === "hostkey" ? "host key algorithm" : kind} rated fail or warn by ssh-audit`,
        source: s.source,
      };
      return notes.length ? { ...out, reason: notes.join(" — ") } : out;
    },
  };
}

export const ciphers = algorithmCheck("cipher", {
  id: "SSH-CIPHERS",
  title: "Only strong ciphers are offered",
  severity: "medium",
  refs: [CIS("5.2.13", "only strong Ciphers are used"), LYNIS("SSH-7408"), DEVSEC("sshd-01"), "https://github.com/jtesta/ssh-audit"],
});

export const kex = algorithmCheck("kex", {
  id: "SSH-KEX",
  title: "Only strong key-exchange algorithms are offered",
  severity: "medium",
  refs: [CIS("5.2.15", "only strong Key Exchange algorithms are used"), DEVSEC("sshd-02"), "https://github.com/jtesta/ssh-audit"],
});

export const macs = algorithmCheck("mac", {
  id: "SSH-MACS",
  title: "Only strong MACs are offered",
  severity: "medium",
  refs: [CIS("5.2.14", "only strong MAC algorithms are used"), DEVSEC("sshd-03"), "https://github.com/jtesta/ssh-audit"],
});

export const hostKeyAlgorithms = algorithmCheck("hostkey", {
  id: "SSH-HOSTKEY-ALGOS",
  title: "No SHA-1 or DSA host key signatures are offered",
  severity: "medium",
  refs: ["https://github.com/jtesta/ssh-audit", "https://www.openssh.com/txt/release-8.8"],
});
