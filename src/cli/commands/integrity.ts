// `rampart integrity init | check`: a baseline of system files and what changed since (src/integrity).
import cliProgress from "cli-progress";
import { formatDuration } from "../../policy/units.js";
import { resolvePolicy } from "../../policy/load.js";
import { integrityCheck, integrityInit, type Progress } from "../../integrity/integrity.js";
import type { Difference } from "../../integrity/compare.js";
import type { Context } from "../../system/context.js";
import { csv, examples, type RegisterCommand } from "./types.js";

interface Opts {
  root?: string;
  policy?: string;
  paths?: string[];
  json?: boolean;
  database?: string;
}

function progressBar(): Progress {
  if (!process.stderr.isTTY) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: " {phase} [{bar}] {value}/{total} files  {eta_formatted} left",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (phase, total) => bar.start(total, 0, { phase }),
    update: (n) => bar.update(n),
    stop: () => bar.stop(),
  };
}

async function settings(ctx: Context, o: Opts) {
  const fs = ctx.fs(o.root ?? "/");
  const { policy } = await resolvePolicy(fs, o.policy);
  return { fs, paths: o.paths ?? policy.integrity.paths, exclude: policy.integrity.exclude };
}

export const registerIntegrity: RegisterCommand = (program, context) => {
  const integ = program
    .command("integrity")
    .description("a baseline of system files (hashes, modes, owners): what was added, removed, changed")
    .addHelpText(
      "after",
      "\nThe baseline lives in /var/lib/rampart/integrity.db. `check` tells changes made by the package manager\n" +
        "(the file matches an installed package's md5sum) from local ones, and exits 1 when there are local changes.\n",
    );
  const common = (c: ReturnType<typeof integ.command>) =>
    c
      .option("--root <dir>", "work on an image mounted at DIR")
      .option("--policy <file>", "policy with integrity.paths/exclude (default: /etc/rampart/policy.yaml, else the baseline)")
      .option("--paths <paths>", "comma-separated target paths instead of the policy's", csv)
      .option("--database <file>", "keep the baseline in FILE (e.g. on read-only media) instead of /var/lib/rampart/integrity.db")
      .option("--json", "JSON output");
  examples(
    common(integ.command("init").description("record the baseline (hashes files in parallel, with a progress bar on a terminal)")).action(
      async (o: Opts) => {
        const ctx = context();
        const s = await settings(ctx, o);
        const r = await integrityInit({
          fs: s.fs,
          clock: ctx.clock,
          paths: s.paths,
          exclude: s.exclude,
          progress: progressBar(),
          ...(o.database ? { database: o.database } : {}),
          onSkip: (p, why) => ctx.log.warn(`integrity: ${p} left out: ${why}`),
        });
        if (o.json) ctx.out(JSON.stringify(r, null, 2));
        else
          ctx.out(
            `baseline recorded: ${r.files} files (${r.entries} entries) of ${s.paths.join(", ")} in ${(r.durationMs / 1000).toFixed(1)} s → ${r.database}`,
          );
      },
    ),
    ["sudo rampart integrity init", "rampart integrity init --root /mnt/image --paths /etc,/usr/bin"],
  );
  examples(
    common(integ.command("check").description("compare with the baseline: added, removed, changed (exit 1 on local changes)")).action(
      async (o: Opts) => {
        const ctx = context();
        const fs = ctx.fs(o.root ?? "/");
        const r = await integrityCheck({
          fs,
          clock: ctx.clock,
          progress: progressBar(),
          onSkip: (p, why) => ctx.log.warn(`integrity: ${p} left out: ${why}`),
          ...(o.paths ? { paths: o.paths } : {}),
          ...(o.database ? { database: o.database } : {}),
        });
        const local = [...r.added, ...r.removed, ...r.changed].filter((d) => d.by !== "package");
        if (o.json) {
          ctx.out(JSON.stringify(r, null, 2));
        } else {
          const age = formatDuration(Math.max(0, Math.round((ctx.clock.now() - r.baselineAt) / 1000)));
          ctx.out(`baseline of ${r.paths.join(", ")} from ${new Date(r.baselineAt).toISOString()} (${age} ago)`);
          for (const d of [...r.added, ...r.removed, ...r.changed]) ctx.out(describe(d));
          ctx.out(
            `${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed (${local.length} not by the package manager)`,
          );
        }
        if (local.length > 0) process.exitCode = 1;
      },
    ),
    ["sudo rampart integrity check", "rampart integrity check --json | jq '.changed[].path'"],
  );
};

function describe(d: Difference): string {
  const sign = d.kind === "added" ? "+" : d.kind === "removed" ? "-" : "~";
  const what = d.kind === "changed" ? ` (${d.what.join(", ")})` : "";
  const by = d.by === "package" ? `  [package ${d.package}]` : d.by === "local" ? "  [local]" : "";
  const modes = d.what.includes("mode") && d.before && d.after ? ` ${d.before.mode.toString(8)} → ${d.after.mode.toString(8)}` : "";
  return `${sign} ${d.path}${what}${modes}${by}`;
}
