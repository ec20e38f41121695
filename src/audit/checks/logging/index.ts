// The logging area's checks (system logs kept and sent on (journald/rsyslog), auditd, process accounting, time sync), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { auditd } from "./auditd.js";
import { logDaemon } from "./daemon.js";
import { logPersistent } from "./persistent.js";
import { logRemote } from "./remote.js";
import { processAccounting } from "./process-accounting.js";
import { timeSync } from "./time-sync.js";

export const checks: Check[] = [auditd, logDaemon, logPersistent, logRemote, timeSync, processAccounting];
