// What a guard accepts from its fleet: a peer's row is data written by another machine — possibly a
// compromised one — so each decision is checked on its own before the BanBook's gate sees it:
//  - the fields are what they claim (an action we know, a strict address or CIDR, finite times);
//  - the share's limits: no prefix shorter than `guard.share.accept.minPrefix`, no ban longer than
//    `maxDuration` (a longer one is shortened), and, when `origins` is set, only those hosts may ban or unban
//    here — matched against the origin the database authenticated (the row's writer). A row whose origin is
//    only a claim (written by the shared owner role, or before host roles existed) is shown as
//    "<name> (unverified)" and, when `origins` is set, refused: an allow-list of names nobody proved means nothing;
//  - peer text (jail, reason, origin) is made printable and short before it reaches a log line, a mail or
//    `guard bans`.
// A refused row is counted and skipped; it never stops the rows after it.
import { type Family, formatCidr, tryParseCidr } from "../../core/ip.js";
import type { Decision } from "./types.js";

export interface AcceptRules {
  minPrefix: Record<Family, number>;
  maxDurationSec: number;
  /** host names allowed to ban here; empty = any */
  origins: readonly string[];
}

export type Accepted = { ok: true; decision: Decision } | { ok: false; origin: string; reason: string };

/** Peer text as something safe to print: no control characters, at most `max` characters. */
export function peerText(v: unknown, max = 200): string {
  const s = typeof v === "string" ? v : String(v);
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function acceptDecision(raw: Decision, rules: AcceptRules, now: number): Accepted {
  const verified = raw.verified === true;
  const origin = verified ? peerText(raw.origin, 64) : `${peerText(raw.origin, 48)} (unverified)`;
  const no = (reason: string): Accepted => ({ ok: false, origin, reason });
  if (raw.action !== "ban" && raw.action !== "unban") return no(`unknown action "${peerText(raw.action, 20)}"`);
  if (rules.origins.length > 0) {
    if (!verified)
      return no(`its origin is not authenticated (no host role wrote it), and guard.share.accept.origins trusts only authenticated hosts`);
    if (!rules.origins.includes(origin)) return no(`${origin} may not ${raw.action} here (guard.share.accept.origins)`);
  }
  const c = typeof raw.target === "string" ? tryParseCidr(raw.target) : undefined;
  if (!c?.ok) return no(`"${peerText(raw.target, 60)}" is not an address or CIDR`);
  const target = formatCidr(c.value);
  const jail = /^[A-Za-z0-9_.:-]{1,64}$/.test(String(raw.jail)) ? String(raw.jail) : "fleet";
  const base = { ...raw, target, origin, jail, reason: peerText(raw.reason) };
  if (raw.action === "unban") return { ok: true, decision: base };
  if (typeof raw.expiresAt !== "number" || !Number.isFinite(raw.expiresAt)) return no(`${target}: its end is not a time`);
  if (typeof raw.startedAt !== "number" || !Number.isFinite(raw.startedAt)) return no(`${target}: its start is not a time`);
  if (raw.expiresAt <= now) return no(`${target}: already ended`);
  const min = rules.minPrefix[c.value.family];
  if (c.value.prefix < min)
    return no(`${target} is wider than the fleet accepts for IPv${c.value.family} (/${min}, guard.share.accept.minPrefix)`);
  const offense = Number.isInteger(raw.offense) && raw.offense >= 1 && raw.offense <= 1000 ? raw.offense : 1;
  const expiresAt = Math.min(raw.expiresAt, now + rules.maxDurationSec * 1000);
  return { ok: true, decision: { ...base, expiresAt, offense } };
}
