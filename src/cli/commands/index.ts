// Every command, in the order --help lists them.
import { registerAudit } from "./audit.js";
import { registerInit } from "./init.js";
import { registerPolicy } from "./policy.js";
import { registerApply, registerBlocklist, registerFirewall, registerGuard, registerIntegrity } from "./stubs.js";
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
