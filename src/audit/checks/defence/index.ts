// The defence area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { defBanDaemon } from "./ban-daemon.js";
import { defBlocklistsLoaded } from "./blocklists-loaded.js";
import { defBlocklistsRefused } from "./blocklists-refused.js";
import { defSshdJail } from "./sshd-jail.js";

export const checks: Check[] = [defBanDaemon, defSshdJail, defBlocklistsLoaded, defBlocklistsRefused];
