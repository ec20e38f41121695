// SSH-KBD-INTERACTIVE: keyboard-interactive (ChallengeResponseAuthentication) is password login through
// PAM by another name; it must be off when passwords are.
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";
import { firstValue } from "../../../sshd/effective.js";
import { keyAlwaysRequired } from "../../../mfa/factor.js";

export const kbdInteractive = settingCheck({
  id: "SSH-KBD-INTERACTIVE",
  area: "ssh",
  title: "Keyboard-interactive (challenge-response) authentication is off",
  severity: "high",
  remediation:
    "Set `KbdInteractiveAuthentication no` (older name: ChallengeResponseAuthentication) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [CIS("5.2.x", "ChallengeResponseAuthentication no"), LYNIS("SSH-7408"), DEVSEC("sshd-29")],
  expected: "no",
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.kbdInteractiveAuthentication) return pass();
    // AuthenticationMethods publickey,keyboard-interactive: a TOTP code (ssh.mfa) after the key, never alone
    if (keyAlwaysRequired(firstValue(view, "AuthenticationMethods") ?? "any")) return pass();
    const pam = firstValue(view, "UsePAM") === "yes";
    return failWith(pam ? "with UsePAM yes this accepts passwords through PAM" : "keyboard-interactive logins are accepted");
  },
});
