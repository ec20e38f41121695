import { Option } from "commander";
import { computeCoverage } from "../../audit/coverage/coverage.js";
import { renderCoverageJson, renderCoverageText } from "../../audit/coverage/render.js";
import { allChecks } from "../../audit/registry.js";
import { parseAreas, runAudit } from "../../audit/run.js";
import type { Severity } from "../../audit/types.js";
import { waiverSources } from "../../audit/waivers.js";
import { RampartError } from "../../core/errors.js";
import { resolvePolicy } from "../../policy/load.js";
import { renderHtml } from "../../report/html.js";
import { renderJson } from "../../report/json.js";
import { failingAtOrAbove } from "../../report/model.js";
import { renderText } from "../../report/text.js";
import { type Context, writeOutput } from "../../system/context.js";
import { csv, examples, type RegisterCommand } from "./types.js";

interface AuditOptions {
  root?: string;
  policy?: string;
  format: "text" | "json" | "html";
  output?: string;
  failOn?: Severity;
  only?: string[];
  json?: boolean;
  coverage?: boolean;
}

export const registerAudit: RegisterCommand = (program, context) => {
  examples(
    program
      .command("audit")
      .description("read-only audit of this host (or an image at --root): what is wrong now and how to fix it")
      .option("--root <dir>", "audit an image or mounted disk at DIR (live-only checks are skipped)")
      .option("--policy <file>", "policy to judge against (default: /etc/rampart/policy.yaml if present, else the baseline)")
      .addOption(new Option("--format <format>", "output format").choices(["text", "json", "html"]).default("text"))
      .option("--json", "same as --format json")
      .option("--output <file>", "write the report to FILE instead of stdout")
      .addOption(
        new Option("--fail-on <severity>", "exit 1 when a finding is at or above this severity").choices([
          "info",
          "low",
          "medium",
          "high",
          "critical",
        ]),
      )
      .option(
        "--only <areas>",
        "limit to areas: ssh,accounts,firewall,updates,kernel,services,mac,files,logging,boot,system,defence,integrity,policy",
        csv,
      )
      .option(
        "--coverage",
        "instead of auditing, list every dev-sec ssh-baseline/linux-baseline control and raised Lynis test with the check(s) implementing it (or why none does), per-baseline totals, and each check's audit.profile strict note; exits 1 if a check's ref names no control",
      )
      .action(async (opts: AuditOptions) => {
        if (opts.json) opts.format = "json";
        process.exitCode = opts.coverage ? await coverage(context(), opts) : await audit(context(), opts);
      }),
    [
      "rampart audit",
      "rampart audit --format json --fail-on high",
      "rampart audit --format html --output report.html",
      "rampart audit --root /mnt/image --only ssh,accounts",
      "rampart audit --coverage",
      "rampart audit --coverage --json",
    ],
  );
};

async function audit(ctx: Context, opts: AuditOptions): Promise<number> {
  const only = opts.only ? parseAreas(opts.only) : undefined;
  const fs = ctx.fs(opts.root ?? "/");
  if (opts.root !== undefined) {
    const st = await fs.stat("/");
    if (!st?.isDirectory()) {
      throw new RampartError("USAGE", `--root ${opts.root} is not a directory`, {
        hint: "Give the directory an image or disk is mounted at.",
      });
    }
  }
  const { policy, file, text } = await resolvePolicy(fs, opts.policy);
  const fromFile = file !== undefined;
  const label = file ?? "built-in baseline";
  const report = await runAudit({
    fs,
    run: ctx.run,
    live: fs.live,
    policy,
    policyFromFile: fromFile,
    clock: ctx.clock,
    log: ctx.log,
    only,
    policyLabel: label,
    waiverSources: text === undefined ? [] : waiverSources(text, label),
  });
  const toFile = opts.output !== undefined;
  const rendered =
    opts.format === "json"
      ? renderJson(report)
      : opts.format === "html"
        ? renderHtml(report)
        : renderText(report, { color: ctx.color && !toFile });
  if (toFile) {
    const out = await writeOutput(opts.output as string, rendered);
    ctx.log.info("report written", { file: out, format: opts.format, fail: report.summary.fail, warn: report.summary.warn });
  } else {
    process.stdout.write(rendered);
  }
  if (opts.failOn && failingAtOrAbove(report.checks, opts.failOn).length > 0) return 1;
  return 0;
}

/** `--coverage`: what the checks implement, from their refs; no host is read. */
async function coverage(ctx: Context, opts: AuditOptions): Promise<number> {
  if (opts.format === "html") throw new RampartError("USAGE", "--coverage prints text or JSON", { hint: "Use --format text or --json." });
  const c = computeCoverage(allChecks());
  const rendered = opts.format === "json" ? renderCoverageJson(c) : renderCoverageText(c, { color: ctx.color && !opts.output });
  if (opts.output !== undefined) await writeOutput(opts.output, rendered);
  else process.stdout.write(rendered);
  return c.badRefs.length ? 1 : 0;
}
