// The files area's checks (permissions of sensitive files and home directories, SUID/world-writable files in system paths, mount options, removable storage), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { cronPerms } from "./cron-perms.js";
import { homeModes } from "./home-modes.js";
import { mountOptions } from "./mount-options.js";
import { partitions } from "./partitions.js";
import { sensitiveModes } from "./sensitive-modes.js";
import { suidBlacklist } from "./suid-blacklist.js";
import { trustFilesCheck } from "./trust-files.js";
import { varLog } from "./var-log.js";
import { worldWritable } from "./world-writable.js";

export const checks: Check[] = [
  suidBlacklist,
  trustFilesCheck,
  varLog,
  cronPerms,
  mountOptions,
  homeModes,
  sensitiveModes,
  worldWritable,
  partitions,
];
