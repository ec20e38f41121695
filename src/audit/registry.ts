// Every audit check, by area. Adding a check = adding a module in checks/<area>/ and listing it in that
// area's index.ts; nothing else changes.
import type { Area, Check } from "./types.js";
import { checks as accounts } from "./checks/accounts/index.js";
import { checks as defence } from "./checks/defence/index.js";
import { checks as boot } from "./checks/boot/index.js";
import { checks as files } from "./checks/files/index.js";
import { checks as firewall } from "./checks/firewall/index.js";
import { checks as integrity } from "./checks/integrity/index.js";
import { checks as kernel } from "./checks/kernel/index.js";
import { checks as logging } from "./checks/logging/index.js";
import { checks as mac } from "./checks/mac/index.js";
import { checks as services } from "./checks/services/index.js";
import { checks as ssh } from "./checks/ssh/index.js";
import { checks as system } from "./checks/system/index.js";
import { checks as updates } from "./checks/updates/index.js";

export const checksByArea: Record<Exclude<Area, "policy">, Check[]> = {
  ssh,
  accounts,
  firewall,
  updates,
  kernel,
  services,
  mac,
  files,
  logging,
  boot,
  system,
  defence,
  integrity,
};

export function allChecks(): Check[] {
  return Object.values(checksByArea).flat();
}
