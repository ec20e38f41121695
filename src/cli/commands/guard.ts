// `rampart guard …`: the ban daemon's commands. This module holds `guard test` (run a filter over a log,
// like fail2ban-regex) and `guard import-fail2ban`; the daemon and its control commands are in guard-daemon.ts.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { RampartError } from "../../core/errors.js";
import { resolveFilter } from "../../guard/filters/resolve.js";
import type { Filter } from "../../guard/filters/types.js";
import { type ScanMatch, type ScanSummary, scanLog, topAddresses } from "../../guard/scan.js";
import type { Context } from "../../system/context.js";
import { registerGuardDaemon } from "./guard-daemon.js";
import { examples, type RegisterCommand } from "./types.js";

export const registerGuard: RegisterCommand = (program, context) => {
  const guard = program.command("guard").description("the ban daemon: read logs, count failures, ban in the kernel");
  registerGuardDaemon(guard, context);
  examples(
    guard
      .command("test")
      .description("run a filter over a log and show what matches (like fail2ban-regex)")
      .argument("<filter>", "built-in filter (sshd, sshd[mode=aggressive]) or a fail2ban filter file")
      .argument("<logfile>", "log file, or - for stdin")
      .option("--json", "{lines, matched, ignored, missed, durationMs, matches:[…]}")
      .option("--counts", "only the counts (for large logs)")
      .option("--top <n>", "how many addresses to list", "10")
      .action((filter: string, logfile: string, opts: GuardTestOptions) => guardTest(context(), filter, logfile, opts)),
    [
      "rampart guard test sshd /var/log/auth.log",
      "rampart guard test 'sshd[mode=aggressive]' /var/log/auth.log --json",
      "journalctl -u ssh -o short-iso | rampart guard test sshd -",
    ],
  );
  guard
    .command("import-fail2ban")
    .description(
      "read fail2ban jails and filters into rampart (firewall actions → ban sets, mail → guard.notify, abuseipdb/blocklist_de → guard.report; API keys are never copied)",
    )
    .argument("[dir]", "fail2ban configuration directory", "/etc/fail2ban")
    .option("--json", "JSON output: {jails:[{name, fail2ban, rampart, mapped, notMapped}], policy, yaml, …}")
    .option("--output <file>", "write the guard: policy snippet (YAML) to this file")
    .action(async (dir: string, opts: { json?: boolean; output?: string }) => {
      // loaded on use: the fail2ban importer pulls in the YAML library and the regex translator
      const { importFail2banCommand } = await import("./guard-import.js");
      return importFail2banCommand(context(), dir, opts);
    });
  examples(
    guard
      .command("share-migrate")
      .description("fleet share, as the database's schema owner: create or migrate the schema; register host roles")
      .option("--database <url>", "the owner's postgres:// URL (default: guard.share.postgres of the policy)")
      .option("--credentials <file>", "root-only file with the owner's password or URL (default: guard.share.credentialsFile)")
      .option("--policy <file>", "policy file to take guard.share from")
      .option("--host <role[=name]>", "register a login role as a host (repeatable; the name defaults to the role)", collect, [])
      .option("--json", "{version, applied:[…], hosts:[{role, host}]}")
      .action(async (opts: ShareMigrateOptions) => shareMigrate(context(), opts)),
    [
      "rampart guard share-migrate --database 'postgres://rampart@db.example/rampart?sslmode=verify-full' --credentials /root/db-owner.secret",
      "rampart guard share-migrate --database … --credentials … --host web1 --host web2   # after CREATE ROLE web1 LOGIN PASSWORD '…'",
    ],
  );
};

