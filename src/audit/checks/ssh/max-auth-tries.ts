// SSH-MAX-AUTH-TRIES: few attempts per connection slow guessing and make failures visible early.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

const limit = (policyValue: number) => Math.max(4, policyValue);

export const maxAuthTries = settingCheck({
  id: "SSH-MAX-AUTH-TRIES",
  area: "ssh",
  title: "MaxAuthTries is 4 or less",
  severity: "medium",
  remediation: "Set `MaxAuthTries 3` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [CIS("5.2.18", "MaxAuthTries is set to 4 or less"), LYNIS("SSH-7408"), DEVSEC("sshd-19")],
  expected: (ctx) => `<= ${limit(ctx.policy.ssh.maxAuthTries)}`,
  judge(value, ctx) {
    const n = Number(value);
    if (!Number.isInteger(n)) return failWith(`unexpected value "${value}"`);
    return n <= limit(ctx.policy.ssh.maxAuthTries) ? pass() : failWith(`${n} attempts per connection`);
  },
});
