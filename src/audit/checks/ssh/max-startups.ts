// SSH-MAX-STARTUPS: how many unauthenticated connections sshd keeps before it drops new ones (start:rate:full).
// A high start lets a flood of half-open logins tie up sshd; dev-sec expects 10:30:100 (the default).
import { DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const MAX_STARTUPS_START = 10;

/** "10:30:100" or "10" → the start (sshd begins dropping above it). */
export function startupsStart(value: string): number | undefined {
  const m = /^(\d{1,6})(?::(\d{1,3}):(\d{1,6}))?$/.exec(value.trim());
  return m ? Number(m[1]) : undefined;
}

export const maxStartups = settingCheck({
  id: "SSH-MAX-STARTUPS",
  area: "ssh",
  title: `MaxStartups starts dropping unauthenticated connections at ${MAX_STARTUPS_START} or fewer`,
  severity: "low",
  remediation: "Set `MaxStartups 10:30:100` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-21"), LYNIS("SSH-7408"), "CIS Debian Linux 12 5.1.x (sshd MaxStartups is configured)"],
  expected: `start ≤ ${MAX_STARTUPS_START} (e.g. 10:30:100)`,
  judge(value) {
    const start = startupsStart(value);
    if (start === undefined) return failWith(`unreadable value: ${value}`);
    return start <= MAX_STARTUPS_START ? pass() : failWith(`${start} unauthenticated connections before any is dropped`);
  },
});
