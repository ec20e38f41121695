// The integrity area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { intBaselinePresent } from "./baseline-present.js";
import { intBaselineRecent } from "./baseline-recent.js";
import { intLastCheck } from "./last-check.js";

export const checks: Check[] = [intBaselinePresent, intBaselineRecent, intLastCheck];
