// Every command, in the order --help lists them. Modules are loaded on demand: running `rampart blocklist
// merge` loads only the blocklist command (start-up time is part of every command's cost); --help and
// unknown commands load them all.
import type { RegisterCommand } from "./types.js";

export interface CommandEntry {
  name: string;
  load: () => Promise<RegisterCommand>;
}

export const commands: CommandEntry[] = [
  { name: "audit", load: async () => (await import("./audit.js")).registerAudit },
  { name: "init", load: async () => (await import("./init.js")).registerInit },
  { name: "policy", load: async () => (await import("./policy.js")).registerPolicy },
  // plan, apply, confirm and rollback share one module
  { name: "plan", load: async () => (await import("./apply.js")).registerApply },
  { name: "firewall", load: async () => (await import("./firewall.js")).registerFirewall },
  { name: "guard", load: async () => (await import("./guard.js")).registerGuard },
  { name: "blocklist", load: async () => (await import("./blocklist.js")).registerBlocklist },
  { name: "mfa", load: async () => (await import("./mfa.js")).registerMfa },
  { name: "integrity", load: async () => (await import("./integrity.js")).registerIntegrity },
  { name: "report", load: async () => (await import("./report.js")).registerReport },
];

const ALIASES: Record<string, string> = { apply: "plan", confirm: "plan", rollback: "plan" };

/** The modules needed for this command line: the one named, or all of them (help, typos, no command). */
export function commandsFor(argv: readonly string[]): CommandEntry[] {
  const valueOptions = new Set(["--log-format", "--log-level"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (valueOptions.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith("-")) continue;
    const name = ALIASES[a] ?? a;
    const hit = commands.filter((c) => c.name === name);
    return hit.length ? hit : commands;
  }
  // no command: `--version` needs none, `--help` (or nothing) lists them all
  return argv.includes("--version") || argv.includes("-V") ? [] : commands;
}
