// Walks test/fixtures/logs/sshd.log: every annotated line must (not) match as its annotation says, in every
// mode of the sshd filter; and every rule of the filter must have at least one sample that matches and one
// that must not (the suite fails when a rule has none — fail2ban's failJSON habit).
// Then walks fail2ban's own sample logs (Debian's fail2ban package: tests/files/logs/sshd and the
// sshd-journal file it adds) with the same built-in filter, in every mode each section lists: any missed
// or wrong-address annotation fails; hosts that are not IPs (names) are the only lines never matched.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FakeClock } from "../../src/core/clock.js";
import { runBuiltinSshdSamples } from "../../src/guard/fail2ban/builtin-samples.js";
import { FAIL2BAN_TESTS, TEST_TZ } from "../../src/guard/fail2ban/samples.js";
import { createFilter } from "../../src/guard/filters/registry.js";
import { SSHD_MODES, SSHD_RULES } from "../../src/guard/filters/sshd.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, "../fixtures/logs/sshd.log");

interface Annotation {
  type: "match" | "success" | "helper" | "nomatch";
  rule: string;
  address?: string;
  user?: string;
  time?: string;
  modes?: string[];
}
interface Sample {
  lineNo: number;
  line: string;
  note: Annotation | undefined;
}

function readSamples(): Sample[] {
  const out: Sample[] = [];
  let note: Annotation | undefined;
  readFileSync(FIXTURE, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      const a = /^# (match|success|helper|nomatch): (\{.*\})\s*$/.exec(line);
      if (a) {
        note = { type: a[1] as Annotation["type"], ...(JSON.parse(a[2] as string) as Omit<Annotation, "type">) };
        return;
      }
      if (line.startsWith("#")) return;
      out.push({ lineNo: i + 1, line, note });
      note = undefined;
    });
  return out;
}

const samples = readSamples();

describe("sshd filter samples (test/fixtures/logs/sshd.log)", () => {
  test("every sample line is annotated", () => {
    const bare = samples.filter((s) => !s.note).map((s) => s.lineNo);
    assert.deepEqual(bare, [], `lines without an annotation: ${bare.join(", ")}`);
  });

  test("every rule has a sample that matches and one that must not", () => {
    const missing: string[] = [];
    for (const r of SSHD_RULES) {
      const notes = samples.map((s) => s.note).filter((n) => n?.rule === r.id);
      if (!notes.some((n) => n?.type !== "nomatch")) missing.push(`${r.id}: no match/success/helper sample`);
      if (!notes.some((n) => n?.type === "nomatch")) missing.push(`${r.id}: no nomatch sample`);
    }
    assert.deepEqual(missing, []);
  });

  for (const mode of SSHD_MODES) {
    test(`mode ${mode}: every annotated line`, () => {
      const filter = createFilter({ name: "sshd", params: { mode } });
      const state = filter.createState({ clock: new FakeClock(Date.UTC(2026, 10, 22, 12)), utcOffsetMinutes: 0 });
      const failures: string[] = [];
      for (const s of samples) {
        const n = s.note;
        if (!n) continue;
        const r = filter.match(s.line, state);
        const where = `sshd.log:${s.lineNo} [${mode}] ${n.type} ${n.rule}`;
        const got = JSON.stringify(r);
        const rule = SSHD_RULES.find((x) => x.id === n.rule);
        if (!rule) {
          failures.push(`${where}: unknown rule`);
          continue;
        }
        if (n.type === "match") {
          const modes = n.modes ?? rule.modes;
          if (modes.includes(mode)) {
            if (r.kind !== "failure" || r.rule !== n.rule || r.address !== n.address)
              failures.push(`${where}: want failure ${n.address}, got ${got}`);
            else if (n.user !== undefined && r.user !== n.user) failures.push(`${where}: want user ${JSON.stringify(n.user)}, got ${got}`);
            else if (n.time !== undefined && new Date(r.time).toISOString() !== n.time)
              failures.push(`${where}: want time ${n.time}, got ${new Date(r.time).toISOString()}`);
          } else if (r.kind === "failure" && r.rule === n.rule) {
            failures.push(`${where}: must not be a failure in this mode, got ${got}`);
          }
        } else if (n.type === "success") {
          if (r.kind !== "success" || r.rule !== n.rule || r.address !== n.address)
            failures.push(`${where}: want success ${n.address}, got ${got}`);
          else if (n.user !== undefined && r.user !== n.user) failures.push(`${where}: want user ${JSON.stringify(n.user)}, got ${got}`);
        } else if (n.type === "helper") {
          if (r.kind !== "none" || r.rule !== n.rule) failures.push(`${where}: want a recognised non-event, got ${got}`);
        } else if (r.kind !== "none") {
          failures.push(`${where}: must not match, got ${got}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }
});

describe("fail2ban's sshd sample logs with the built-in sshd filter", () => {
  const logs = `${FAIL2BAN_TESTS}/files/logs`;
  const skip = existsSync(`${logs}/sshd`) ? false : `fail2ban's sample logs are not installed (${logs}): apt-get install fail2ban`;

  test("every IP-host annotation passes in every listed mode; no wrong address", { skip }, async () => {
    // fail2ban's annotations are in its test zone; the filter reads syslog times in the local zone
    const tz = process.env.TZ;
    process.env.TZ = TEST_TZ;
    try {
      const r = await runBuiltinSshdSamples({ logsDir: logs });
      assert.equal(r.files.length, 2, `both files are walked: ${r.files.join(", ")}`);
      const bad = r.failures.filter((f) => f.verdict !== "not-ip").map((f) => `${f.file}:${f.line} [${f.mode}] ${f.verdict}: ${f.reason}`);
      assert.deepEqual(bad, []);
      assert.equal(r.wrongAddress, 0);
      assert.equal(r.passed, r.annotated);
      assert.ok(r.annotated >= 250, `only ${r.annotated} annotated lines: did the sample files change?`);
      for (const m of SSHD_MODES) {
        const pm = r.modes[m];
        assert.ok(pm && pm.checks > 0, `mode ${m} is exercised`);
        assert.equal(pm.passed, pm.checks, `mode ${m}`);
      }
      // the only lines never matched: hosts that are not IPs by core/ip.ts (names; a dotted quad with a
      // leading zero, which inet_aton reads as octal)
      const notIp = new Set(r.failures.filter((f) => f.verdict === "not-ip").map((f) => String(f.want.host)));
      for (const h of notIp) assert.ok(/[a-z]/i.test(h) || /(^|\.)0\d/.test(h), `host ${h} is counted as not an IP`);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });
});
