// `rampart audit --coverage` output: a terminal table per baseline (covered / why-not / open, with the
// implementing checks), the checks' `strict` notes, and any ref that names no control; or the same as JSON.
import { createColors } from "picocolors";
import type { Coverage, CoverageRow } from "./coverage.js";

export function renderCoverageJson(c: Coverage): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

export function renderCoverageText(c: Coverage, o: { color: boolean }): string {
  const k = createColors(o.color);
  const mark: Record<CoverageRow["status"], string> = { covered: k.green("✓"), "why-not": k.cyan("-"), open: k.yellow("·") };
  const out: string[] = [
    k.bold("rampart audit coverage") + k.dim(" · computed from the checks' refs (✓ covered, - not checked and why, · open)"),
  ];
  for (const b of c.baselines) {
    out.push(
      "",
      `${k.bold(b.title)}: ${b.covered}/${b.total} covered (${b.percent}%)` +
        k.dim(`${b.whyNot ? `, ${b.whyNot} not checked (why below)` : ""}${b.open ? `, ${b.open} open` : ""}`),
    );
    const idWidth = Math.max(...b.rows.map((r) => r.id.length));
    for (const r of b.rows) {
      const what =
        r.status === "covered" ? k.green(r.checks.join(", ")) : r.status === "why-not" ? k.dim(`why not: ${r.whyNot}`) : k.yellow("open");
      out.push(`  ${mark[r.status]} ${r.id.padEnd(idWidth)}  ${truncate(r.title, 64).padEnd(64)}  ${what}`);
    }
  }
  if (c.strict.length) {
    out.push("", k.bold("Stricter under audit.profile: strict"));
    for (const s of c.strict) out.push(`  ${s.check.padEnd(26)} ${s.strict}`);
  }
  if (c.badRefs.length) {
    out.push("", k.red(k.bold(`Refs that name no control (${c.badRefs.length}) — fix them in the checks`)));
    for (const b of c.badRefs) out.push(`  ${b.check}: "${b.ref}" — ${b.why}`);
  }
  return `${out.join("\n")}\n`;
}

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
