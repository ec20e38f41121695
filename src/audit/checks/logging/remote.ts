// LOG-REMOTE: logs are also sent to another host (rsyslog @@/omfwd/omrelp, syslog-ng network(),
// systemd-journal-upload), where an intruder with root here cannot erase them. A warning, not a failure,
// under the baseline profile: a single small server often has no log host.
import { loggingFacts } from "../../../facts/logging.js";
import type { Check } from "../../types.js";
import { isStrict } from "../../profile.js";

export const logRemote: Check = {
  id: "LOG-REMOTE",
  area: "logging",
  title: "logs are sent to another host",
  severity: "low",
  remediation:
    'Forward to a log host: in rsyslog, `*.* action(type="omfwd" target="logs.example" port="6514" protocol="tcp")` in /etc/rsyslog.d/90-remote.conf; or `apt-get install systemd-journal-remote` and set URL= in /etc/systemd/journal-upload.conf.',
  refs: ["Lynis LOGG-2154", "CIS Debian 12: Ensure rsyslog is configured to send logs to a remote log host"],
  strict: "fails (instead of warning) when no log leaves the host",
  async run(ctx) {
    const f = await loggingFacts(ctx);
    const expected = "a remote destination (rsyslog omfwd/@@, syslog-ng network(), journal-upload URL=)";
    if (f.remote.length)
      return { status: "pass", observed: f.remote.map((r) => r.value), expected, source: f.remote.map((r) => r.source).join(", ") };
    return {
      status: isStrict(ctx) ? "fail" : "warn",
      observed: "logs stay on this host",
      expected,
      source: "/etc/rsyslog.conf, /etc/rsyslog.d, /etc/syslog-ng, /etc/systemd/journal-upload.conf",
    };
  },
};
