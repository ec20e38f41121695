// SSH-KERBEROS: Kerberos password authentication is off (it checks the password against the KDC and can
// fall back to the local password), unless the host really is in a Kerberos realm — then waive it.
import { DEVSEC, failWith, pass, settingCheck } from "./setting.js";

export const kerberos = settingCheck({
  id: "SSH-KERBEROS",
  area: "ssh",
  title: "Kerberos authentication is off",
  severity: "low",
  remediation:
    "Set `KerberosAuthentication no` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf, or waive SSH-KERBEROS in the policy on a Kerberos host.",
  refs: [DEVSEC("sshd-30")],
  expected: "no",
  judge: (value) => (value === "no" ? pass() : failWith("passwords are checked against Kerberos (another way to guess them)")),
});
