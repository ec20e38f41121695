// The files area's checks (permissions of sensitive files and home directories, SUID/world-writable files in system paths, mount options, removable storage), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { homeModes } from "./home-modes.js";
import { partitions } from "./partitions.js";
import { sensitiveModes } from "./sensitive-modes.js";
import { worldWritable } from "./world-writable.js";

export const checks: Check[] = [homeModes, sensitiveModes, worldWritable, partitions];
