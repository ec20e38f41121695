// SSH-STRICT-MODES: sshd refuses keys in home directories and authorized_keys files others can write;
// without it, anyone who can write a user's ~/.ssh can log in as that user.
import { DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const strictModes = settingCheck({
  id: "SSH-STRICT-MODES",
  area: "ssh",
  title: "StrictModes is on",
  severity: "medium",
  remediation:
    "Set `StrictModes yes` (the compiled-in default) in /etc/ssh/sshd_config.d/00-rampart.conf, and remove the line that turns it off.",
  refs: [DEVSEC("sshd-11"), LYNIS("SSH-7408")],
  expected: "yes",
  judge: (value) => (value === "yes" ? pass() : failWith("sshd accepts keys from files and directories other users can write")),
});
