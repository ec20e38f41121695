// The kernel area's checks, in report order. Each check lives in its own small module beside this file;
// the runtime sysctl groups are data (recommended.ts, strict-sysctl.ts) turned into one check each.
import type { Check } from "../../types.js";
import { cpuVulns } from "./cpu-vulnerabilities.js";
import { ipForward } from "./ip-forward.js";
import { firewire, rareProtocols, unusedFilesystems, usbStorage } from "./modules.js";
import { nx } from "./nx.js";
import { sysctlPersisted } from "./persisted.js";
import { SYSCTL_GROUPS } from "./recommended.js";
import { runtimeCheck } from "./runtime.js";
import { STRICT_SYSCTL_GROUPS, strictSysctlCheck } from "./strict-sysctl.js";

export const checks: Check[] = [
  ipForward,
  ...SYSCTL_GROUPS.map(runtimeCheck),
  sysctlPersisted,
  ...STRICT_SYSCTL_GROUPS.map(strictSysctlCheck),
  nx,
  cpuVulns,
  unusedFilesystems,
  usbStorage,
  firewire,
  rareProtocols,
];
