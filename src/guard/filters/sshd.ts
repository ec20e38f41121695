// The built-in OpenSSH filter, by its historic path: the code is in ./sshd/ — rules.ts (modes, rules,
// limits), addresses.ts (address tokens → canonical text), scan.ts (the hand-written scanner),
// connections.ts (what is remembered per sshd process), filter.ts (the Filter and its factory).
export { canonicalV4Value } from "../../core/ip.js";
export { canonicalAddress } from "./sshd/addresses.js";
export { SshdFilter, sshdFilter } from "./sshd/filter.js";
export { SSHD_MODES, SSHD_PROGRAMS, SSHD_RULES, type SshdMode } from "./sshd/rules.js";
