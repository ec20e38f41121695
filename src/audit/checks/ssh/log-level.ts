// SSH-LOG-LEVEL: failures and key fingerprints must reach the logs the ban daemon and auditors read.
import { isStrict } from "../../profile.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck, warnWith } from "./setting.js";

export const logLevel = settingCheck({
  id: "SSH-LOG-LEVEL",
  area: "ssh",
  title: "LogLevel is VERBOSE or INFO",
  severity: "medium",
  remediation: "Set `LogLevel VERBOSE` (logs the key fingerprint of each login) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [CIS("5.2.5", "SSH LogLevel is appropriate"), LYNIS("SSH-7408"), DEVSEC("sshd-13")],
  strict: "LogLevel VERBOSE (dev-sec sshd-13, Lynis SSH-7408): INFO does not log the key fingerprint of each login",
  expected: (ctx) => (isStrict(ctx) ? "VERBOSE" : "VERBOSE or INFO"),
  judge(value, ctx) {
    const v = value.toUpperCase();
    if (v === "INFO" && isStrict(ctx)) return failWith("INFO does not log which key each login used");
    if (v === "VERBOSE" || v === "INFO") return pass();
    if (v.startsWith("DEBUG")) return warnWith("DEBUG logs may record private data");
    return failWith("failed logins are not logged: the ban daemon sees nothing");
  },
});
