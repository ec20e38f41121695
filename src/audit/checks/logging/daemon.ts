// LOG-DAEMON: a log daemon runs and takes the kernel's messages (journald reads /dev/kmsg itself; rsyslog
// needs its imklog module; klogd is the old way). Without one, sshd's and sudo's messages and kernel
// warnings go nowhere — what Lynis LOGG-2130 (no syslog daemon) and LOGG-2138 (no kernel logger) report.
import { loggingFacts } from "../../../facts/logging.js";
import { processes, programName } from "../../../facts/processes.js";
import type { Check } from "../../types.js";

const DAEMONS = ["systemd-journald", "rsyslogd", "syslog-ng", "syslogd", "metalog", "busybox"];

export const logDaemon: Check = {
  id: "LOG-DAEMON",
  area: "logging",
  title: "a log daemon runs and records kernel messages",
  severity: "medium",
  live: true,
  remediation:
    'Start the journal (`systemctl enable --now systemd-journald`) or a syslog daemon (`apt-get install rsyslog`, with `module(load="imklog")`).',
  refs: ["Lynis LOGG-2130", "Lynis LOGG-2138", "CIS Debian 12: Ensure journald service is enabled and active"],
  async run(ctx) {
    const procs = await processes(ctx);
    const running = new Map<string, number>();
    for (const p of procs) {
      const name = programName(p);
      const d = name === "busybox" ? (p.argv[1] === "syslogd" ? "busybox syslogd" : undefined) : DAEMONS.includes(name) ? name : undefined;
      if (d && !running.has(d)) running.set(d, p.pid);
      if (name === "klogd" && !running.has("klogd")) running.set("klogd", p.pid);
    }
    const observed = [...running].map(([n, pid]) => `${n}[${pid}]`);
    const expected = "systemd-journald, or a syslog daemon with a kernel log source";
    const source = "/proc/*/cmdline";
    const loggers = [...running.keys()].filter((n) => n !== "klogd");
    if (!loggers.length) return { status: "fail", observed: observed.length ? observed : "no log daemon running", expected, source };
    const kernel =
      running.has("systemd-journald") ||
      running.has("klogd") ||
      running.has("syslog-ng") ||
      running.has("metalog") ||
      (await loggingFacts(ctx)).rsyslogKernel;
    if (!kernel)
      return { status: "warn", observed, expected, source, reason: "no process takes kernel messages (rsyslog without imklog, no klogd)" };
    return { status: "pass", observed, expected, source };
  },
};
