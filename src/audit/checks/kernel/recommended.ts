// The recommended kernel parameters live in src/policy/sysctl.ts (shared with `rampart apply --only sysctl`).
export * from "../../../policy/sysctl.js";
