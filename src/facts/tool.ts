// Running a read-only tool for a fact (nft, iptables-save, ipset, apt-get -s): a program that is not installed
// and a program that fails are values the caller judges, never throws — "not installed" is an answer, "exited
// 1: permission denied" is a reason to report an error instead of a verdict on half the facts.
import { isRampartError } from "../core/errors.js";
import type { FactContext } from "./context.js";

export const TOOL_TIMEOUT_MS = 3000;

export type ToolOutput =
  | { state: "ok"; argv: readonly string[]; stdout: string }
  | { state: "missing"; argv: readonly string[] }
  | { state: "failed"; argv: readonly string[]; reason: string };

/** Run a read-only tool: missing programs and failures are values, not throws. */
export async function tryTool(ctx: FactContext, argv: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<ToolOutput> {
  try {
    const r = await ctx.run(argv, { timeoutMs, okCodes: "any", env: { ...process.env, LC_ALL: "C" } });
    if (r.code !== 0) {
      const said = (r.stderr.trim() || r.stdout.trim()).split("\n")[0] ?? "";
      const hint = /permission|not permitted/i.test(said) ? " (run the audit as root)" : "";
      return { state: "failed", argv, reason: `${argv.join(" ")} exited ${r.code}: ${said}${hint}` };
    }
    return { state: "ok", argv, stdout: r.stdout };
  } catch (e) {
    if (isRampartError(e) && e.code === "NOT_FOUND") return { state: "missing", argv };
    return { state: "failed", argv, reason: e instanceof Error ? e.message : String(e) };
  }
}
