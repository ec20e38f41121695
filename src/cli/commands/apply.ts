// `rampart plan`, `apply`, `confirm`, `rollback`: option parsing and printing only; the work is in src/apply.
import { createInterface } from "node:readline/promises";
import { RampartError } from "../../core/errors.js";
import { DEFAULT_POLICY_PATH, defaultPolicy, loadPolicy } from "../../policy/load.js";
import type { Policy } from "../../policy/schema.js";
import { selectParts } from "../../apply/parts/index.js";
import { type PartContext, type Plan, planJson, renderPlan } from "../../apply/plan.js";
import { preparePlan } from "../../apply/prepare.js";
import { currentSession } from "../../apply/session.js";
import {
  applyPlan,
  confirmPending,
  rearmAtBoot,
  rollbackById,
  rollbackPending,
  timerWait,
  waitForConfirm,
} from "../../apply/transaction.js";
import { checkId } from "../../apply/backup.js";
import { selfInvocation } from "../../system/self.js";
import type { Context } from "../../system/context.js";
import { PARTS, csv, examples, type RegisterCommand } from "./types.js";

interface PlanOpts {
  policy?: string;
  root?: string;
  only?: string[];
  json?: boolean;
  /** also install pending package updates (part updates) */
  upgrade?: boolean;
}
interface ApplyOpts extends PlanOpts {
  yes?: boolean;
  confirmTimeout: string;
  wait: boolean;
}

async function partContext(ctx: Context, root: string | undefined, policy: Policy, upgrade = false): Promise<PartContext> {
  const fs = ctx.fs(root ?? "/");
  return {
    fs,
    run: ctx.run,
    policy,
    log: ctx.log,
    clock: ctx.clock,
    live: fs.live,
    session: currentSession(),
    ...(upgrade ? { upgrade } : {}),
  };
}

async function readPolicy(ctx: Context, o: PlanOpts): Promise<Policy> {
  const fs = o.policy ? ctx.fs("/") : ctx.fs(o.root ?? "/");
  const { policy, warnings } = await loadPolicy(o.policy ?? DEFAULT_POLICY_PATH, fs);
  for (const w of warnings) ctx.log.warn(`${w.file}:${w.line}:${w.column}: ${w.message}`);
  return policy;
}

async function makePlan(ctx: Context, o: PlanOpts): Promise<{ pctx: PartContext; plan: Plan; parts: ReturnType<typeof selectParts> }> {
  const parts = selectParts(o.only);
  const pctx = await partContext(ctx, o.root, await readPolicy(ctx, o), o.upgrade === true);
  return { pctx, plan: await preparePlan(pctx, parts), parts };
}

