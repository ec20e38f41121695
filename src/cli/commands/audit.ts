// `rampart audit`: read-only audit of this host (or an image at --root). The checks live in src/audit.
import { Option } from "commander";
import { notBuilt } from "../../core/errors.js";
import { csv, examples, type RegisterCommand } from "./types.js";

export const registerAudit: RegisterCommand = (program) => {
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
      .option("--only <areas>", "limit to areas: ssh,accounts,firewall,updates,kernel,services,mac,defence,integrity", csv)
      .action(() => {
        throw notBuilt("audit", "issue #3");
      }),
    [
      "rampart audit",
      "rampart audit --format json --fail-on high",
      "rampart audit --format html --output report.html",
      "rampart audit --root /mnt/image --only ssh,accounts",
    ],
  );
};
