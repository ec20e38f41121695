// `rampart init`: write a policy tailored to this host (see src/policy/init.ts).
import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import { RampartError } from "../../core/errors.js";
import { gatherHostFacts, renderInitPolicy } from "../../policy/init.js";
import { parsePolicy } from "../../policy/load.js";
import { writeOutput } from "../../system/context.js";
import { examples, type RegisterCommand } from "./types.js";

export const registerInit: RegisterCommand = (program, context) => {
  examples(
    program
      .command("init")
      .description("write a policy tailored to this host: your admin user and keys, the SSH port, listening services, own addresses")
      .option("--output <file>", "where to write it (default: stdout)")
      .option("--force", "overwrite an existing file")
      .action(async (opts: { output?: string; force?: boolean }) => {
        const ctx = context();
        const facts = await gatherHostFacts(ctx.fs("/"), ctx.run, ctx.log);
        const text = renderInitPolicy(facts, new Date(ctx.clock.now()));
        // what we write must pass our own check
        const check = parsePolicy(text, opts.output ?? "<init>");
        if (check.errors.length) {
          throw new RampartError("POLICY", `internal: the generated policy is invalid: ${check.errors[0]?.message}`);
        }
        if (!opts.output) {
          ctx.out(text);
          return;
        }
        const exists = await access(opts.output).then(
          () => true,
          () => false,
        );
        if (exists && !opts.force) {
          throw new RampartError("REFUSED", `${opts.output} already exists`, {
            hint: "Pass --force to overwrite it, or choose another --output.",
          });
        }
        await mkdir(path.dirname(opts.output), { recursive: true, mode: 0o755 });
        await writeOutput(opts.output, text, 0o600);
        for (const n of facts.notes) ctx.log.warn(n);
        ctx.log.info(`wrote ${opts.output}`, { admin: facts.admin?.name ?? "none", sshPort: facts.sshPort });
      }),
    ["sudo rampart init --output /etc/rampart/policy.yaml", "rampart init | less"],
  );
};
