// Commands of the DESIGN.md contract whose implementation has not landed yet. Each has its real options
// and help, and says plainly that it is not built (exit 2) instead of pretending. When a command lands,
// its registration moves to its own module and out of this file.
import { Option } from "commander";
import { notBuilt } from "../../core/errors.js";
import { PARTS, csv, examples, type RegisterCommand } from "./types.js";

const fail = (command: string, issue: string) => () => {
  throw notBuilt(command, issue);
};

export const registerApply: RegisterCommand = (program) => {
  examples(
    program
      .command("plan")
      .description("show every change apply would make: file diffs, rulesets, commands")
      .option("--policy <file>", "policy file", "/etc/rampart/policy.yaml")
      .option("--root <dir>", "plan for an image mounted at DIR")
      .option("--only <parts>", `limit to parts: ${PARTS.join(",")}`, csv)
      .option("--json", "machine-readable plan")
      .action(fail("plan", "issue #4")),
    ["rampart plan", "rampart plan --only ssh,users --json"],
  );
  examples(
    program
      .command("apply")
      .description("make the planned changes safely: validate, back up, arm a rollback, keep only on `rampart confirm`")
      .option("--policy <file>", "policy file", "/etc/rampart/policy.yaml")
      .option("--root <dir>", "apply to an image mounted at DIR (no reloads)")
      .option("--only <parts>", `limit to parts: ${PARTS.join(",")}`, csv)
      .option("--yes", "do not ask before applying")
      .option("--confirm-timeout <seconds>", "roll back unless confirmed within this many seconds", "120")
      .action(fail("apply", "issue #4")),
    ["rampart apply --only ssh      # then, from a NEW ssh session: rampart confirm"],
  );
  program.command("confirm").description("keep a pending apply (run it from a NEW ssh connection)").action(fail("confirm", "issue #4"));
  program
    .command("rollback")
    .description("restore the state before an apply (default: the latest)")
    .argument("[id]", "apply ID from /var/lib/rampart/backups")
    .action(fail("rollback", "issue #4"));
};

export const registerFirewall: RegisterCommand = (program) => {
  const fw = program.command("firewall").description("the host firewall rampart renders from the policy");
  examples(
    fw
      .command("render")
      .description("print the exact ruleset the policy compiles to")
      .addOption(new Option("--backend <backend>", "ruleset dialect").choices(["nftables", "iptables"]))
      .option("--policy <file>", "policy file", "/etc/rampart/policy.yaml")
      .action(fail("firewall render", "issue #5")),
    ["rampart firewall render", "rampart firewall render --backend iptables > rules.v4"],
  );
};

export const registerGuard: RegisterCommand = (program) => {
  const guard = program.command("guard").description("the ban daemon: read logs, count failures, ban in the kernel");
  guard
    .command("run")
    .description("run the daemon in the foreground (systemd runs this)")
    .option("--policy <file>", "policy file", "/etc/rampart/policy.yaml")
    .action(fail("guard run", "issue #6"));
  guard.command("status").description("sources, jails, counters").option("--json", "JSON output").action(fail("guard status", "issue #6"));
  guard.command("bans").description("active bans").option("--json", "JSON output").action(fail("guard bans", "issue #6"));
  guard
    .command("ban")
    .description("ban an address by hand")
    .argument("<ip>", "address or CIDR")
    .option("--jail <jail>", "jail to record it in", "manual")
    .option("--for <duration>", "how long (600, 10m, 1h, 1w)")
    .action(fail("guard ban", "issue #6"));
  guard
    .command("unban")
    .description("lift a ban")
    .argument("[ip]", "address or CIDR")
    .option("--all", "lift every ban")
    .action(fail("guard unban", "issue #6"));
  examples(
    guard
      .command("test")
      .description("run a filter over a log and show what matches (like fail2ban-regex)")
      .argument("<filter>", "built-in filter (sshd, sshd[mode=aggressive]) or a fail2ban filter file")
      .argument("<logfile>", "log file, or - for stdin")
      .option("--json", "{lines, matched, ignored, missed, durationMs, matches:[…]}")
      .option("--counts", "only the counts (for large logs)")
      .action(fail("guard test", "issue #6")),
    ["rampart guard test sshd /var/log/auth.log", "journalctl -u ssh -o short-iso | rampart guard test sshd -"],
  );
  guard
    .command("import-fail2ban")
    .description("read fail2ban jails and filters into rampart")
    .argument("[dir]", "fail2ban configuration directory", "/etc/fail2ban")
    .action(fail("guard import-fail2ban", "issue #7"));
};

export const registerBlocklist: RegisterCommand = (program) => {
  const bl = program.command("blocklist").description("public lists of bad networks: fetch, merge, load into the kernel");
  bl.command("update")
    .description("fetch, merge and load the configured lists")
    .option("--policy <file>", "policy file", "/etc/rampart/policy.yaml")
    .option("--dry-run", "fetch and merge, load nothing")
    .action(fail("blocklist update", "issue #8"));
  bl.command("merge")
    .description("merge lists offline into the minimal set of CIDRs (like iprange); stdin if no file")
    .argument("[files...]", "list files")
    .option("--except <files...>", "subtract these lists")
    .addOption(new Option("--format <format>", "output format").choices(["cidr", "range", "nft", "ipset"]).default("cidr"))
    .action(fail("blocklist merge", "issue #8"));
  bl.command("check")
    .description("which lists hold an address")
    .argument("<ip>", "address")
    .option("--json", "JSON output")
    .action(fail("blocklist check", "issue #8"));
  bl.command("status")
    .description("lists, entries, last refresh, errors")
    .option("--json", "JSON output")
    .action(fail("blocklist status", "issue #8"));
};

export const registerIntegrity: RegisterCommand = (program) => {
  const integ = program.command("integrity").description("a baseline of system files: what was added, removed, changed");
  integ.command("init").description("record the baseline").option("--json", "JSON output").action(fail("integrity init", "issue #9"));
  integ
    .command("check")
    .description("compare with the baseline")
    .option("--json", "JSON output")
    .action(fail("integrity check", "issue #9"));
};
