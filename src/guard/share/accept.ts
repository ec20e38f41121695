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
// A refused row is counted and skipped; it never stops the rows after it. Refusals are told once per page
// received (Refusals: counts by rule, the first reason per origin), not once per row: 300,000 bad rows
// must not write 300,000 log lines on every guard. Beyond one row: OriginCap bounds how many bans in force
// one origin holds here (`maxBans`) — minPrefix bounds one row, and 65,536 /24s from one origin cover a /8.
import { type Family, formatCidr, tryParseCidr } from "../../core/ip.js";
import { TEXT } from "./limits.js";
import type { Decision } from "./types.js";

export interface AcceptRules {
  minPrefix: Record<Family, number>;
  maxDurationSec: number;
  /** host names allowed to ban here; empty = any */
  origins: readonly string[];
  /** the most bans in force one origin holds here (all unverified origins together count as one) */
  maxBans: number;
}

/** Why a row was refused, as a short label the page's summary counts by. */
export type RefusalRule = "action" | "origins" | "target" | "time" | "ended" | "minPrefix" | "maxBans" | "gate" | "kernel";

export type Accepted = { ok: true; decision: Decision } | { ok: false; origin: string; rule: RefusalRule; reason: string };

/** Peer text as something safe to print: no control characters, at most `max` characters. */
export function peerText(v: unknown, max: number = TEXT.reason.read): string {
  const s = typeof v === "string" ? v : String(v);
  // shortened first: cleaning a 150 MB reason to keep 200 characters of it would copy all 150 MB
  const head = s.length > max ? s.slice(0, max) : s;
  const flat = head.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return s.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function acceptDecision(raw: Decision, rules: AcceptRules, now: number): Accepted {
  const verified = raw.verified === true;
  const origin = verified ? peerText(raw.origin, 64) : `${peerText(raw.origin, 48)} (unverified)`;
  const no = (rule: RefusalRule, reason: string): Accepted => ({ ok: false, origin, rule, reason });
  if (raw.action !== "ban" && raw.action !== "unban") return no("action", `unknown action "${peerText(raw.action, 20)}"`);
  if (rules.origins.length > 0) {
    if (!verified)
      return no(
        "origins",
        `its origin is not authenticated (no host role wrote it), and guard.share.accept.origins trusts only authenticated hosts`,
      );
    if (!rules.origins.includes(origin)) return no("origins", `${origin} may not ${raw.action} here (guard.share.accept.origins)`);
  }
  const c = typeof raw.target === "string" && raw.target.length <= TEXT.target.read ? tryParseCidr(raw.target) : undefined;
  if (!c?.ok) return no("target", `"${peerText(raw.target, 60)}" is not an address or CIDR`);
  const target = formatCidr(c.value);
  const jail = /^[A-Za-z0-9_.:-]{1,64}$/.test(String(raw.jail)) ? String(raw.jail) : "fleet";
  const base = { ...raw, target, origin, jail, reason: peerText(raw.reason) };
  if (raw.action === "unban") return { ok: true, decision: base };
  if (typeof raw.expiresAt !== "number" || !Number.isFinite(raw.expiresAt)) return no("time", `${target}: its end is not a time`);
  if (typeof raw.startedAt !== "number" || !Number.isFinite(raw.startedAt)) return no("time", `${target}: its start is not a time`);
  if (raw.expiresAt <= now) return no("ended", `${target}: already ended`);
  const min = rules.minPrefix[c.value.family];
  if (c.value.prefix < min)
    return no("minPrefix", `${target} is wider than the fleet accepts for IPv${c.value.family} (/${min}, guard.share.accept.minPrefix)`);
  const offense = Number.isInteger(raw.offense) && raw.offense >= 1 && raw.offense <= 1000 ? raw.offense : 1;
  const expiresAt = Math.min(raw.expiresAt, now + rules.maxDurationSec * 1000);
  return { ok: true, decision: { ...base, expiresAt, offense } };
}

const UNVERIFIED = " (unverified)";

/**
 * The per-origin cap on bans in force here. Counted from the guard's state when a page arrives (`held`: bans
 * in force by their stored origin) and kept up to date while the page is applied. A verified origin counts
 * on its own; every unverified one (only a claim, which anyone with the owner login can vary row by row)
 * counts in one shared bucket, or a new name per row would get round the cap.
 */
export class OriginCap {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly max: number,
    held: ReadonlyMap<string, number>,
  ) {
    for (const [origin, n] of held) this.move(undefined, origin, n);
  }

  /**
   * May `origin` hold one more ban here? `replaces` is the origin of the row this ban would take over (the
   * same target already banned): taking over one's own row adds nothing. Counts it when yes.
   */
  take(origin: string, replaces: string | undefined): boolean {
    const key = bucket(origin);
    if (replaces !== undefined && bucket(replaces) === key) return true;
    if ((this.held.get(key) ?? 0) >= this.max) return false;
    this.move(replaces, origin, 1);
    return true;
  }

  private move(from: string | undefined, to: string, n: number): void {
    if (from !== undefined) this.held.set(bucket(from), Math.max(0, (this.held.get(bucket(from)) ?? 0) - n));
    this.held.set(bucket(to), (this.held.get(bucket(to)) ?? 0) + n);
  }
}

function bucket(origin: string): string {
  return origin.endsWith(UNVERIFIED) ? UNVERIFIED : origin;
}

/** Groups (origin and rule) a summary names with their first reason; the rest are only counted. */
const SHOWN = 5;

/**
 * A page's refused rows, told in one log line: how many per rule (the setting that refused them), then per
 * origin and rule how many, with the first reason — at most SHOWN such groups (unverified origins are names
 * a writer chooses row by row: the line stays short whatever the page holds).
 */
export class Refusals {
  private readonly byRule = new Map<RefusalRule, number>();
  private readonly groups = new Map<string, { n: number; origin: string; first: string }>();
  count = 0;

  add(rule: RefusalRule, origin: string, reason: string): void {
    this.count++;
    this.byRule.set(rule, (this.byRule.get(rule) ?? 0) + 1);
    const key = `${rule}\u0000${origin}`;
    const g = this.groups.get(key);
    if (g) g.n++;
    else if (this.groups.size < SHOWN) this.groups.set(key, { n: 1, origin, first: reason });
  }

  /** The log line for a page of `received` rows, or undefined when none was refused. */
  summary(received: number): string | undefined {
    const groups = [...this.groups.values()];
    if (this.count === 0) return undefined;
    if (this.count === 1) return `share: not applying a decision from ${groups[0]?.origin}: ${groups[0]?.first}`;
    const rules = [...this.byRule].map(([rule, n]) => `${n} ${rule}`).join(", ");
    const shown = groups.map((g) => `${g.n} from ${g.origin}: ${g.first}`);
    const rest = this.count - groups.reduce((n, g) => n + g.n, 0);
    if (rest > 0) shown.push(`${rest} more`);
    return `share: not applying ${this.count} of ${received} received decisions (${rules}): ${shown.join("; ")}`;
  }
}
