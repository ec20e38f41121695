// The kernel area's checks, in report order. Each check lives in its own small module beside this file;
// the runtime sysctl groups are data (src/policy/sysctl.ts, via recommended.ts) turned into one check each.
import type { Check } from "../../types.js";
import { cpuVulns } from "./cpu-vulnerabilities.js";
import { ipForward } from "./ip-forward.js";
import { firewire, rareProtocols, unusedFilesystems, usbStorage } from "./modules.js";
import { nx } from "./nx.js";
import { sysctlPersisted } from "./persisted.js";
import { STRICT_ONLY_SYSCTL_GROUPS, SYSCTL_GROUPS } from "./recommended.js";
import { runtimeCheck } from "./runtime.js";

export const checks: Check[] = [
  ipForward,
  ...SYSCTL_GROUPS.map(runtimeCheck),
  sysctlPersisted,
  ...STRICT_ONLY_SYSCTL_GROUPS.map(runtimeCheck),
  nx,
  cpuVulns,
  unusedFilesystems,
  usbStorage,
  firewire,
  rareProtocols,
];
