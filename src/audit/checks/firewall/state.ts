// What the firewall checks share: the loaded kernel ruleset (or the error that prevents judging it), whether
// IPv6 is in use at all, and ufw's own switch. Kept here so each check module stays one concern.
import { type FirewallState, firewallState } from "../../../firewall/observed/loaded.js";
import { type AuditContext, errorOutcome, type Outcome } from "../../types.js";

/** The ruleset, or an error outcome when a tool that is present could not be read. */
export async function loadRuleset(ctx: AuditContext): Promise<FirewallState | Outcome> {
  const state = await firewallState(ctx);
  if (state.problems.length > 0) return errorOutcome(state.problems.join("; "));
  return state;
}

export const isOutcome = (x: FirewallState | Outcome): x is Outcome => "status" in x;

/** IPv6 switched off for the whole host (sysctl disable_ipv6=1 on all, or no IPv6 stack). */
export async function ipv6Disabled(ctx: AuditContext): Promise<{ disabled: boolean; source: string }> {
  return ctx.memo("firewall:ipv6", async () => {
    const all = await ctx.fs.readTextIfExists("/proc/sys/net/ipv6/conf/all/disable_ipv6");
    if (all === undefined) return { disabled: true, source: "/proc/sys/net/ipv6 absent (no IPv6 stack)" };
    return { disabled: all.trim() === "1", source: `/proc/sys/net/ipv6/conf/all/disable_ipv6 = ${all.trim()}` };
  });
}

/** ufw's ENABLED switch in /etc/ufw/ufw.conf, with its line. */
export async function ufwEnabled(ctx: AuditContext): Promise<{ enabled: boolean; source: string } | undefined> {
  const file = "/etc/ufw/ufw.conf";
  const text = await ctx.fs.readTextIfExists(file);
  if (text === undefined) return undefined;
  let result = { enabled: false, source: `${file} (no ENABLED line)` };
  text.split("\n").forEach((line, i) => {
    const m = /^\s*ENABLED\s*=\s*"?(\w+)"?\s*$/.exec(line);
    if (m) result = { enabled: m[1]?.toLowerCase() === "yes", source: `${file}:${i + 1}` };
  });
  return result;
}
