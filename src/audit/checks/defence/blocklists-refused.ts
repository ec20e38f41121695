// DEF-BLOCKLISTS-REFUSED: the last `rampart blocklist update` refused a list (or the merged result) as a whole
// because it broke a sanity rule (a too-wide entry, too much of the public address space, a pinned sha256
// that did not match, plain http). The kernel kept the last good set, so nothing is broken yet — but the list
// is not being refreshed, and the admin should know which source and which rule. Read from the refresh's state
// file (/var/lib/rampart/blocklists.json, written by src/blocklist/state.ts); this file only reads its JSON.
import type { Check } from "../../types.js";

const STATE = "/var/lib/rampart/blocklists.json";

interface StateView {
  lists?: Record<string, { refused?: { rule?: string; detail?: string; at?: string } }>;
  lastRun?: { at?: string; refused?: { list?: string; rule?: string; detail?: string }[] };
}

export const defBlocklistsRefused: Check = {
  id: "DEF-BLOCKLISTS-REFUSED",
  area: "defence",
  title: "No blocklist was refused by a sanity rule at the last refresh",
  severity: "medium",
  remediation:
    'See `rampart blocklist status`: fix or replace the source named there, or (a big country list) raise its cap with blocklists.limits.raise.<name>: { maxShare: N, reason: "…" }; then run `rampart blocklist update`.',
  refs: ["rampart README: blocklists"],
  async run(ctx) {
    if (ctx.policy.blocklists.sources.length === 0) return { status: "skip", reason: "the policy configures no blocklists" };
    const text = await ctx.fs.readTextIfExists(STATE);
    if (text === undefined) return { status: "skip", reason: `no refresh has run yet (${STATE} does not exist)` };
    let state: StateView;
    try {
      state = JSON.parse(text) as StateView;
    } catch {
      return { status: "error", reason: `${ctx.fs.display(STATE)} is not valid JSON` };
    }
    const configured = new Set(ctx.policy.blocklists.sources.map((s) => s.name));
    const refused = (state.lastRun?.refused ?? []).filter((r) => r.list === "merged" || configured.has(r.list ?? ""));
    const observed = refused.length ? refused.map((r) => `${r.list}: rule ${r.rule}: ${r.detail}`) : "none refused";
    return {
      status: refused.length ? "fail" : "pass",
      observed,
      expected: "every list within blocklists.limits (and fetched as the policy says)",
      source: `${ctx.fs.display(STATE)} (last refresh ${state.lastRun?.at ?? "unknown"})`,
    };
  },
};
