// src/firewall/ — kernel rulesets and sets: compile, backends, set names, the gate. Imports core/,
// system/, facts/ and policy/ (its input); imported by audit/, apply/, guard/, blocklist/, cli/.
// The firewall part's public surface: compile a policy to the neutral model, pick a backend, render,
// check, load, snapshot, restore. See backend.ts for the order apply calls them in.
export { compile, type FirewallPolicy, type HostFacts } from "./compile.js";
export type { RuleModel, Rule, Chain, NamedSet } from "./model.js";
export { createBackend } from "./backends/index.js";
export {
  renderedText,
  type BackendName,
  type FirewallBackend,
  type FirewallSnapshot,
  type RenderedFile,
  type RenderedRuleset,
} from "./backend.js";
export { DryRunBackend } from "./backends/dryrun.js";
export { BAN_NET_SET, BAN_P64_SET, BAN_SET, BLOCK_SET, banSetOf, NFT_FAMILY, NFT_TABLE, namedSets } from "./sets.js";
