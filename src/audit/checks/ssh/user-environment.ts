// SSH-USER-ENVIRONMENT: ~/.ssh/environment with LD_PRELOAD can bypass ForceCommand and restrictions.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const userEnvironment = settingCheck({
  id: "SSH-USER-ENVIRONMENT",
  area: "ssh",
  title: "Users cannot set the environment sshd starts them with",
  severity: "medium",
  remediation: "Set `PermitUserEnvironment no` (the default).",
  refs: [CIS("5.2.10", "SSH PermitUserEnvironment is disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-17")],
  expected: "no",
  judge: (value) => (value === "no" ? pass() : failWith("~/.ssh/environment is read (LD_PRELOAD and friends)")),
});
