// LOG-PERSISTENT: logs survive a reboot — journald stores on disk (Storage=persistent, or auto with
// /var/log/journal present) or a syslog daemon writes files. With Storage=volatile and no syslog, the trail
// of an intrusion is gone at the next reboot.
import { loggingFacts } from "../../../facts/logging.js";
import type { Check } from "../../types.js";

export const logPersistent: Check = {
  id: "LOG-PERSISTENT",
  area: "logging",
  title: "logs are kept on disk across reboots",
  severity: "medium",
  remediation:
    "Set Storage=persistent in /etc/systemd/journald.conf (or `mkdir -p /var/log/journal` with the default Storage=auto) and `systemctl restart systemd-journald`; or install rsyslog.",
  refs: ["Lynis LOGG-2130", "CIS Debian 12: Ensure journald is configured to write logfiles to persistent disk"],
  async run(ctx) {
    const f = await loggingFacts(ctx);
    const storage = f.journalStorage.value.toLowerCase();
    const journalOnDisk = storage === "persistent" || (storage === "auto" && f.journalDirExists);
    const observed = {
      journald: `Storage=${f.journalStorage.value}${storage === "auto" ? (f.journalDirExists ? " (/var/log/journal exists)" : " (no /var/log/journal: kept in memory)") : ""}`,
      syslog: f.syslogPackages.length ? `${f.syslogPackages.join(", ")}: ${f.syslogFiles.length} file destinations` : "none installed",
    };
    const expected = "journald Storage=persistent (or auto with /var/log/journal), or a syslog daemon writing files";
    if (journalOnDisk) return { status: "pass", observed, expected, source: f.journalStorage.source };
    if (f.syslogPackages.length && f.syslogFiles.length)
      return { status: "pass", observed, expected, source: f.syslogFiles[0]?.source ?? "" };
    return { status: "fail", observed, expected, source: f.journalStorage.source };
  },
};
