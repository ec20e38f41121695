// The system area's checks (host-wide hardening that fits no other area: core dumps, login banners, shell timeouts, cron permissions, compilers), in report order. Each check lives in its own small module
// beside this file.
import type { Check } from "../../types.js";
import { bannerIssue, bannerIssueNet } from "./banners.js";
import { compilers } from "./compilers.js";
import { coreDumps } from "./core-dumps.js";
import { pathDot } from "./path-dot.js";
import { prelink } from "./prelink.js";
import { shellTimeout } from "./shell-timeout.js";
import { staleCode } from "./stale-code.js";

export const checks: Check[] = [pathDot, coreDumps, prelink, staleCode, compilers, bannerIssue, bannerIssueNet, shellTimeout];
