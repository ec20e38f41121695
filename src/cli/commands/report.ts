// `rampart report fleet FILE...`: one page for many hosts, from their `rampart audit --format json` files
// (the Ansible role in contrib/ansible fetches them). Every file is read and checked before anything is
// written, so a bad file leaves no half report behind.
import { readFile } from "node:fs/promises";
import { Option } from "commander";
import { RampartError } from "../../core/errors.js";
import { buildFleetReport, type FleetInput, renderFleetHtml, renderFleetJson } from "../../report/fleet.js";
import { writeOutput } from "../../system/context.js";
import { examples, type RegisterCommand } from "./types.js";

interface FleetOptions {
  output?: string;
  format: "html" | "json";
}

export const registerReport: RegisterCommand = (program, context) => {
  const report = program.command("report").description("reports over several hosts");
  examples(
    report
      .command("fleet")
      .description("one HTML (or JSON) report from many `rampart audit --format json` files: hosts by score, shared findings")
      .argument("<files...>", "audit JSON files, one per host")
      .addOption(new Option("--format <format>", "output format").choices(["html", "json"]).default("html"))
      .option("--output <file>", "write the report to FILE instead of stdout")
      .action(async (files: string[], opts: FleetOptions) => {
        const ctx = context();
        const inputs: FleetInput[] = [];
        for (const file of files) {
          try {
            inputs.push({ file, text: await readFile(file, "utf8") });
          } catch (e) {
            throw new RampartError("INPUT", `cannot read ${file}: ${(e as Error).message}`, {
              hint: "Give files written by `rampart audit --format json`.",
            });
          }
        }
        const fleet = buildFleetReport(inputs, new Date(ctx.clock.now()));
        const rendered = opts.format === "json" ? renderFleetJson(fleet) : renderFleetHtml(fleet);
        if (opts.output === undefined) {
          process.stdout.write(rendered);
          return;
        }
        const out = await writeOutput(opts.output, rendered);
        ctx.log.info("fleet report written", {
          file: out,
          format: opts.format,
          hosts: fleet.hosts.length,
          findings: fleet.findings.length,
        });
      }),
    ["rampart report fleet audits/*.json --output fleet.html", "rampart report fleet web1.json web2.json --format json"],
  );
};
