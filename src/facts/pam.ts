// PAM stacks as files say them (/etc/pam.d/<service>), with Debian's `@include common-…` and the
// `include`/`substack` controls expanded in place, each line keeping its file:line — enough to say which
// modules a password change or a login passes through (pam_pwquality, pam_faillock, …). Read through ctx.fs
// so an image under --root is judged the same way as the live host.
import type { FactContext } from "./context.js";

export interface PamLine {
  type: string;
  control: string;
  module: string;
  args: string[];
  source: string;
}

const DIR = "/etc/pam.d";

/** The expanded stack of one PAM service file (e.g. "common-password", "sshd"); [] when it does not exist. */
export function pamStack(ctx: FactContext, service: string): Promise<PamLine[]> {
  return ctx.memo(`pam:${service}`, () => expand(ctx, service, new Set()));
}

async function expand(ctx: FactContext, service: string, seen: Set<string>): Promise<PamLine[]> {
  if (seen.has(service) || seen.size > 16 || service.includes("/")) return [];
  seen.add(service);
  const file = `${DIR}/${service}`;
  const text = await ctx.fs.readTextIfExists(file);
  if (text === undefined) return [];
  const out: PamLine[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").replace(/#.*/, "").trim();
    if (!line) continue;
    if (line.startsWith("@include")) {
      out.push(...(await expand(ctx, line.slice(8).trim(), seen)));
      continue;
    }
    const words = splitPam(line);
    const [type, control, module, ...args] = words;
    if (!type || !control) continue;
    const t = type.replace(/^-/, "");
    if (control === "include" || control === "substack") {
      if (module) out.push(...(await expand(ctx, module, seen)));
      continue;
    }
    if (!module) continue;
    out.push({ type: t, control, module: module.slice(module.lastIndexOf("/") + 1), args, source: `${file}:${i + 1}` });
  }
  return out;
}

/** Split a PAM line into words, keeping a bracketed control ([success=1 default=ignore]) as one word. */
function splitPam(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    const start = i;
    if (line[i] === "[") {
      const end = line.indexOf("]", i);
      i = end === -1 ? line.length : end + 1;
    } else while (i < line.length && line[i] !== " " && line[i] !== "\t") i++;
    out.push(line.slice(start, i));
  }
  return out;
}

/** The first line of `type` whose module is one of `modules`. */
export function findModule(stack: PamLine[], type: string, modules: readonly string[]): PamLine | undefined {
  return stack.find((l) => l.type === type && modules.includes(l.module));
}
