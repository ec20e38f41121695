// The kernel area's checks, in report order. Each check lives in its own small module beside this file;
// the runtime sysctl groups are data (recommended.ts) turned into one check each by runtime.ts.
import type { Check } from "../../types.js";
import { ipForward } from "./ip-forward.js";
import { sysctlPersisted } from "./persisted.js";
import { SYSCTL_GROUPS } from "./recommended.js";
import { runtimeCheck } from "./runtime.js";

export const checks: Check[] = [ipForward, ...SYSCTL_GROUPS.map(runtimeCheck), sysctlPersisted];
