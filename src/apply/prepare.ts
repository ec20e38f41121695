// Plan → preflight → validate, for every selected part: what `rampart plan` shows and what `rampart apply`
// checks before it touches anything. Validation runs the real tools on the candidate files, written to a
// private temp tree (never to the live paths) that is removed afterwards.
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Candidate, Change, Part, PartContext, Plan } from "./plan.js";

/** The planned files in a temp tree, for validators. */
async function materialise(ctx: PartContext, changes: readonly Change[]): Promise<Candidate & { cleanup(): Promise<void> }> {
  const dir = await fsp.mkdtemp(path.join(tmpdir(), "rampart-candidate-"));
  const planned = new Map<string, string | null>();
  for (const c of changes) if (c.kind === "file") planned.set(c.path, c.content);
  const pathOf = (target: string) => path.join(dir, target);
  for (const [target, content] of planned) {
    if (content === null) continue;
    await fsp.mkdir(path.dirname(pathOf(target)), { recursive: true, mode: 0o700 });
    await fsp.writeFile(pathOf(target), content, { mode: 0o600 });
  }
  return {
    dir,
    pathOf,
    content: async (target) => {
      const p = planned.get(target);
      if (p === null) return undefined;
      return p ?? ctx.fs.readTextIfExists(target);
    },
    cleanup: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

export async function preparePlan(ctx: PartContext, parts: readonly Part[]): Promise<Plan> {
  const plan: Plan = { parts: parts.map((p) => p.name), changes: [], notes: [], refusals: [] };
  for (const part of parts) {
    const r = await part.plan(ctx);
    plan.changes.push(...r.changes);
    plan.notes.push(...r.notes);
  }
  for (const part of parts) plan.refusals.push(...(await part.preflight(ctx, plan.changes)));
  if (plan.refusals.length > 0 || plan.changes.length === 0) return plan;
  const candidate = await materialise(ctx, plan.changes);
  try {
    for (const part of parts) {
      const v = await part.validate(ctx, candidate, plan.changes);
      plan.refusals.push(...v.refusals);
      plan.notes.push(...v.notes);
    }
  } finally {
    await candidate.cleanup();
  }
  return plan;
}
