// The one gate to the kernel's sets: every element rampart puts into a ban or block set — a jail's ban, a
// manual `guard ban`, a restored row, a fleet peer's decision — is checked here first, with the same rules:
//  - the text is a strict address or CIDR (attacker- or peer-written text never reaches nft/ipset unparsed);
//  - its prefix is no shorter than the policy minimum of its family (no 0.0.0.0/1, no 2000::/3);
//  - it holds none of the protected addresses: loopback, this host's own, the ignore list, the sources an
//    admin logged in from, and whatever else keeps the host alive (the caller lists them, with why);
//  - its timeout fits the backend: nft and ipset each have a largest timeout, and a ban longer than that is
//    loaded with the largest one and kept alive by the guard's sweep; "permanent" is no timeout at all,
//    never a huge number the kernel would refuse.
// Pure functions: the guard's BanBook, `policy check` and the fleet receiver all call these.
import { type Cidr, canonicalV4Value, cidrRange, cidrsOverlap, type Family, formatCidr, tryParseCidr } from "../core/ip.js";
import type { SetBackend } from "./sets.js";
import { clip } from "../core/printable.js";

/** The largest per-element timeout each set backend accepts (seconds). */
export const MAX_TIMEOUT_SEC: Record<SetBackend, number> = {
  // nft parses "Ns" into a 32-bit-milliseconds-checked value on some versions (100,000,000 s is refused by
  // nft 1.0.6): a year is accepted by every nft/kernel pair we support
  nftables: 365 * 86400,
  // ipset(8): "the maximal timeout value is 2147483"
  ipset: 2_147_483,
};

/** expiresAt of a ban without end (9999-12-31T23:59:59Z): loaded without a timeout. */
export const PERMANENT = 253_402_300_799_000;

/** Loopback of both families: never banned, whatever the policy says. */
export const LOOPBACK = ["127.0.0.0/8", "::1/128"];

export interface Protected {
  cidr: Cidr;
  /** why it is protected, for the refusal message: "this host's address", "admin session of alice", … */
  why: string;
}

export interface GateRules {
  /** the shortest prefix accepted per family */
  minPrefix: Record<Family, number>;
  protect: readonly Protected[];
}

export type RefusalRule = "malformed" | "prefix" | "protected" | "expired";

export type Verdict = { ok: true; cidr: Cidr; target: string } | { ok: false; rule: RefusalRule; reason: string };

/** Build a protected list from CIDR texts (invalid entries are skipped: the policy check reports them). */
export function protect(texts: readonly string[], why: string): Protected[] {
  const out: Protected[] = [];
  for (const t of texts) {
    const r = tryParseCidr(t);
    if (r.ok) out.push({ cidr: r.value, why });
  }
  return out;
}

/** The first protected entry the element overlaps, if any. */
export function protectedBy(c: Cidr, rules: GateRules): Protected | undefined {
  return rules.protect.find((p) => cidrsOverlap(p.cidr, c));
}

/**
 * The IPv4 entries of a rules object's protected list as [first, last] numbers, pair after pair; worked out
 * once per rules object (the guard builds a new one only when the list changes).
 */
const v4Protected = new WeakMap<GateRules, Float64Array>();
function protectedV4(rules: GateRules): Float64Array {
  let ranges = v4Protected.get(rules);
  if (!ranges) {
    const v4 = rules.protect.filter((p) => p.cidr.family === 4).map((p) => cidrRange(p.cidr));
    ranges = new Float64Array(v4.flatMap(([a, b]) => [Number(a), Number(b)]));
    v4Protected.set(rules, ranges);
  }
  return ranges;
}

/** Check one element (text or parsed). The target in the verdict is canonical text. */
export function checkElement(target: string | Cidr, rules: GateRules): Verdict {
  let cidr: Cidr;
  if (typeof target === "string") {
    // a canonical IPv4 address (a jail's ban in a flood: thousands a second): read as a number and checked
    // against the protected ranges without bigints; anything protected takes the general path below, which
    // words the refusal
    const v4 = canonicalV4Value(target);
    if (v4 >= 0 && rules.minPrefix[4] <= 32) {
      const ranges = protectedV4(rules);
      let hit = false;
      for (let i = 0; i < ranges.length && !hit; i += 2) hit = (ranges[i] as number) <= v4 && v4 <= (ranges[i + 1] as number);
      if (!hit) return { ok: true, cidr: { family: 4, value: BigInt(v4), prefix: 32 }, target };
    }
    const r = tryParseCidr(target.trim());
    if (!r.ok) return { ok: false, rule: "malformed", reason: `"${clip(target)}" is not an address or CIDR: ${r.reason}` };
    cidr = r.value;
  } else cidr = target;
  const text = formatCidr(cidr);
  const min = rules.minPrefix[cidr.family];
  if (cidr.prefix < min) {
    return {
      ok: false,
      rule: "prefix",
      reason: `${text} is wider than the shortest prefix allowed for IPv${cidr.family} (/${min})`,
    };
  }
  const p = protectedBy(cidr, rules);
  if (p) return { ok: false, rule: "protected", reason: `${text} holds ${formatCidr(p.cidr)} (${p.why})` };
  return { ok: true, cidr, target: text };
}

/**
 * The kernel timeout for a ban ending at expiresAt: 0 = no timeout (permanent), else whole seconds, at most
 * the backend's maximum; undefined when the time is not a number or already past.
 */
export function kernelTimeout(expiresAt: unknown, now: number, backend: SetBackend): number | undefined {
  if (typeof expiresAt !== "number" || !Number.isFinite(expiresAt)) return undefined;
  if (expiresAt >= PERMANENT) return 0;
  const sec = Math.ceil((expiresAt - now) / 1000);
  if (sec <= 0) return undefined;
  return Math.min(sec, MAX_TIMEOUT_SEC[backend]);
}

/** A duration for a ban: seconds, with "permanent" as -1 (fail2ban's bantime = -1). */
export function expiresAfter(now: number, seconds: number): number {
  return seconds < 0 ? PERMANENT : Math.min(PERMANENT, now + seconds * 1000);
}
