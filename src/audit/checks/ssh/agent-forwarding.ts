// SSH-AGENT-FORWARDING: a forwarded agent lets root on the server use the admin's keys elsewhere.
import { firstValue } from "../../../sshd/effective.js";
import { DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const agentForwarding = settingCheck({
  id: "SSH-AGENT-FORWARDING",
  area: "ssh",
  title: "Agent forwarding is off",
  severity: "low",
  remediation: "Set `AllowAgentForwarding no` in /etc/ssh/sshd_config.d/00-rampart.conf (use ProxyJump instead of agent forwarding).",
  refs: [LYNIS("SSH-7408"), DEVSEC("sshd-40")],
  expected: "no",
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.allowAgentForwarding || firstValue(view, "DisableForwarding") === "yes") return pass();
    return failWith();
  },
});
