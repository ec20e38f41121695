// SSH-PASSWORD-AUTH: key-only SSH; passwords invite guessing. Judged for the admin, root and an unknown user.
// The fix names only files this host has: the other files that set PasswordAuthentication (a cloud-init
// drop-in, the main file), never a 50-cloud-init.conf that does not exist.
import { keyAlwaysRequired } from "../../../mfa/factor.js";
import { firstValue } from "../../../sshd/effective.js";

const RAMPART_DROPIN = "/etc/ssh/sshd_config.d/00-rampart.conf";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const passwordAuth = settingCheck({
  id: "SSH-PASSWORD-AUTH",
  area: "ssh",
  title: "Password authentication is off",
  severity: "high",
  remediation:
    "Set `PasswordAuthentication no` in /etc/ssh/sshd_config.d/00-rampart.conf (sshd keeps the first value it reads, and that file is read first) after installing the admin's key; or run `rampart apply --only users,ssh`.",
  refs: [CIS("5.2.x", "PasswordAuthentication no"), LYNIS("SSH-7408"), DEVSEC("sshd-27")],
  remediationFor(f) {
    const others = [
      ...new Set(
        f.config.directives
          .filter((d) => d.key === "passwordauthentication" && d.file !== RAMPART_DROPIN)
          .map((d) => `${d.file}:${d.line}`),
      ),
    ];
    if (others.length === 0) return undefined;
    return `Set \`PasswordAuthentication no\` in ${RAMPART_DROPIN} (read first, so it wins over ${others.join(", ")}) after installing the admin's key; or run \`rampart apply --only users,ssh\`.`;
  },
  expected: (ctx) => (ctx.policy.ssh.passwordAuthentication ? "yes (allowed by the policy)" : "no"),
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.passwordAuthentication) return pass();
    // AuthenticationMethods publickey,password: the password is a second factor after the key (ssh.mfa)
    if (keyAlwaysRequired(firstValue(view, "AuthenticationMethods") ?? "any")) return pass();
    return failWith("passwords are accepted: the server can be brute-forced");
  },
});
