// How the host keeps and sends its logs, from configuration files (so --root images are judged too):
// journald's Storage= (journald.conf and its drop-ins, later wins), rsyslog's and syslog-ng's file and
// network destinations, and systemd-journal-upload's URL. Comment lines are skipped; each finding keeps
// its file:line.
import { packages } from "./packages.js";
import type { FactContext } from "./context.js";

export interface Located {
  value: string;
  source: string;
}

export interface LoggingFacts {
  /** journald's Storage= (default "auto"), with where it was set */
  journalStorage: Located;
  /** /var/log/journal exists (Storage=auto then keeps the journal on disk) */
  journalDirExists: boolean;
  /** installed syslog daemons (rsyslog, syslog-ng, …) */
  syslogPackages: string[];
  /** rsyslog/syslog-ng lines writing to files */
  syslogFiles: Located[];
  /** lines that send logs to another host (rsyslog @/@@/omfwd/omrelp, syslog-ng network(), journal-upload URL=) */
  remote: Located[];
  /** rsyslog loads imklog (kernel messages) */
  rsyslogKernel: boolean;
}

const JOURNALD_DROPINS = [
  "/usr/lib/systemd/journald.conf.d",
  "/lib/systemd/journald.conf.d",
  "/etc/systemd/journald.conf.d",
  "/run/systemd/journald.conf.d",
];
export const SYSLOG_PACKAGES = ["rsyslog", "syslog-ng", "syslog-ng-core", "inetutils-syslogd", "busybox-syslogd", "sysklogd", "metalog"];

export function loggingFacts(ctx: FactContext): Promise<LoggingFacts> {
  return ctx.memo("logging", async () => {
    const journalStorage = await journaldSetting(ctx, "Storage", "auto");
    const db = await packages(ctx);
    const syslogPackages = SYSLOG_PACKAGES.filter((n) => db.packages.get(n)?.installed);
    const syslogFiles: Located[] = [];
    const remote: Located[] = [];
    let rsyslogKernel = false;
    for (const file of await configFiles(ctx, "/etc/rsyslog.conf", "/etc/rsyslog.d")) {
      for (const { line, source } of await lines(ctx, file)) {
        if (/\bimklog\b/.test(line)) rsyslogKernel = true;
        // selector action: "*.* @@logs.example:514", "auth.* /var/log/auth.log", action(type="omfwd" …)
        if (/^[^$#(]\S*\s+@{1,2}[\w[]/.test(line) || /type\s*=\s*"om(fwd|relp)"/.test(line)) remote.push({ value: line, source });
        else if (/^[^$#(]\S*\s+-?\/\S+/.test(line) || /type\s*=\s*"omfile"/.test(line)) syslogFiles.push({ value: line, source });
      }
    }
    for (const file of await configFiles(ctx, "/etc/syslog-ng/syslog-ng.conf", "/etc/syslog-ng/conf.d")) {
      for (const { line, source } of await lines(ctx, file)) {
        if (/^destination\b/.test(line) && /\b(network|syslog|tcp|udp|tcp6|udp6)\s*\(/.test(line)) remote.push({ value: line, source });
        else if (/^destination\b/.test(line) && /\bfile\s*\(/.test(line)) syslogFiles.push({ value: line, source });
      }
    }
    const upload = await journaldSetting(ctx, "URL", "", "/etc/systemd/journal-upload.conf", "/etc/systemd/journal-upload.conf.d");
    if (upload.value && db.packages.get("systemd-journal-remote")?.installed)
      remote.push({ value: `journal-upload URL=${upload.value}`, source: upload.source });
    return {
      journalStorage,
      journalDirExists: (await ctx.fs.stat("/var/log/journal"))?.isDirectory() === true,
      syslogPackages,
      syslogFiles,
      remote,
      rsyslogKernel,
    };
  });
}

/** A key of a systemd INI-style config (main file, then drop-ins sorted by name; later wins). */
async function journaldSetting(
  ctx: FactContext,
  key: string,
  def: string,
  main = "/etc/systemd/journald.conf",
  dropinDir?: string,
): Promise<Located> {
  const dirs = dropinDir ? [dropinDir] : JOURNALD_DROPINS;
  const dropins = (
    await Promise.all(dirs.map(async (d) => (await ctx.fs.list(d)).filter((n) => n.endsWith(".conf")).map((n) => ({ n, p: `${d}/${n}` }))))
  )
    .flat()
    .sort((a, b) => a.n.localeCompare(b.n))
    .map((x) => x.p);
  let found: Located = { value: def, source: `default (${main})` };
  for (const file of [main, ...dropins]) {
    for (const { line, source } of await lines(ctx, file)) {
      const m = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
      if (m?.[1] === key) found = { value: (m[2] ?? "").trim(), source };
    }
  }
  return found;
}

async function configFiles(ctx: FactContext, main: string, dir: string): Promise<string[]> {
  if (!(await ctx.fs.exists(main))) return [];
  return [main, ...(await ctx.fs.list(dir)).filter((n) => n.endsWith(".conf")).map((n) => `${dir}/${n}`)];
}

async function lines(ctx: FactContext, file: string): Promise<{ line: string; source: string }[]> {
  const text = await ctx.fs.readTextIfExists(file);
  if (text === undefined) return [];
  return text
    .split("\n")
    .map((l, i) => ({ line: l.trim(), source: `${file}:${i + 1}` }))
    .filter((x) => x.line && !x.line.startsWith("#") && !x.line.startsWith(";"));
}
