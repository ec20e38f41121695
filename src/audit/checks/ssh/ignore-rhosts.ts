// SSH-IGNORE-RHOSTS: .rhosts/.shosts trust files are ignored — they let another host vouch for a user.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const ignoreRhosts = settingCheck({
  id: "SSH-IGNORE-RHOSTS",
  area: "ssh",
  title: "IgnoreRhosts is on",
  severity: "medium",
  remediation: "Set `IgnoreRhosts yes` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [CIS("5.2.x", "SSH IgnoreRhosts is enabled"), DEVSEC("sshd-23"), LYNIS("SSH-7408")],
  expected: "yes",
  judge: (value) => (value === "yes" ? pass() : failWith("users' .rhosts/.shosts files are honoured")),
});
