// SSH-LOGIN-GRACE: unauthenticated connections must not hold a slot for long (0 = forever).
import { parseSshdTime } from "../../../sshd/keywords.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

const limit = (policyValue: number) => Math.max(60, policyValue);

export const loginGrace = settingCheck({
  id: "SSH-LOGIN-GRACE",
  area: "ssh",
  title: "LoginGraceTime is 60 seconds or less",
  severity: "low",
  remediation: "Set `LoginGraceTime 30` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [CIS("5.2.21", "LoginGraceTime is set to one minute or less"), LYNIS("SSH-7408"), DEVSEC("sshd-18")],
  expected: (ctx) => `1..${limit(ctx.policy.ssh.loginGraceTime)} seconds`,
  judge(value, ctx) {
    const secs = parseSshdTime(value);
    if (secs === undefined) return failWith(`unexpected value "${value}"`);
    if (secs === 0) return failWith("0 means no limit");
    return secs <= limit(ctx.policy.ssh.loginGraceTime) ? pass() : failWith(`${secs} s`);
  },
});
