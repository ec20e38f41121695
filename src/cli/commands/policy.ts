// `rampart policy check [FILE]`: validate a policy and print every error and warning with file:line:column.
import { readFile } from "node:fs/promises";
import { RampartError } from "../../core/errors.js";
import { formatDiagnostic } from "../../policy/diagnostics.js";
import { DEFAULT_POLICY_PATH, parsePolicy } from "../../policy/load.js";
import { examples, type RegisterCommand } from "./types.js";

export const registerPolicy: RegisterCommand = (program, context) => {
  const policy = program.command("policy").description("work with policy files");
  examples(
    policy
      .command("check")
      .description("validate a policy: errors (exit 2) and warnings, each with file:line:column and a fix")
      .argument("[file]", "policy file", DEFAULT_POLICY_PATH)
      .option("--json", "print { file, valid, errors:[…], warnings:[…] }")
      .action(async (file: string, opts: { json?: boolean }) => {
        const ctx = context();
        let text: string;
        try {
          text = file === "-" ? await readStdin() : await readFile(file, "utf8");
        } catch (e) {
          throw new RampartError("NOT_FOUND", `cannot read policy ${file}: ${(e as Error).message}`, {
            hint: "Give the path of a policy file, or write one with `rampart init --output FILE`.",
          });
        }
        const r = parsePolicy(text, file === "-" ? "<stdin>" : file, new Date(ctx.clock.now()));
        if (opts.json) {
          ctx.out(JSON.stringify({ file, valid: r.errors.length === 0, errors: r.errors, warnings: r.warnings }, null, 2));
        } else {
          for (const d of [...r.errors, ...r.warnings]) ctx.out(formatDiagnostic(d));
          ctx.out(
            r.errors.length
              ? `${file}: ${r.errors.length} error(s), ${r.warnings.length} warning(s)`
              : `${file}: valid${r.warnings.length ? ` (${r.warnings.length} warning(s))` : ""}`,
          );
        }
        if (r.errors.length) process.exitCode = 2;
      }),
    [
      "rampart policy check /etc/rampart/policy.yaml",
      "rampart policy check --json my-policy.yaml",
      "cat policy.yaml | rampart policy check -",
    ],
  );
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
