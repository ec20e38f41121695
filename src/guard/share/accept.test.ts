// What a guard accepts from its fleet, row by row: the origin allow-list trusts only origins the database
// authenticated (the row's writer), and applies to unbans as well as bans.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AcceptRules, acceptDecision } from "./accept.js";
import type { Decision } from "./types.js";

const now = 1_700_000_000_000;
const rules = (origins: string[] = []): AcceptRules => ({ minPrefix: { 4: 24, 6: 48 }, maxDurationSec: 86400, origins });
const row = (over: Partial<Decision> = {}): Decision => ({
  uid: "alpha/n:1",
  action: "ban",
  target: "198.51.100.7",
  jail: "sshd",
  reason: "3 failures",
  origin: "alpha",
  verified: true,
  node: "n",
  startedAt: now,
  expiresAt: now + 600_000,
  offense: 1,
  ...over,
});

test("an authenticated origin is shown as is and matched by accept.origins", () => {
  const a = acceptDecision(row(), rules(["alpha"]), now);
  assert.equal(a.ok && a.decision.origin, "alpha");
  const b = acceptDecision(row({ origin: "bravo" }), rules(["alpha"]), now);
  assert.deepEqual(b, { ok: false, origin: "bravo", reason: "bravo may not ban here (guard.share.accept.origins)" });
});

test("an unverified origin (owner role, older rows) is marked, and refused when accept.origins is set", () => {
  const { verified: _, ...absent } = row();
  for (const raw of [row({ verified: false }), absent]) {
    const open = acceptDecision(raw, rules(), now);
    assert.equal(open.ok && open.decision.origin, "alpha (unverified)");
    const closed = acceptDecision(raw, rules(["alpha"]), now);
    assert.equal(closed.ok, false);
    assert.match(closed.ok ? "" : closed.reason, /not authenticated/);
  }
});

test("accept.origins applies to unbans: a host not allowed to ban here cannot lift a ban here either", () => {
  assert.equal(acceptDecision(row({ action: "unban", origin: "bravo" }), rules(["alpha"]), now).ok, false);
  assert.equal(acceptDecision(row({ action: "unban", origin: "alpha" }), rules(["alpha"]), now).ok, true);
  assert.equal(acceptDecision(row({ action: "unban", origin: "bravo" }), rules(), now).ok, true);
});