interface ShareMigrateOptions {
  database?: string;
  credentials?: string;
  policy?: string;
  host: string[];
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function shareMigrate(ctx: Context, o: ShareMigrateOptions): Promise<void> {
  const { resolveConnection } = await import("../../guard/share/credentials.js");
  const { parseHostGrant, shareSetup } = await import("../../guard/share/setup.js");
  const hosts = o.host.map(parseHostGrant);
  let database = o.database;
  let credentialsFile = o.credentials;
  if (database === undefined) {
    const { resolvePolicy } = await import("../../policy/load.js");
    const share = (await resolvePolicy(ctx.fs(), o.policy)).policy.guard.share;
    if (!share)
      throw new RampartError("USAGE", "no database: give --database, or a policy with guard.share", {
        hint: "rampart guard share-migrate --database postgres://<owner>@<host>/<db> --credentials <file>",
      });
    database = share.postgres;
    credentialsFile ??= share.credentialsFile;
  }
  const connection = resolveConnection({ postgres: database, credentialsFile });
  const r = await shareSetup(connection, hosts);
  if (o.json) return ctx.out(JSON.stringify(r, null, 2));
  ctx.out(
    `${connection.display}: schema at version ${r.version}${r.applied.length ? ` (applied now: ${r.applied.join(", ")})` : " (up to date)"}`,
  );
  for (const h of r.hosts) ctx.out(`host ${h.host}: role ${h.role} may read decisions and append its own`);
}

interface GuardTestOptions {
  json?: boolean;
  counts?: boolean;
  top: string;
}

/**
 * --json: `{"matches":[…],"lines":N,"matched":N,"ignored":N,"missed":N,"durationMs":N}` — every failure
 * (streamed, so a large log needs no memory; `line` is the 1-based line number, `time` ISO 8601 UTC);
 * with --counts the matches array is left out.
 */
async function guardTest(ctx: Context, spec: string, logfile: string, opts: GuardTestOptions): Promise<void> {
  const filter = await testFilter(ctx, spec);
  const top = Number(opts.top);
  if (!Number.isInteger(top) || top < 0)
    throw new RampartError("USAGE", `--top "${opts.top}" is not a whole number`, { hint: "e.g. --top 20" });
  const input = logfile === "-" ? process.stdin : await openLog(logfile);
  const streamMatches = opts.json === true && opts.counts !== true;
  let pending = "";
  let first = true;
  const write = (text: string): Promise<void> =>
    new Promise((resolve) => {
      if (process.stdout.write(text)) resolve();
      else process.stdout.once("drain", () => resolve());
    });
  const onMatch = streamMatches
    ? (m: ScanMatch) => {
        pending += `${first ? "\n" : ",\n"}${JSON.stringify({ line: m.line, address: m.address, rule: m.rule, time: new Date(m.time).toISOString() })}`;
        first = false;
      }
    : undefined;
  if (streamMatches) await write('{"matches":[');
  const summary = await scanLog(input as AsyncIterable<Buffer>, filter, {
    clock: ctx.clock,
    totalsOnly: opts.counts === true,
    ...(onMatch ? { onMatch } : {}),
    afterChunk: streamMatches
      ? async () => {
          if (pending.length > 0) {
            const text = pending;
            pending = "";
            await write(text);
          }
        }
      : undefined,
  } as Parameters<typeof scanLog>[2]);
  const counts = {
    lines: summary.lines,
    matched: summary.matched,
    ignored: summary.ignored,
    missed: summary.missed,
    durationMs: summary.durationMs,
  };
  if (streamMatches) {
    await write(`${pending}${first ? "" : "\n"}],${JSON.stringify(counts).slice(1)}\n`);
    return;
  }
  if (opts.json) {
    ctx.out(JSON.stringify(counts));
    return;
  }
  ctx.out(humanReport(spec, logfile, summary, opts.counts === true ? 0 : top));
}

/** The filter for a spec, by the one resolver (guard/filters/resolve.ts), as the daemon's jails resolve it. */
function testFilter(ctx: Context, spec: string): Promise<Filter> {
  return resolveFilter(spec, { fs: ctx.fs("/"), onProblem: (m) => ctx.log.warn(m) });
}

async function openLog(file: string): Promise<AsyncIterable<Buffer>> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) throw new Error("is a directory");
  } catch (e) {
    throw new RampartError("NOT_FOUND", `cannot read log ${file}: ${(e as Error).message}`, {
      hint: "Give a log file (e.g. /var/log/auth.log), or - to read stdin (journalctl -u ssh -o short-iso | rampart guard test sshd -).",
    });
  }
  return createReadStream(file, { highWaterMark: 1 << 20 });
}

function humanReport(spec: string, logfile: string, s: ScanSummary, top: number): string {
  const rate = s.durationMs > 0 ? Math.round((s.lines / s.durationMs) * 1000) : 0;
  const out: string[] = [];
  out.push(`filter ${spec} on ${logfile === "-" ? "stdin" : logfile}`);
  out.push(
    `lines: ${s.lines}  matched: ${s.matched}  successes: ${s.successes}  ignored: ${s.ignored}  missed: ${s.missed}  (${s.durationMs} ms, ${rate.toLocaleString("en-US")} lines/s)`,
  );
  if (s.ignored > 0)
    out.push(
      `ignored: ${Object.entries(s.ignoredBy)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ")}`,
    );
  if (top === 0) return out.join("\n");
  const rules = Object.entries(s.rules);
  if (rules.length > 0) {
    out.push("", "failures per rule:");
    for (const [rule, n] of rules) out.push(`  ${String(n).padStart(9)}  ${rule}`);
  }
  const addrs = topAddresses(s, top);
  if (addrs.length > 0) {
    out.push("", `top addresses (${s.addresses.size + (s.otherAddresses > 0 ? "+" : "")} distinct):`);
    for (const [a, n] of addrs) out.push(`  ${String(n).padStart(9)}  ${a}`);
  }
  if (s.missedSamples.length > 0) {
    out.push("", `missed (look like failures, no rule matched; ${s.missedSamples.length} of ${s.missed}):`);
    for (const m of s.missedSamples) out.push(`  ${m.line}: ${m.text}`);
  }
  return out.join("\n");
}
