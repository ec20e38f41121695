#!/usr/bin/env node
// Generate the man page (rampart.8) and the bash and zsh completions from the built CLI's own command tree
// (commander), so they can never disagree with `rampart --help`. Run after `npm run build`:
//   node scripts/gen-cli-docs.mjs OUTDIR [--date YYYY-MM-DD]
// writes OUTDIR/rampart.8, OUTDIR/rampart.bash, OUTDIR/_rampart. Used by scripts/package.mjs.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith("--"));
if (!out) {
  console.error("usage: node scripts/gen-cli-docs.mjs OUTDIR [--date YYYY-MM-DD]");
  process.exit(2);
}
const dateAt = args.indexOf("--date");
const date = dateAt >= 0 ? args[dateAt + 1] : new Date().toISOString().slice(0, 10);

const { buildProgram } = await import(pathToFileURL(path.join(root, "dist/cli/main.js")).href);
const { commands } = await import(pathToFileURL(path.join(root, "dist/cli/commands/index.js")).href);
const { VERSION } = await import(pathToFileURL(path.join(root, "dist/core/version.js")).href);
const registrations = await Promise.all(commands.map((c) => c.load()));
const program = buildProgram(() => {
  throw new Error("gen-cli-docs: no command runs here");
}, registrations);

/** Every command with its full path ("guard ban"), depth first, in --help order. */
function flatten(cmd, prefix = []) {
  const list = [];
  for (const c of cmd.commands) {
    const p = [...prefix, c.name()];
    list.push({ path: p, cmd: c });
    list.push(...flatten(c, p));
  }
  return list;
}
const all = flatten(program);
const visible = (c) => c.options.filter((o) => !o.hidden);
const argText = (c) => c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}${a.variadic ? "..." : ""}]`));

// ---- man page (roff). Text is escaped: backslashes, hyphens in flags, a leading dot or quote.
const esc = (s) =>
  String(s)
    .replace(/\\/g, "\\e")
    .replace(/^([.'])/gm, "\\&$1");
const flag = (s) => esc(s).replace(/-/g, "\\-");

function optionBlock(opts) {
  return opts
    .map((o) => {
      const choices = o.argChoices ? ` (${o.argChoices.join(", ")})` : "";
      const def = o.defaultValue !== undefined && typeof o.defaultValue !== "boolean" ? ` Default: ${o.defaultValue}.` : "";
      return `.TP\n.B ${flag(o.flags)}\n${esc(o.description)}${esc(choices)}.${esc(def)}`;
    })
    .join("\n");
}

const afterHelp = `How it works: audit finds what is wrong; plan shows the exact changes; apply makes them with a rollback
that only a NEW connection can cancel (rampart confirm); guard bans attackers in the kernel; blocklist loads
public lists of bad networks. One policy drives it all: /etc/rampart/policy.yaml (rampart init).`;

const man = [
  `.TH RAMPART 8 "${date}" "rampart ${VERSION}" "System Administration"`,
  ".SH NAME",
  "rampart \\- secure a Linux server and keep it secure",
  ".SH SYNOPSIS",
  ".B rampart",
  "[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]",
  ".SH DESCRIPTION",
  esc(afterHelp),
  ".PP",
  "Every command accepts \\fB\\-\\-help\\fR, which shows its options and examples.",
  ".SH GLOBAL OPTIONS",
  optionBlock(visible(program)),
  ".SH COMMANDS",
  ...all
    .filter(({ cmd }) => cmd.commands.length === 0)
    .map(({ path: p, cmd }) => {
      const head = `.SS "${esc(["rampart", ...p, ...argText(cmd)].join(" "))}"\n${esc(cmd.description())}.`;
      const opts = visible(cmd);
      return opts.length ? `${head}\n${optionBlock(opts)}` : head;
    }),
  ".SH EXIT STATUS",
  ".TP",
  ".B 0",
  "success.",
  ".TP",
  ".B 1",
  "findings at or above \\fB\\-\\-fail\\-on\\fR (audit), or a refused or failed change.",
  ".TP",
  ".B 2",
  "usage or policy error.",
  ".TP",
  ".B 3",
  "internal error (a bug: please report it).",
  ".SH FILES",
  ".TP",
  ".I /etc/rampart/policy.yaml",
  "the policy (a conffile of the package: kept across upgrades).",
  ".TP",
  ".I /var/lib/rampart/",
  "state: backups of every apply, guard bans (state.db), the integrity baseline.",
  ".TP",
  ".I /var/cache/rampart/",
  "downloaded blocklists and the cached apt simulation.",
  ".TP",
  ".I /usr/share/rampart/policy.schema.json",
  "JSON Schema of the policy, for editors.",
  ".SH SEE ALSO",
  ".BR nft (8),",
  ".BR sshd_config (5),",
  ".BR systemd.unit (5)",
  "",
].join("\n");

// ---- completion tables: path → subcommands, path → options, option → its choices
// (keys start with "rampart": bash's associative arrays refuse an empty key)
const subs = { rampart: program.commands.map((c) => c.name()) };
const opts = { rampart: visible(program).flatMap((o) => [o.long, o.short].filter(Boolean)) };
const choices = {};
for (const { path: p, cmd } of all) {
  const key = ["rampart", ...p].join(" ");
  subs[key] = cmd.commands.map((c) => c.name());
  opts[key] = [...visible(cmd).flatMap((o) => [o.long, o.short].filter(Boolean)), "--help"];
  for (const o of visible(cmd)) if (o.argChoices) choices[`${key} ${o.long}`] = o.argChoices;
}
for (const o of visible(program)) if (o.argChoices) choices[`rampart ${o.long}`] = o.argChoices;

const bashAssoc = (name, table) =>
  `  local -A ${name}=(\n${Object.entries(table)
    .map(([k, v]) => `    [${JSON.stringify(k)}]=${JSON.stringify(v.join(" "))}`)
    .join("\n")}\n  )`;

const bash = `# bash completion for rampart — generated from its command tree by scripts/gen-cli-docs.mjs; do not edit.
_rampart() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
${bashAssoc("subs", subs)}
${bashAssoc("opts", opts)}
${bashAssoc("choices", choices)}
  # the deepest known command path among the words typed so far
  local cmd=rampart w i key
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    key="$cmd $w"
    [[ -n \${subs[$key]+x} ]] && cmd=$key
  done
  if [[ -n \${choices["$cmd $prev"]+x} ]]; then
    COMPREPLY=($(compgen -W "\${choices["$cmd $prev"]}" -- "$cur"))
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "\${opts[$cmd]}" -- "$cur"))
  elif [[ -n \${subs[$cmd]} ]]; then
    COMPREPLY=($(compgen -W "\${subs[$cmd]}" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _rampart rampart
`;

const zshAssoc = (name, table) =>
  `  ${name}=(\n${Object.entries(table)
    .map(([k, v]) => `    ${JSON.stringify(k)} ${JSON.stringify(v.join(" "))}`)
    .join("\n")}\n  )`;

// (zsh's `path` is tied to PATH: the command path is called `cmd` here too)
const zsh = `#compdef rampart
# zsh completion for rampart — generated from its command tree by scripts/gen-cli-docs.mjs; do not edit.
_rampart() {
  local -A subs opts choices
${zshAssoc("subs", subs)}
${zshAssoc("opts", opts)}
${zshAssoc("choices", choices)}
  local cmd=rampart w key i
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    key="$cmd $w"
    (( \${+subs[$key]} )) && cmd=$key
  done
  local prev=\${words[CURRENT-1]}
  if (( \${+choices[$cmd $prev]} )); then
    compadd -- \${=choices[$cmd $prev]}
  elif [[ \${words[CURRENT]} == -* ]]; then
    compadd -- \${=opts[$cmd]}
  elif [[ -n \${subs[$cmd]} ]]; then
    compadd -- \${=subs[$cmd]}
  else
    _files
  fi
}
_rampart "$@"
`;

mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "rampart.8"), man);
writeFileSync(path.join(out, "rampart.bash"), bash);
writeFileSync(path.join(out, "_rampart"), zsh);
console.log(`gen-cli-docs: wrote rampart.8, rampart.bash, _rampart to ${out} (${all.length} commands)`);
