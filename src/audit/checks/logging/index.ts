// The logging area's checks (system logs kept and sent on (journald/rsyslog), auditd, process accounting, time sync), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { logDaemon } from "./daemon.js";
import { logPersistent } from "./persistent.js";
import { processAccounting } from "./process-accounting.js";
import { logRemote } from "./remote.js";
import { timeSync } from "./time-sync.js";

export const checks: Check[] = [logDaemon, logPersistent, logRemote, timeSync, processAccounting];
