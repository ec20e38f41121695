// The recommended kernel parameters live in src/baseline/sysctl.ts (shared with `rampart apply --only sysctl`).
export * from "../../../baseline/sysctl.js";
