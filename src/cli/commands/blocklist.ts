// `rampart blocklist merge|check|status|update`: public lists of bad networks, merged in userspace and loaded
// into the kernel in one transaction. The work lives in src/blocklist/; this module parses options and prints
// (update, check and status print from blocklist-run.ts, loaded only when run).
import { readFile } from "node:fs/promises";
import { Option } from "commander";
import { RampartError } from "../../core/errors.js";
import { type IpSet, intersect, OUTPUT_FORMATS, type OutputFormat, render, subtract, union, fromParsed } from "../../blocklist/merge.js";
import { type ParsedList, parseList } from "../../blocklist/parse.js";
import { examples, type RegisterCommand } from "./types.js";
import type { Context } from "../../system/context.js";
import type { UpdateOpts } from "./blocklist-run.js";

export const registerBlocklist: RegisterCommand = (program, context) => {
  const bl = program.command("blocklist").description("public lists of bad networks: fetch, merge, load into the kernel");
  examples(
    bl
      .command("update")
      .description("fetch, merge and load the configured lists")
      .option("--policy <file>", "policy file (default /etc/rampart/policy.yaml)")
      .option("--dry-run", "fetch and merge, load nothing")
      .option("--cache-dir <dir>", "where downloaded lists are kept (default /var/cache/rampart/blocklists)")
      .option("--state-dir <dir>", "rampart's state directory (default /var/lib/rampart)")
      .option("--force", "load even when the merged result did not change")
      .addOption(new Option("--backend <backend>", "kernel sets to load").choices(["nftables", "ipset"]))
      .option("--json", "JSON summary")
      .action(async (opts: UpdateOpts) => {
        const { updateCommand } = await import("./blocklist-run.js");
        await updateCommand(context(), opts);
      }),
    ["rampart blocklist update --dry-run", "rampart blocklist update"],
  );
  examples(
    bl
      .command("merge")
      .description("merge lists offline into the minimal set of CIDRs (like iprange); stdin if no file")
      .argument("[files...]", "list files (any supported format, IPv4 and IPv6); - for stdin")
      .option("--except <files...>", "subtract these lists")
      .option("--intersect <files...>", "keep only what these lists also hold")
      .addOption(new Option("--format <format>", "output format").choices([...OUTPUT_FORMATS]).default("cidr"))
      .action(async (files: string[], opts: { except?: string[]; intersect?: string[]; format: OutputFormat }) => {
        const ctx = context();
        const inputs = files.length ? files : ["-"];
        let set = union(await readSets(ctx, inputs));
        if (opts.intersect?.length) set = intersect(set, union(await readSets(ctx, opts.intersect)));
        if (opts.except?.length) set = subtract(set, union(await readSets(ctx, opts.except)));
        for (const chunk of render(set, opts.format)) process.stdout.write(chunk);
      }),
    [
      "rampart blocklist merge firehol_level1.netset spamhaus_drop.txt > merged.txt",
      "cat *.zone | rampart blocklist merge --except allow.txt --format range",
      "rampart blocklist merge drop.txt --format nft | nft -f -",
    ],
  );
  examples(
    bl
      .command("check")
      .description("which cached lists hold an address, and by which entry")
      .argument("<ip>", "address")
      .option("--cache-dir <dir>", "where the downloaded lists are", "/var/cache/rampart/blocklists")
      .option("--json", "JSON output")
      .action(async (ip: string, opts: { cacheDir: string; json?: boolean }) => {
        const { checkCommand } = await import("./blocklist-run.js");
        await checkCommand(context(), ip, opts);
      }),
    ["rampart blocklist check 203.0.113.7", "rampart blocklist check 2001:db8::1 --json"],
  );
  bl.command("status")
    .description("lists, entries, last refresh, errors")
    .option("--state-dir <dir>", "rampart's state directory", "/var/lib/rampart")
    .option("--json", "JSON output")
    .action(async (opts: { stateDir: string; json?: boolean }) => {
      const { statusCommand } = await import("./blocklist-run.js");
      await statusCommand(context(), opts);
    });
};

async function readSets(ctx: Context, files: readonly string[]): Promise<IpSet[]> {
  const sets: IpSet[] = [];
  for (const f of files) {
    const list = parseList(await readInput(f), { name: f });
    warnInvalid(ctx, list);
    sets.push(fromParsed(list));
  }
  return sets;
}

function warnInvalid(ctx: Context, list: ParsedList): void {
  if (list.invalid === 0) return;
  ctx.log.warn(`${list.name}: ${list.invalid} invalid line(s) skipped`, { list: list.name, format: list.format });
  for (const s of list.samples) ctx.log.warn(`${list.name}:${s.line}: ${s.reason}: ${s.text}`);
}

async function readInput(file: string): Promise<Uint8Array> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (e) {
    throw new RampartError("NOT_FOUND", `cannot read list ${file}: ${(e as Error).message}`, {
      hint: "Give the path of a list file, or - for stdin.",
    });
  }
}
