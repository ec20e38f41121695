// The boot area's checks (the boot loader: password, permissions of its configuration), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { grubCfgModes } from "./grub-cfg-modes.js";
import { grubPassword } from "./grub-password.js";

export const checks: Check[] = [grubCfgModes, grubPassword];
