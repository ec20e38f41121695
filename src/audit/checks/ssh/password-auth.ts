// SSH-PASSWORD-AUTH: key-only SSH; passwords invite guessing. Judged for the admin, root and an unknown user.
import { keyAlwaysRequired } from "../../../mfa/factor.js";
import { firstValue } from "../../../sshd/effective.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const passwordAuth = settingCheck({
  id: "SSH-PASSWORD-AUTH",
  area: "ssh",
  title: "Password authentication is off",
  severity: "high",
  remediation:
    "Set `PasswordAuthentication no` in /etc/ssh/sshd_config.d/00-rampart.conf (read first, so it wins over 50-cloud-init.conf) after installing the admin's key; or run `rampart apply --only users,ssh`.",
  refs: [CIS("5.2.x", "PasswordAuthentication no"), LYNIS("SSH-7408"), DEVSEC("sshd-27")],
  key: "PasswordAuthentication",
  expected: (ctx) => (ctx.policy.ssh.passwordAuthentication ? "yes (allowed by the policy)" : "no"),
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.passwordAuthentication) return pass();
    // AuthenticationMethods publickey,password: the password is a second factor after the key (ssh.mfa)
    if (keyAlwaysRequired(firstValue(view, "AuthenticationMethods") ?? "any")) return pass();
    return failWith("passwords are accepted: the server can be brute-forced");
  },
});