function refused(plan: Plan): RampartError {
  const first = plan.refusals[0];
  return new RampartError("REFUSED", `refused: ${plan.refusals.map((r) => `[${r.part}] ${r.reason}`).join("; ")} — nothing was changed`, {
    hint: first ? plan.refusals.map((r) => r.fix).join(" ") : undefined,
  });
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Every part, for rollback: restoring must not depend on which parts the apply was limited to. */
async function rollbackContext(ctx: Context): Promise<{ pctx: PartContext; parts: ReturnType<typeof selectParts> }> {
  return { pctx: await partContext(ctx, undefined, defaultPolicy()), parts: selectParts(undefined) };
}

export const registerApply: RegisterCommand = (program, context) => {
  examples(
    program
      .command("plan")
      .description("show every change apply would make: file diffs, rulesets, commands")
      .option("--policy <file>", "policy file", undefined)
      .option("--root <dir>", "plan for an image mounted at DIR")
      .option("--only <parts>", `limit to parts: ${PARTS.join(",")}`, csv)
      .option("--json", "machine-readable plan")
      .option("--upgrade", "also show the pending package updates as a change (part updates)")
      .action(async (o: PlanOpts) => {
        const ctx = context();
        const { plan } = await makePlan(ctx, o);
        ctx.out(o.json ? JSON.stringify(planJson(plan), null, 2) : renderPlan(plan));
        if (plan.refusals.length) process.exitCode = 1;
      }),
    ["rampart plan", "rampart plan --only ssh,users --json"],
  );
  examples(
    program
      .command("apply")
      .description("make the planned changes safely: validate, back up, arm a rollback, keep only on `rampart confirm`")
      .option("--policy <file>", "policy file (default /etc/rampart/policy.yaml)")
      .option("--root <dir>", "apply to an image mounted at DIR (no reloads, no timer)")
      .option("--only <parts>", `limit to parts: ${PARTS.join(",")}`, csv)
      .option("--yes", "do not ask before applying")
      .option("--confirm-timeout <seconds>", "roll back unless confirmed within this many seconds", "120")
      .option("--no-wait", "return once armed instead of waiting for the confirm or the rollback")
      .option("--upgrade", "also install the pending package updates (part updates; with progress and a log)")
      .action(async (o: ApplyOpts) => {
        const ctx = context();
        const timeout = Number(o.confirmTimeout);
        if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86400) {
          throw new RampartError("USAGE", `--confirm-timeout ${o.confirmTimeout}: expected whole seconds between 1 and 86400`);
        }
        const { pctx, plan, parts } = await makePlan(ctx, o);
        if (plan.refusals.length) {
          ctx.out(renderPlan(plan));
          throw refused(plan);
        }
        if (plan.changes.length === 0) {
          ctx.out("nothing to change");
          return;
        }
        ctx.out(renderPlan(plan));
        const irreversible = plan.changes.filter((c) => c.kind === "command" && c.irreversible);
        if (irreversible.length && !o.yes && !process.stdin.isTTY) {
          throw new RampartError(
            "REFUSED",
            `${irreversible.length} change(s) cannot be undone by a rollback (marked "not undone by rollback" above) — nothing was changed`,
            {
              hint: "Read the plan, then run the apply again with --yes.",
            },
          );
        }
        if (!o.yes && process.stdin.isTTY && !(await ask(`apply these ${plan.changes.length} changes? [y/N] `))) {
          throw new RampartError("REFUSED", "not applied (answered no)");
        }
        const me = selfInvocation();
        const r = await applyPlan(pctx, parts, plan, { confirmTimeoutSec: timeout, self: me.argv, cwd: me.cwd });
        if (r.deadline === undefined) {
          ctx.out(`applied ${r.id} (backup in /var/lib/rampart/backups/${r.id})`);
          return;
        }
        ctx.out(
          `applied ${r.id}. From a NEW ssh connection, run \`sudo rampart confirm\` within ${timeout} s to keep it; otherwise everything is restored.`,
        );
        if (!o.wait) return;
        let last = -1;
        const outcome = await waitForConfirm(pctx, parts, r.id, r.deadline, undefined, (ms) => {
          const s = Math.ceil(ms / 1000);
          if (s !== last && (s % 10 === 0 || s <= 5)) ctx.log.info(`waiting for \`rampart confirm\`: ${s} s left`);
          last = s;
        });
        if (outcome === "confirmed") ctx.out(`confirmed ${r.id}: the change is kept`);
        else
          throw new RampartError("REFUSED", `apply ${r.id} was not confirmed and has been rolled back`, {
            hint: "Check that a new ssh login works, then apply again and confirm from the new connection.",
          });
      }),
    ["rampart apply --only ssh      # then, from a NEW ssh session: rampart confirm", "rampart apply --only updates --upgrade --yes"],
  );
  program
    .command("confirm")
    .description("keep a pending apply (run it from a NEW ssh connection)")
    .option(
      "--allow-same-session",
      "confirm from the session that applied, or one opened before the changes went live (proves nothing about new logins)",
    )
    .action(async (o: { allowSameSession?: boolean }) => {
      const ctx = context();
      const { pctx } = await rollbackContext(ctx);
      const id = await confirmPending(pctx, currentSession(), o.allowSameSession === true);
      ctx.out(`confirmed ${id}: the change is kept`);
    });
  program
    .command("rollback")
    .description("restore the state before an apply (default: the pending one, else the latest confirmed)")
    .argument("[id]", "apply ID from /var/lib/rampart/backups")
    .option("--force", "restore even when files were edited after that apply")
    .option("--pending <id>", "(timer) roll back this apply if it is still pending")
    .option("--wait", "(timer) sleep until the pending apply's deadline first")
    .option("--rearm", "(boot) finish an interrupted rollback, roll back an expired apply, or re-arm its timer")
    .action(async (id: string | undefined, o: { force?: boolean; pending?: string; wait?: boolean; rearm?: boolean }) => {
      const ctx = context();
      const { pctx, parts } = await rollbackContext(ctx);
      if (o.rearm) {
        const me = selfInvocation();
        ctx.out(await rearmAtBoot(pctx, parts, me.argv, me.cwd));
        return;
      }
      if (o.pending) {
        process.on("SIGHUP", () => {}); // a timer outlives the terminal that started its apply
        const pid = checkId(o.pending);
        const done = o.wait ? await timerWait(pctx, parts, pid) : await rollbackPending(pctx, parts, "not confirmed in time", pid);
        ctx.out(done ? `rolled back ${done}` : `apply ${pid} is not pending (confirmed or already rolled back): nothing to do`);
        return;
      }
      const done = await rollbackById(pctx, parts, id === undefined ? undefined : checkId(id), o.force === true);
      ctx.out(`rolled back ${done}`);
    });
};
