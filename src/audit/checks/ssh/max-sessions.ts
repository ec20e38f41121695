// SSH-MAX-SESSIONS: sessions multiplexed over one authenticated connection; a high limit lets one
// connection hold many shells and forwardings (a resource-exhaustion lever). dev-sec expects 10 (the default).
import { DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const MAX_SESSIONS = 10;

export const maxSessions = settingCheck({
  id: "SSH-MAX-SESSIONS",
  area: "ssh",
  title: `MaxSessions is at most ${MAX_SESSIONS}`,
  severity: "low",
  remediation: `Set \`MaxSessions ${MAX_SESSIONS}\` (or lower) in /etc/ssh/sshd_config.d/00-rampart.conf.`,
  refs: [DEVSEC("sshd-20"), LYNIS("SSH-7408"), "CIS Debian Linux 12 5.1.x (sshd MaxSessions is configured)"],
  expected: `≤ ${MAX_SESSIONS}`,
  judge(value) {
    const n = Number(value);
    if (!Number.isInteger(n)) return failWith(`not a number: ${value}`);
    return n <= MAX_SESSIONS ? pass() : failWith(`${n} sessions per connection`);
  },
});
