// Walks test/fixtures/logs/sshd.log: every annotated line must (not) match as its annotation says, in every
// mode of the sshd filter; and every rule of the filter must have at least one sample that matches and one
// that must not (the suite fails when a rule has none — fail2ban's failJSON habit).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { FakeClock } from "../../src/core/clock.js";
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
