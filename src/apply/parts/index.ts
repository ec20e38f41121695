// The registry of parts that change the system, in the order apply runs them (users before ssh: the admin
// and their key exist before password logins are turned off). Adding a part is adding a line here.
import { RampartError } from "../../core/errors.js";
import type { Part } from "../plan.js";
import { blocklistsPart } from "./blocklists.js";
import { firewallPart } from "./firewall.js";
import { guardPart } from "./guard.js";
import { integrityPart } from "./integrity.js";
import { macPart } from "./mac.js";
import { servicesPart } from "./services.js";
import { sshPart } from "./ssh.js";
import { sysctlPart } from "./sysctl.js";
import { updatesPart } from "./updates.js";
import { usersPart } from "./users.js";

export const PARTS_IN_ORDER: readonly Part[] = [
  usersPart,
  sshPart,
  firewallPart,
  sysctlPart,
  updatesPart,
  servicesPart,
  macPart,
  guardPart,
  blocklistsPart,
  integrityPart,
];

/** The registered parts limited to `only` (all when empty); unknown or unbuilt names are a usage error. */
export function selectParts(only: readonly string[] | undefined, registry: readonly Part[] = PARTS_IN_ORDER): Part[] {
  if (!only || only.length === 0) return [...registry];
  const known = new Set(registry.map((p) => p.name));
  const bad = only.filter((n) => !known.has(n));
  if (bad.length) {
    throw new RampartError("USAGE", `--only: ${bad.join(", ")} ${bad.length === 1 ? "is" : "are"} not a part plan/apply can change yet`, {
      hint: `Parts available: ${registry.map((p) => p.name).join(", ")}.`,
    });
  }
  return registry.filter((p) => only.includes(p.name));
}
