// SSH-GSSAPI: GSSAPI authentication is off unless the host needs it (a Kerberos/AD domain): each enabled
// method is attack surface, and GSSAPI's has had pre-authentication bugs.
import { CIS, DEVSEC, failWith, pass, settingCheck } from "./setting.js";

export const gssapi = settingCheck({
  id: "SSH-GSSAPI",
  area: "ssh",
  title: "GSSAPI authentication is off",
  severity: "low",
  remediation:
    "Set `GSSAPIAuthentication no` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf, or waive SSH-GSSAPI in the policy on a domain-joined host.",
  refs: [CIS("5.2.x", "SSH GSSAPIAuthentication is disabled"), DEVSEC("sshd-33")],
  expected: "no",
  judge: (value) => (value === "no" ? pass() : failWith("GSSAPI authentication is enabled")),
});
