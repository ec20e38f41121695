// Every command, in the order --help lists them.
import { registerAudit } from "./audit.js";
import { registerInit } from "./init.js";
import { registerIntegrity } from "./integrity.js";
import { registerPolicy } from "./policy.js";
import { registerBlocklist } from "./blocklist.js";
import { registerFirewall } from "./firewall.js";
import { registerGuard } from "./guard.js";
import { registerApply } from "./apply.js";
import type { RegisterCommand } from "./types.js";

export const commands: RegisterCommand[] = [
  registerAudit,
  registerInit,
  registerPolicy,
  registerApply,
  registerFirewall,
  registerGuard,
  registerBlocklist,
  registerIntegrity,
];
