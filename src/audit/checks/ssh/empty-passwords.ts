// SSH-EMPTY-PASSWORDS: an account with an empty password must never be reachable over SSH.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const emptyPasswords = settingCheck({
  id: "SSH-EMPTY-PASSWORDS",
  area: "ssh",
  title: "Empty passwords are refused",
  severity: "critical",
  remediation: "Set `PermitEmptyPasswords no` (the default) and remove the line that enables it.",
  refs: [CIS("5.2.9", "PermitEmptyPasswords disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-28")],
  expected: "no",
  judge: (value) => (value === "no" ? pass() : failWith("accounts without a password can log in")),
});
