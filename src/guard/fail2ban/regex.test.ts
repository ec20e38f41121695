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

// #13: Python's classes for str patterns are not JS's; a user name with Unicode in it must not dodge a ban.
const py = (pattern: string, multiline = false) => {
  const v = translatePython(pattern, multiline).variants[0];
  assert.ok(v);
  return new RegExp(v.source, v.flags);
};

test("Python's . refuses only \\n (JS's also refuses \\r, U+2028, U+2029); (?s) and (?s:…) take \\n too", () => {
  for (const ch of ["\r", "\u2028", "\u2029", "\u0085", "x"]) assert.ok(py("^a.b$").test(`a${ch}b`), JSON.stringify(ch));
  assert.ok(!py("^a.b$").test("a\nb"));
  assert.ok(py("^a.+b$").test("a\u2028\r\u2029b"));
  assert.ok(py("(?s)^a.b$").test("a\nb"));
  assert.ok(py("^a(?s:.)b$").test("a\nb"));
  assert.ok(!py("(?s)^a(?-s:.)b$").test("a\nb"));
  // inside a class "." stays a literal dot
  assert.ok(!py("^a[.]b$").test("axb"));
});

test("Python's \\s and \\S: Unicode spaces, U+001C–U+001F and U+0085, but not U+FEFF; inside classes too", () => {
  for (const ch of ["\t", "\x1c", "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000"]) {
    assert.ok(py("^a\\sb$").test(`a${ch}b`), JSON.stringify(ch));
    assert.ok(!py("^a\\Sb$").test(`a${ch}b`), JSON.stringify(ch));
    assert.ok(py("^a[\\s,]b$").test(`a${ch}b`), JSON.stringify(ch));
    assert.ok(!py("^a[^\\s]b$").test(`a${ch}b`), JSON.stringify(ch));
  }
  assert.ok(!py("^a\\sb$").test("a\ufeffb"));
  assert.ok(py("^a\\Sb$").test("a\ufeffb"));
  assert.ok(py("^a[^\\s]b$").test("a\ufeffb"));
  assert.ok(py("^a[\\S]b$").test("a\ufeffb"));
  assert.ok(!py("^a[\\S.]b$").test("a\x1cb"));
  assert.ok(py("^a[\\S.]b$").test("a.b"));
  assert.ok(py("^ruser=\\S* rhost=x$").test("ruser=ad\ufeffmin rhost=x"));
});

test("Python's \\d, \\w, \\b are Unicode-aware (str patterns); (?a) makes them ASCII", () => {
  assert.ok(py("^\\d+$").test("\u0661\u0662\u0663")); // Arabic-Indic digits
  assert.ok(!py("^\\D$").test("\u0661"));
  assert.ok(py("^[\\d]+$").test("\u0661\u0662"));
  assert.ok(!py("^\\d$").test("\u00b2")); // superscript two is a digit but not decimal: Python refuses it
  assert.ok(py("^\\w+$").test("José_пароль\u00b2"));
  assert.ok(!py("^\\w$").test("-"));
  assert.ok(!py("^\\W$").test("é"));
  assert.ok(py("^[\\w.]+$").test("é.ü"));
  assert.ok(py("^[\\w-]+$").test("é-x") && py("^[-\\s]+$").test("-\u3000")); // a "-" next to a class stays literal
  assert.ok(!py("^[^\\w]$").test("é"));
  assert.ok(py("^x\\W$").test("x\u2028"));
  // \b sits between a Python \w and a non-\w: "é" is a word character
  assert.ok(py("é\\b").test("café"));
  assert.ok(!py("caf\\b").test("café"));
  assert.ok(py("f\\Bé").test("café"));
  // re.ASCII
  assert.ok(!py("(?a)^\\w$").test("é"));
  assert.ok(!py("(?a)^\\d$").test("\u0661"));
  assert.ok(!py("(?a)^\\s$").test("\u3000"));
  assert.ok(py("(?a)^\\S$").test("\u3000"));
  assert.ok(!py("(?a)^[\\S]$").test("\t"));
});

test("multi-line mode: ^ and $ see only \\n as a line end (not \\r, U+2028, U+2029)", () => {
  const re = py("^b$", true);
  assert.ok(re.test("a\nb\n"));
  assert.ok(re.test("b"));
  for (const ch of ["\r", "\u2028", "\u2029"]) {
    assert.ok(!re.test(`a${ch}b`), JSON.stringify(ch));
    assert.ok(!re.test(`b${ch}a`), JSON.stringify(ch));
  }
  assert.ok(py("(?m)^b$").test("a\nb\nc"));
  assert.ok(!py("^b$").test("a\nb\nc"));
});
