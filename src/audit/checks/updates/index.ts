// The updates area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { updPending } from "./pending.js";
import { updRebootRequired } from "./reboot-required.js";
import { updSecurityOrigin } from "./security-origin.js";
import { updSecurityPending } from "./security-pending.js";
import { updUnattendedEnabled } from "./unattended.js";

export const checks: Check[] = [updSecurityPending, updPending, updUnattendedEnabled, updSecurityOrigin, updRebootRequired];
