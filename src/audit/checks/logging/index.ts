// The logging area's checks (system logs kept and sent on (journald/rsyslog), auditd, process accounting, time sync), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { auditd } from "./auditd.js";

export const checks: Check[] = [auditd];
