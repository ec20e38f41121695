// `rampart audit`: read-only audit of this host (or an image at --root). The checks live in src/audit;
// this module only resolves the policy, runs the engine, renders the report and sets the exit code.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Option } from "commander";
import { parseAreas, runAudit } from "../../audit/run.js";
import type { Severity } from "../../audit/types.js";
import { waiverSources } from "../../audit/waivers.js";
import { RampartError } from "../../core/errors.js";
import { DEFAULT_POLICY_PATH, defaultPolicy, loadPolicy } from "../../policy/load.js";
import type { Policy } from "../../policy/schema.js";
import { renderHtml } from "../../report/html.js";
import { renderJson } from "../../report/json.js";
import { failingAtOrAbove } from "../../report/model.js";
import { renderText } from "../../report/text.js";
import { HostFs } from "../../system/hostfs.js";
import type { Context } from "../context.js";
import { csv, examples, type RegisterCommand } from "./types.js";

interface AuditOptions {
  root?: string;
  policy?: string;
  format: "text" | "json" | "html";
  output?: string;
  failOn?: Severity;
  only?: string[];
}

export const registerAudit: RegisterCommand = (program, context) => {
  examples(
    program
      .command("audit")
      .description("read-only audit of this host (or an image at --root): what is wrong now and how to fix it")
      .option("--root <dir>", "audit an image or mounted disk at DIR (live-only checks are skipped)")
      .option("--policy <file>", "policy to judge against (default: /etc/rampart/policy.yaml if present, else the baseline)")
      .addOption(new Option("--format <format>", "output format").choices(["text", "json", "html"]).default("text"))
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
      .option("--only <areas>", "limit to areas: ssh,accounts,firewall,updates,kernel,services,mac,defence,integrity,policy", csv)
      .action(async (opts: AuditOptions) => {
        process.exitCode = await audit(context(), opts);
      }),
    [
      "rampart audit",
      "rampart audit --format json --fail-on high",
      "rampart audit --format html --output report.html",
      "rampart audit --root /mnt/image --only ssh,accounts",
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
  const { policy, fromFile, label, text } = await resolvePolicy(fs, opts.policy);
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
    const out = path.resolve(opts.output as string);
    try {
      await writeFile(out, rendered, { mode: 0o640 });
    } catch (e) {
      throw new RampartError("EXEC", `cannot write the report to ${out}: ${(e as Error).message}`, {
        hint: "Choose a writable path with --output.",
        cause: e,
      });
    }
    ctx.log.info("report written", { file: out, format: opts.format, fail: report.summary.fail, warn: report.summary.warn });
  } else {
    process.stdout.write(rendered);
  }
  if (opts.failOn && failingAtOrAbove(report.checks, opts.failOn).length > 0) return 1;
  return 0;
}

/** --policy FILE (a path on this machine), else /etc/rampart/policy.yaml under the root, else the baseline. */
async function resolvePolicy(
  fs: HostFs,
  file: string | undefined,
): Promise<{ policy: Policy; fromFile: boolean; label: string; text: string | undefined }> {
  if (file !== undefined) {
    const here = new HostFs("/");
    const abs = path.resolve(file);
    const { policy } = await loadPolicy(abs, here);
    return { policy, fromFile: true, label: abs, text: await here.readTextIfExists(abs) };
  }
  const text = await fs.readTextIfExists(DEFAULT_POLICY_PATH);
  if (text === undefined) return { policy: defaultPolicy(), fromFile: false, label: "built-in baseline", text: undefined };
  const { policy } = await loadPolicy(DEFAULT_POLICY_PATH, fs);
  return { policy, fromFile: true, label: fs.display(DEFAULT_POLICY_PATH), text };
}
