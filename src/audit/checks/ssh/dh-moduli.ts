// SSH-DH-MODULI: the Diffie-Hellman groups in /etc/ssh/moduli, which sshd picks from for
// diffie-hellman-group-exchange-*, are all at least 2048 bits (the file's fifth field is the size minus
// one, so 2047). A weak group matters when group exchange is offered: then it fails; when it is not
// offered the file is only a latent weakness: a warning. No file: sshd uses its built-in groups (a pass,
// said so).
import path from "node:path";
import { setting } from "../../../sshd/effective.js";
import type { Check } from "../../types.js";
import { DEVSEC, LYNIS, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

export const MODULI = "/etc/ssh/moduli";
/** the moduli file records size-1: 2047 is a 2048-bit group */
export const MIN_MODULUS_FIELD = 2047;

/** Weak lines of a moduli file: [line number, bits]. Malformed lines are reported as weak (cannot vouch). */
export function weakModuli(text: string): { line: number; bits: string }[] {
  const out: { line: number; bits: string }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? "").trim();
    if (!l || l.startsWith("#")) continue;
    const size = l.split(/\s+/)[4] ?? "";
    if (!/^\d{1,6}$/.test(size)) out.push({ line: i + 1, bits: `unreadable (${size || "no size field"})` });
    else if (Number(size) < MIN_MODULUS_FIELD) out.push({ line: i + 1, bits: String(Number(size) + 1) });
  }
  return out;
}

export const dhModuli: Check = {
  id: "SSH-DH-MODULI",
  area: "ssh",
  title: "Diffie-Hellman group-exchange moduli are at least 2048 bits",
  severity: "medium",
  remediation:
    "Remove the small groups: `awk '$5 >= 3071' /etc/ssh/moduli > /etc/ssh/moduli.safe && mv /etc/ssh/moduli.safe /etc/ssh/moduli` (keeps ≥ 3072 bits), then reload sshd.",
  refs: [DEVSEC("sshd-48"), LYNIS("SSH-7408"), "https://weakdh.org/"],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const kex = setting(viewFor(f, "unknown user"), "KexAlgorithms")?.values[0] ?? "";
    const gex = kex.split(",").filter((a) => a.startsWith("diffie-hellman-group-exchange-"));
    const notes = viewNotes(f);
    const expected = "every modulus ≥ 2048 bits";
    const text = await ctx.fs.readTextIfExists(MODULI);
    if (text === undefined)
      return {
        status: "pass",
        observed: `${MODULI} does not exist: sshd uses its built-in groups`,
        expected,
        source: path.posix.dirname(MODULI),
      };
    const weak = weakModuli(text);
    if (weak.length === 0) return { status: "pass", observed: "no modulus under 2048 bits", expected, source: MODULI };
    const sizes = [...new Set(weak.map((w) => w.bits))].join(", ");
    const observed = `${weak.length} weak moduli (${sizes} bits)`;
    const source = `${MODULI}:${weak[0]?.line}`;
    const reason = gex.length
      ? `offered for ${gex.join(", ")}`
      : "group exchange is not offered (KexAlgorithms), so sshd does not use them now";
    return { status: gex.length ? "fail" : "warn", observed, expected, source, reason: [reason, ...notes].join(" — ") };
  },
};
