// What a guard accepts from its fleet, row by row: the origin allow-list trusts only origins the database
// authenticated (the row's writer), and applies to unbans as well as bans; the per-origin cap; one summary
// line per page of refusals; peer text bounded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type AcceptRules, acceptDecision, OriginCap, peerText, Refusals } from "./accept.js";
import type { Decision } from "./types.js";

const now = 1_700_000_000_000;
const rules = (origins: string[] = []): AcceptRules => ({ minPrefix: { 4: 24, 6: 48 }, maxDurationSec: 86400, origins, maxBans: 10 });
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
  assert.deepEqual(b, { ok: false, origin: "bravo", rule: "origins", reason: "bravo may not ban here (guard.share.accept.origins)" });
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

test("the cap counts bans in force per origin; unverified origins share one count; taking over one's own row is free", () => {
  const cap = new OriginCap(
    2,
    new Map([
      ["alpha", 1],
      ["x (unverified)", 1],
      ["web1", 40],
    ]),
  );
  assert.equal(cap.take("alpha", undefined), true);
  assert.equal(cap.take("alpha", undefined), false, "alpha holds 2");
  assert.equal(cap.take("alpha", "alpha"), true, "extending alpha's own ban adds nothing");
  assert.equal(cap.take("y (unverified)", undefined), true);
  assert.equal(cap.take("z (unverified)", undefined), false, "a new claimed name is the same bucket");
  // bravo takes over one of alpha's rows: alpha has room again
  assert.equal(cap.take("bravo", "alpha"), true);
  assert.equal(cap.take("alpha", undefined), true);
});

test("a page of refusals is one line: counts per rule, the first reason per origin, at most 5 groups", () => {
  const r = new Refusals();
  assert.equal(r.summary(10), undefined);
  r.add("origins", "bravo", "bravo may not ban here");
  assert.equal(r.summary(10), "share: not applying a decision from bravo: bravo may not ban here");
  for (let i = 0; i < 1000; i++) r.add("minPrefix", `evil${i % 9} (unverified)`, `0.0.0.0/1 #${i}`);
  const line = r.summary(2000) ?? "";
  assert.match(
    line,
    /^share: not applying 1001 of 2000 received decisions \(1 origins, 1000 minPrefix\): 1 from bravo: bravo may not ban here; /,
  );
  assert.match(line, /112 from evil0 \(unverified\): 0\.0\.0\.0\/1 #0; /);
  assert.match(line, /; 555 more$/, "4 of 9 evil origins named (111 or 112 rows each), the rest counted");
  assert.equal(line.split("; ").length, 6);
});

test("peer text: control characters made spaces, shortened with an ellipsis", () => {
  assert.equal(peerText("a\nb\u2028c"), "a b c");
  const long = `\u0007${"x".repeat(5_000_000)}`;
  const t = peerText(long, 200);
  assert.equal(t.length, 200);
  assert.ok(t.startsWith(" xx") && t.endsWith("x…"));
  assert.equal(peerText("y".repeat(200), 200), "y".repeat(200), "exactly the bound: whole");
});
