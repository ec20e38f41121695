// The mac area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { macEnabled } from "./enabled.js";
import { macInstalled } from "./installed.js";
import { profilesEnforcing } from "./profiles.js";

export const checks: Check[] = [macInstalled, macEnabled, profilesEnforcing];
