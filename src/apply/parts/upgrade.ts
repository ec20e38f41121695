// Installing the pending updates themselves — only when asked (`rampart apply --only updates --upgrade`).
// `apt-get --with-new-pkgs upgrade` (new dependencies such as a new kernel ABI are installed, nothing is
// removed), non-interactive, keeping changed configuration files; apt's machine-readable progress
// (APT::Status-Fd) is turned into a line every 10 %, and the whole output is kept in
// /var/log/rampart/upgrade-<time>.log. Modelled as a KernelChange (state that is not a file): its snapshot
// records the versions before, but a package upgrade is not rolled back — restore only says so.
import { promises as fsp } from "node:fs";
import { RampartError } from "../../core/errors.js";
import type { PendingPackage } from "../../facts/apt.js";
import { startProcess } from "../../system/exec.js";
import type { KernelChange, PartContext } from "../plan.js";

export const UPGRADE_KEY = "apt:upgrade";
export const UPGRADE_ARGV = [
  "apt-get",
  "-y",
  "-q",
  "-o",
  "Dpkg::Options::=--force-confdef",
  "-o",
  "Dpkg::Options::=--force-confold",
  "-o",
  "APT::Status-Fd=1",
  "--with-new-pkgs",
  "upgrade",
] as const;
const UPGRADE_TIMEOUT_MS = 60 * 60 * 1000;

/** "pmstatus:openssl:42.8571:Installing openssl" → 42 (percent), or undefined for other lines. */
export function progressOf(line: string): { percent: number; what: string } | undefined {
  const m = /^(?:pm|dl)status:[^:]*:(\d+(?:\.\d+)?):(.*)$/.exec(line);
  if (!m) return undefined;
  return { percent: Math.floor(Number(m[1])), what: (m[2] ?? "").trim() };
}

export function upgradeChange(pending: readonly PendingPackage[], logPath: string): KernelChange {
  const security = pending.filter((p) => p.security).length;
  return {
    kind: "kernel",
    part: "updates",
    key: UPGRADE_KEY,
    summary: `install ${pending.length} pending update${pending.length === 1 ? "" : "s"} (${security} security): ${UPGRADE_ARGV.join(" ")}`,
    detail: [...pending.map((p) => `${p.name} ${p.from ?? "?"} → ${p.to}${p.security ? " (security)" : ""}`), `log: ${logPath}`].join("\n"),
    async snapshot() {
      return `${JSON.stringify({ version: 1, before: pending.map((p) => ({ name: p.name, version: p.from ?? null })) })}\n`;
    },
    async apply(ctx) {
      await runUpgrade(ctx, logPath);
    },
  };
}

async function runUpgrade(ctx: PartContext, logPath: string): Promise<void> {
  const file = await ctx.fs.real(logPath);
  await fsp.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true, mode: 0o750 });
  const log = await fsp.open(file, "a", 0o640);
  try {
    await log.write(`# ${new Date(ctx.clock.now()).toISOString()} ${UPGRADE_ARGV.join(" ")}\n`);
    ctx.log.info(`upgrading packages (log: ${logPath})`);
    const child = startProcess(UPGRADE_ARGV, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C" } });
    child.stdin.end();
    let shown = -10;
    let rest = "";
    const writes: Promise<unknown>[] = [];
    child.stdout.on("data", (b: Buffer) => {
      writes.push(log.write(b));
      const lines = (rest + b.toString("utf8")).split("\n");
      rest = lines.pop() ?? "";
      for (const l of lines) {
        const p = progressOf(l);
        if (p && p.percent >= shown + 10) {
          shown = p.percent - (p.percent % 10);
          ctx.log.info(`upgrade ${p.percent}%: ${p.what}`);
        }
      }
    });
    child.stderr.on("data", (b: Buffer) => writes.push(log.write(b)));
    const code = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), UPGRADE_TIMEOUT_MS);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve(c ?? 1);
      });
    });
    await Promise.all(writes);
    if (code !== 0) {
      throw new RampartError("EXEC", `apt-get upgrade exited ${code}`, {
        hint: `See ${logPath}; fix the cause (e.g. \`dpkg --configure -a\`) and run the upgrade again.`,
      });
    }
    ctx.log.info(`upgrade done (log: ${logPath})`);
  } finally {
    await log.close();
  }
}
