// SSH-X11-FORWARDING: X11 forwarding exposes the client's display; servers do not need it.
import { firstValue } from "../../../sshd/effective.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const x11Forwarding = settingCheck({
  id: "SSH-X11-FORWARDING",
  area: "ssh",
  title: "X11 forwarding is off",
  severity: "low",
  remediation: "Set `X11Forwarding no` (Debian's sshd_config sets it to yes: the drop-in 00-rampart.conf wins).",
  refs: [CIS("5.2.12", "SSH X11 forwarding is disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-42")],
  expected: "no",
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.x11Forwarding || firstValue(view, "DisableForwarding") === "yes") return pass();
    return failWith();
  },
});
