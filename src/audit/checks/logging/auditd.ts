// LOG-AUDITD: the Linux audit daemon is installed (and, on the running system, running), and its
// configuration keeps every log and stops rather than loses records when the disk fills — dev-sec's
// auditd.conf values. Lynis raises ACCT-9628 when auditd does not run. A general-purpose server without
// auditd is common (journald and the auth log already record logins), so under the baseline profile the
// findings warn; strict fails them.
import { installedOf, packages } from "../../../facts/packages.js";
import { processes, programName } from "../../../facts/processes.js";
import { strictOnly } from "../../profile.js";
import type { Check } from "../../types.js";

export const AUDITD_CONF = "/etc/audit/auditd.conf";

/** dev-sec package-08's auditd.conf values; compared case-insensitively (InSpec's cmp) */
export const AUDITD_WANT: Record<string, RegExp> = {
  log_file: /^\/var\/log\/audit\/audit\.log$/,
  log_format: /^raw$/i,
  flush: /^(incremental|incremental_async)$/i,
  max_log_file_action: /^keep_logs$/i,
  space_left: /^75$/,
  action_mail_acct: /^root$/i,
  space_left_action: /^syslog$/i,
  admin_space_left: /^50$/,
  admin_space_left_action: /^suspend$/i,
  disk_full_action: /^suspend$/i,
  disk_error_action: /^suspend$/i,
};

const describe = (re: RegExp) => re.source.replace(/^\^|\$$/g, "").replace(/\\/g, "");

export const auditd: Check = {
  id: "LOG-AUDITD",
  area: "logging",
  title: "auditd records security events and keeps its logs",
  severity: "low",
  remediation:
    "`apt-get install auditd && systemctl enable --now auditd`; in /etc/audit/auditd.conf set max_log_file_action = keep_logs, log_format = RAW, space_left_action = SYSLOG and admin_space_left_action, disk_full_action, disk_error_action = SUSPEND.",
  refs: ["dev-sec linux-baseline package-08", "Lynis ACCT-9628", "CIS Debian 12: Ensure auditd packages are installed"],
  strict: "auditd installed, running and configured as dev-sec sets it",
  async run(ctx) {
    const [db, conf, procs] = await Promise.all([
      packages(ctx),
      ctx.fs.readTextIfExists(AUDITD_CONF),
      ctx.live ? processes(ctx) : Promise.resolve(undefined),
    ]);
    if (!db.present && conf === undefined) return { status: "skip", reason: "no dpkg database and no /etc/audit/auditd.conf" };
    const pkg = installedOf(db, ["auditd"])[0];
    const expected: Record<string, string> = {
      package: "auditd installed",
      ...Object.fromEntries(Object.entries(AUDITD_WANT).map(([k, re]) => [k, describe(re)])),
    };
    if (!pkg && conf === undefined) {
      return strictOnly(ctx, { status: "fail", observed: { package: "not installed" }, expected, source: "/var/lib/dpkg/status" }, "warn");
    }
    const observed: Record<string, string> = { package: pkg ? `${pkg.name} ${pkg.version}` : "not installed (auditd.conf present)" };
    const problems: string[] = [];
    const sources: string[] = [];
    if (!pkg) problems.push("auditd package not installed");
    if (procs) {
      const running = procs.some((p) => programName(p) === "auditd");
      observed.running = running ? "yes" : "no";
      if (!running) {
        problems.push("auditd is not running");
        sources.push("/proc");
      }
    }
    const values = new Map<string, { value: string; line: number }>();
    (conf ?? "").split("\n").forEach((l, i) => {
      const m = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/.exec(l);
      if (m) values.set(m[1] as string, { value: m[2] ?? "", line: i + 1 });
    });
    for (const [key, re] of Object.entries(AUDITD_WANT)) {
      const v = values.get(key);
      observed[key] = v?.value ?? "not set";
      if (!v || !re.test(v.value)) {
        problems.push(`${key} = ${v?.value ?? "(not set)"}`);
        sources.push(v ? `${AUDITD_CONF}:${v.line}` : AUDITD_CONF);
      }
    }
    if (problems.length) {
      const out = {
        status: "fail" as const,
        observed,
        expected,
        source: [...new Set(sources)].join(", ") || "/var/lib/dpkg/status",
        reason: problems.join("; "),
      };
      return strictOnly(ctx, out, "warn");
    }
    return { status: "pass", observed, expected, source: AUDITD_CONF };
  },
};
