// The real OpenSSH sshd (Debian's /usr/sbin/sshd, its own /etc/ssh/sshd_config with UsePAM yes) running in a
// lab host, logging to a file the tests and `rampart guard` read. By default the log is /var/log/auth.log
// in the host, written in Debian's syslog format ("Mar  4 10:11:12 srv sshd[123]: Failed password …"): sshd
// runs with -D -e and the lab stamps each stderr line, since the host has no syslog daemon. `logFormat:
// "plain"` lets sshd write the file itself (-E), without the syslog prefix.
import { appendFileSync, readFileSync } from "node:fs";
import type { LabHost } from "./host.js";
import type { LabProcess } from "./process.js";

export interface SshdOptions {
  /** extra sshd_config text, written to /etc/ssh/sshd_config.d/90-lab-test.conf (00-rampart.conf wins over it) */
  config?: string;
  /** listening port (default 22), written to /etc/ssh/sshd_config.d/05-lab.conf */
  port?: number;
  /** the log file as the host sees it (default /var/log/auth.log); emptied at start */
  logPath?: string;
  /** "syslog" (default): Debian auth.log lines; "plain": sshd's own -E output */
  logFormat?: "syslog" | "plain";
  /** how long to wait for the port to listen (default 10 s) */
  timeoutMs?: number;
  /**
   * Keep PAM's 2 s delay after a failed password (default false: the lab adds `nodelay` to pam_unix in the
   * host's /etc/pam.d/common-auth, so a password guess takes milliseconds, not seconds).
   */
  pamDelay?: boolean;
}

export interface LabSshd {
  readonly port: number;
  /** the log as the host sees it, e.g. /var/log/auth.log (give this to rampart inside the host) */
  readonly logPath: string;
  /** the same log, readable from the test process (/proc/ANCHOR/root/var/log/auth.log) */
  readonly logFile: string;
  readonly process: LabProcess;
  readonly pid: number;
  /** the log's text so far */
  log(): string;
  /** wait until the log contains `what`; returns the matched text */
  waitForLog(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** SIGHUP (sshd re-executes itself and re-reads its config); resolves when it listens again */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export const SSHD = "/usr/sbin/sshd";
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Mar  4 10:11:12", the traditional syslog time stamp (local time), as Debian's rsyslog writes it. */
export function syslogStamp(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

export async function startSshd(host: LabHost, options: SshdOptions = {}): Promise<LabSshd> {
  const port = options.port ?? 22;
  const logPath = options.logPath ?? "/var/log/auth.log";
  const format = options.logFormat ?? "syslog";
  const timeoutMs = options.timeoutMs ?? 10_000;

  await host.exec(["install", "-d", "-m", "755", "/run/sshd"]);
  await host.exec(["ssh-keygen", "-A"]);
  await host.writeFile("/etc/ssh/sshd_config.d/05-lab.conf", `# written by the rampart test lab\nPort ${port}\nLogLevel VERBOSE\n`);
  if (options.config !== undefined) {
    await host.writeFile("/etc/ssh/sshd_config.d/90-lab-test.conf", `${options.config.trimEnd()}\n`);
  }
  if (!options.pamDelay) await pamNoDelay(host);
  await host.writeFile(logPath, "", { mode: 0o640 });
  const logFile = host.path(logPath);

  const check = await host.exec([SSHD, "-t", "-f", "/etc/ssh/sshd_config"], { okCodes: "any" });
  if (check.code !== 0) throw new Error(`lab: sshd -t rejected the config in ${host.name}:\n${check.stderr}`);

  let pid = 0;
  const proc =
    format === "plain"
      ? host.spawn([SSHD, "-D", "-f", "/etc/ssh/sshd_config", "-E", logPath])
      : host.spawn([SSHD, "-D", "-e", "-f", "/etc/ssh/sshd_config"], {
          onStderrLine: (line) => {
            if (!line) return;
            try {
              appendFileSync(logFile, `${syslogStamp(new Date())} ${host.name} sshd[${pid}]: ${line}\n`);
            } catch {}
          },
        });
  pid = proc.pid;

  const log = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const listening = async () =>
    (await host.exec(["ss", "-H", "-l", "-t", "-n", "sport", "=", `:${port}`], { okCodes: "any" })).stdout.trim() !== "";
  const waitListening = async (what: string) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (proc.exit) throw new Error(`lab: sshd in ${host.name} exited during ${what}:\n${proc.stderr}${log()}`);
      if (await listening()) return;
      if (Date.now() > deadline) throw new Error(`lab: sshd in ${host.name} not listening on ${port} after ${what}`);
      await sleep(25);
    }
  };
  await waitListening("start");

  const countListening = () => log().split("Server listening on").length;
  return {
    port,
    logPath,
    logFile,
    process: proc,
    pid,
    log,
    async waitForLog(what, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const text = log();
        const hit = typeof what === "string" ? (text.includes(what) ? what : undefined) : what.exec(text)?.[0];
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) throw new Error(`lab: ${what} not in ${host.name}:${logPath} within ${ms} ms:\n${text}`);
        await sleep(25);
      }
    },
    async reload() {
      const before = countListening();
      process.kill(pid, "SIGHUP");
      // sshd closes its sockets and re-executes; wait for its new "Server listening" line, then the socket
      const deadline = Date.now() + timeoutMs;
      while (countListening() <= before && Date.now() < deadline && !proc.exit) await sleep(25);
      await waitListening("reload");
    },
    async stop() {
      await proc.stop();
    },
  };
}

/** Add `nodelay` to the pam_unix auth line(s) of the host's common-auth (the lab's copy only). */
async function pamNoDelay(host: LabHost): Promise<void> {
  const file = "/etc/pam.d/common-auth";
  if (!(await host.exists(file))) return;
  const text = await host.readFile(file);
  const lines = text.split("\n").map((l) => (/^auth\s.*\spam_unix\.so\b/.test(l) && !/\bnodelay\b/.test(l) ? `${l} nodelay` : l));
  const next = lines.join("\n");
  if (next !== text) await host.writeFile(file, next);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
