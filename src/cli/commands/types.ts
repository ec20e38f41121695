// The shape of a command module: it adds itself (and its subcommands) to the program.
import type { Command } from "commander";
import type { Context } from "../../system/context.js";

export type RegisterCommand = (program: Command, context: () => Context) => void;

/** Append an "Examples:" block to a command's --help. */
export function examples(cmd: Command, lines: string[]): Command {
  return cmd.addHelpText("after", `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
}

/** Split "a,b,c" option values. */
export function csv(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export const PARTS = ["users", "ssh", "firewall", "sysctl", "updates", "services", "mac", "guard", "blocklists", "integrity"] as const;
export type Part = (typeof PARTS)[number];
