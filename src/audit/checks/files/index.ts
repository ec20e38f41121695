// The files area's checks (permissions of sensitive files and home directories, SUID/world-writable files in system paths, mount options, removable storage), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";

export const checks: Check[] = [];
