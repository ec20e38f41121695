// The FirewallBackend contract; the registry of its implementations is backends/index.ts. A backend spells the
// neutral rule model in one dialect (nftables, iptables) and drives the kernel through the injected Runner. The
// shared apply machinery (src/apply/) calls, in this order:
//   const before = await backend.snapshot();       // serialisable; apply writes it to disk
//   const ruleset = backend.render(compile(policy, facts));
//   await backend.check(ruleset);                  // the real tool validates (nft -c, iptables-restore --test)
//   await backend.load(ruleset);                   // one transaction per table; v4 and v6 together
//   …on rollback: await backend.restore(before);   // or backend.failOpen() when `before` is lost
// Backends own only what is rampart's: `table inet rampart`, or the RAMPART-* chains, their jumps and the
// rampart_* ipsets. They never flush another table or chain.
import { RampartError } from "../core/errors.js";
import type { RuleModel } from "./model.js";

export type BackendName = "nftables" | "iptables";

export interface RenderedFile {
  /** a stable name: "rampart.nft", "rules.v4", "rules.v6", "rampart.ipset" */
  name: string;
  /** what loads it, for humans: "nft -f", "iptables-restore --noflush" */
  loader: string;
  text: string;
}

export interface RenderedRuleset {
  backend: BackendName;
  files: RenderedFile[];
}

/** What was loaded before: enough to put it back exactly. JSON-serialisable (apply stores it). */
export interface FirewallSnapshot {
  backend: BackendName;
  /** per part (e.g. "table", "filter.v4", "filter.v6", "ipsets"): its saved text, or null when absent */
  parts: Record<string, string | null>;
}

export interface FirewallBackend {
  readonly name: BackendName;
  render(model: RuleModel): RenderedRuleset;
  /** validate with the real tool without changing the ruleset; throws REFUSED with the tool's message */
  check(ruleset: RenderedRuleset): Promise<void>;
  /** replace rampart's rules atomically; named-set elements (bans, blocklists) are kept */
  load(ruleset: RenderedRuleset): Promise<void>;
  snapshot(): Promise<FirewallSnapshot>;
  /** put the saved state back; when the rules cannot be, fail open (remove rampart's rules) and throw */
  restore(snapshot: FirewallSnapshot): Promise<void>;
  /** remove rampart's rules (its sets may stay): the state that locks nobody out, for a lost snapshot */
  failOpen(): Promise<void>;
}

/** All files of a rendering as one text, each under a header line (what `firewall render` prints). */
export function renderedText(r: RenderedRuleset): string {
  if (r.files.length === 1) return r.files[0]?.text ?? "";
  return r.files.map((f) => `### ${f.name} (${f.loader})\n${f.text}`).join("\n");
}

export function fileOf(r: RenderedRuleset, name: string): string {
  const f = r.files.find((x) => x.name === name);
  if (!f) throw new RampartError("STATE", `internal: the ${r.backend} ruleset has no file ${name}`);
  return f.text;
}
