// SSH-IGNORE-USER-KNOWN-HOSTS: users' ~/.ssh/known_hosts are not trusted for host-based login — a user
// could otherwise add a host that may then vouch for them.
import { DEVSEC, failWith, pass, settingCheck } from "./setting.js";

export const ignoreUserKnownHosts = settingCheck({
  id: "SSH-IGNORE-USER-KNOWN-HOSTS",
  area: "ssh",
  title: "IgnoreUserKnownHosts is on",
  severity: "low",
  remediation: "Set `IgnoreUserKnownHosts yes` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-24")],
  expected: "yes",
  judge: (value) => (value === "yes" ? pass() : failWith("users' known_hosts files can take part in host-based authentication")),
});
