// SSH-HOSTBASED-AUTH: host-based trust (.rhosts/.shosts-style) lets one compromised host open others.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const hostbasedAuth = settingCheck({
  id: "SSH-HOSTBASED-AUTH",
  area: "ssh",
  title: "Host-based authentication is off",
  severity: "medium",
  remediation: "Set `HostbasedAuthentication no` (the default) and remove the line that enables it.",
  refs: [CIS("5.2.8", "SSH HostbasedAuthentication is disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-25")],
  expected: "no",
  judge: (value) => (value === "no" ? pass() : failWith("logins trusted by the client host's key")),
});
