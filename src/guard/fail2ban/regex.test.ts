import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../../core/clock.js";
import { BACKTRACK_LIMIT, boundedAvailable, boundedRegExp } from "./bounded.js";
import { CompiledFilter } from "./engine.js";
import { Fail2banFilter } from "./filter.js";
import type { FilterDefinition } from "./filter-config.js";
import { resolveTags, TranslateError, translatePython } from "./regex.js";

const def = (over: Partial<FilterDefinition>): FilterDefinition => ({
  name: "t",
  files: [],
  params: {},
  prefregex: undefined,
  failregex: [],
  ignoreregex: [],
  maxlines: 1,
  datepattern: undefined,
  journalmatch: [],
  usedns: undefined,
  options: {},
  problems: [],
  ...over,
});

test("Python syntax is translated: named groups, backreferences, flags, \\Z, {,n}, literal ] in classes", () => {
  const t = translatePython(String.raw`(?i)^(?P<a>x)(?P=a)[^]]{,2}\Z`, false);
  const v = t.variants[0];
  assert.ok(v);
  assert.equal(v.flags, "i");
  const re = new RegExp(v.source, v.flags);
  assert.ok(re.test("XXab"));
  assert.ok(!re.test("XXa]"));
  assert.ok(!re.test("XYab"));
});

test("Python's $ also matches before a final newline (fail2ban appends one)", () => {
  const v = translatePython("^abc$", false).variants[0];
  assert.ok(v);
  assert.ok(new RegExp(v.source, v.flags).test("abc\n"));
});

test("conditionals become variants: the yes-branch when the group took part, else the no-branch", () => {
  const t = translatePython(String.raw`^(?P<c>inv )?user (?(c)\d+|[a-z]+)$`, false);
  assert.equal(t.variants.length, 2);
  const c = new CompiledFilter(def({ failregex: [String.raw`^(?P<c>inv )?user (?(c)\d+|[a-z]+) <HOST>$`] }));
  const st = c.createState();
  const ctx = { nowMs: Date.UTC(2025, 0, 1) };
  assert.equal(st.processLine("inv user 12 192.0.2.1", ctx).length, 1);
  assert.equal(st.processLine("user ab 192.0.2.1", ctx).length, 1);
  assert.equal(st.processLine("inv user ab 192.0.2.1", ctx).length, 0);
});

test("atomic groups and possessive quantifiers are refused with a reason, not dropped", () => {
  assert.throws(() => translatePython("(?>a+)b", false), TranslateError);
  const c = new CompiledFilter(def({ failregex: ["^x(?>a+) <HOST>$", "^y <HOST>$"] }));
  assert.equal(c.problems.length, 1);
  assert.match(c.problems[0]?.reason ?? "", /atomic/);
  assert.equal(c.fail.filter(Boolean).length, 1);
});

test("tags: <HOST> takes fail2ban's sub-expression; <F-USER> becomes a named group", () => {
  const r = resolveTags("from <HOST> user <F-USER>\\S+</F-USER>");
  assert.match(r, /\(\?P<ip4>/);
  assert.match(r, /\(\?P<user>\\S\+\)/);
});

test("a catastrophic pattern on a crafted line is cut off by the backtrack bound", {
  skip: !boundedAvailable && "V8 backtrack limit not available",
}, () => {
  const re = boundedRegExp("^(?:(?!x)a+)+$", "");
  const line = `${"a".repeat(10_000)}!`;
  // unbounded, this pattern needs ~2^10000 steps; bounded it gives up after BACKTRACK_LIMIT backtracks
  assert.equal(re.test(line), false);
  assert.ok(BACKTRACK_LIMIT > 0);
  // and the filter stays usable for the next (ordinary) line
  const f = new Fail2banFilter(new CompiledFilter(def({ failregex: ["^(?:(?!x)a+)+: <HOST>$", "^fail from <HOST>$"] })));
  const st = f.createState({ clock: new FakeClock(Date.UTC(2025, 0, 1)), maxLineLength: 65536 });
  assert.equal(f.match(`${"a".repeat(30_000)}!`, st).kind, "none");
  const ok = f.match("fail from 192.0.2.9", st);
  assert.equal(ok.kind, "failure");
  assert.equal(ok.kind === "failure" && ok.address, "192.0.2.9");
});

test("the address comes only from the host capture and is parsed strictly; host names are not resolved", () => {
  const f = new Fail2banFilter(new CompiledFilter(def({ failregex: ["^user <F-USER>.+</F-USER> from <HOST>$"] })));
  const st = f.createState({ clock: new FakeClock(Date.UTC(2025, 0, 1)) });
  const m = f.match("user 203.0.113.5 from 192.0.2.1", st);
  assert.equal(m.kind === "failure" && m.address, "192.0.2.1");
  assert.equal(m.kind === "failure" && m.user, "203.0.113.5");
  assert.deepEqual(f.match("user x from evil.example.com", st), { kind: "none", rule: "failregex.0", reason: "not-an-ip" });
  assert.equal(f.match("user x from 999.1.1.1", st).kind, "none");
  assert.equal(f.match(`user ${"x".repeat(9000)} from 192.0.2.1`, st).kind, "none");
});
