// SSH-ROOT-LOGIN: root must not log in over SSH (admins use their own account and sudo).
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck, warnWith } from "./setting.js";

export const rootLogin = settingCheck({
  id: "SSH-ROOT-LOGIN",
  area: "ssh",
  title: "Root cannot log in over SSH",
  severity: "high",
  remediation:
    "Set `PermitRootLogin no` in /etc/ssh/sshd_config.d/00-rampart.conf (or run `rampart apply --only ssh`), then `sshd -t && systemctl reload ssh`.",
  refs: [CIS("5.2.7", "SSH root login is disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-06")],
  who: "root",
  expected: (ctx) => (ctx.policy.ssh.permitRootLogin === "prohibit-password" ? "no or prohibit-password" : "no"),
  judge(value, ctx) {
    if (value === "no") return pass();
    if (value === "yes") return failWith("root may log in with a password");
    if (ctx.policy.ssh.permitRootLogin === "prohibit-password" && value === "prohibit-password") return pass();
    if (ctx.policy.ssh.permitRootLogin === true) return pass();
    return warnWith(`root may still log in (${value === "forced-commands-only" ? "with forced commands" : "with a key"})`);
  },
});
