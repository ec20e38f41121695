// The action of `rampart guard import-fail2ban [DIR] [--json] [--output FILE]` (options parsed in guard.ts,
// loaded only when run): prints what was mapped and what was not, and writes the `guard:` snippet.
import { writeOutputFile } from "../../system/output.js";
import { RampartError } from "../../core/errors.js";
import type { Context } from "../../system/context.js";
import { humanImport, importFail2ban, policyYaml } from "../../guard/fail2ban/import.js";

export interface ImportOptions {
  json?: boolean;
  output?: string;
}

export async function importFail2banCommand(ctx: Context, dir: string, opts: ImportOptions): Promise<void> {
  const fs = ctx.fs("/");
  const st = await fs.stat(dir);
  if (!st?.isDirectory()) {
    throw new RampartError("NOT_FOUND", `${dir} is not a fail2ban configuration directory`, {
      hint: "Give the directory that holds jail.conf / jail.local (default /etc/fail2ban).",
    });
  }
  const report = await importFail2ban(dir, fs);
  if (report.files.length === 0) {
    throw new RampartError("NOT_FOUND", `no jail.conf or jail.local in ${dir}`, {
      hint: "Point at fail2ban's configuration directory, e.g. /etc/fail2ban.",
    });
  }
  const yaml = policyYaml(report);
  if (opts.output) {
    await writeOutputFile(opts.output, yaml, 0o644);
    ctx.log.info(`wrote ${opts.output}`);
  }
  if (opts.json) {
    ctx.out(JSON.stringify({ ...report, yaml }));
    return;
  }
  ctx.out(humanImport(report));
  if (!opts.output) ctx.out(`\n${yaml}`);
}
