// src/cli/ — parses arguments and prints, nothing else. Imports any layer; nothing imports cli/.
// rampart's entry: global options, the command tree, and the single error → exit-code handler.
// Each command lives in src/cli/commands/<name>.ts and only parses options and prints; the work is done
// in the domain modules (src/audit, src/firewall, …).
import { Command, CommanderError, Option } from "commander";
import { ExitCode } from "../core/errors.js";
import { commandsFor } from "./commands/index.js";
import type { RegisterCommand } from "./commands/types.js";
import { type Context, createContext, type GlobalOptions } from "../system/context.js";
import { reportError } from "./errors.js";
import { VERSION } from "../core/version.js";

export function buildProgram(getContext: () => Context, registrations: RegisterCommand[]): Command {
  const program = new Command("rampart")
    .description("Secure a Linux server and keep it secure.")
    .summary("secure a Linux server and keep it secure")
    .version(VERSION, "-V, --version")
    .addOption(new Option("--log-format <format>", "log lines on stderr as text or JSON lines").choices(["text", "json"]).default("text"))
    .addOption(
      new Option("--log-level <level>", "least important log level shown").choices(["debug", "info", "warn", "error"]).default("info"),
    )
    .option("--no-color", "no colours in output (also: NO_COLOR=1)")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true, helpWidth: 110 })
    .addHelpText(
      "after",
      `
How it works: audit finds what is wrong; plan shows the exact changes; apply makes them with a rollback
that only a NEW connection can cancel (\`rampart confirm\`); guard bans attackers in the kernel; blocklist
loads public lists of bad networks. One policy drives it all: /etc/rampart/policy.yaml (\`rampart init\`).

Examples:
  rampart audit                         what is wrong on this host, in about a second
  rampart audit --format json --fail-on high
  rampart init --output /etc/rampart/policy.yaml
  rampart plan --only ssh,users         every change apply would make, as diffs
  rampart apply --only ssh && rampart confirm   (confirm from a NEW ssh session)
  rampart guard test sshd /var/log/auth.log

Exit codes: 0 ok; 1 findings at/above --fail-on, or a refused/failed change; 2 usage or policy error;
3 internal error (a bug: please report it).`,
    );
  program.exitOverride();
  for (const register of registrations) register(program, getContext);
  // subcommands inherit exit handling and error display
  const applyAll = (c: Command) => {
    c.exitOverride();
    c.showSuggestionAfterError(true);
    c.showHelpAfterError("(run with --help for usage)");
    c.commands.forEach(applyAll);
  };
  program.commands.forEach(applyAll);
  return program;
}

/** Run the CLI with these arguments; returns the exit code (never calls process.exit). */
export async function main(argv: string[]): Promise<number> {
  let ctx: Context | undefined;
  const registrations = await Promise.all(commandsFor(argv).map((c) => c.load()));
  const program = buildProgram(() => {
    ctx ??= createContext(program.opts<GlobalOptions>());
    return ctx;
  }, registrations);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.ok;
      if (e.exitCode === 0) return ExitCode.ok;
      return ExitCode.usage; // commander already printed what was wrong
    }
    return reportError(e);
  }
}
