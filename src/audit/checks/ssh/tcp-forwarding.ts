// SSH-TCP-FORWARDING: TCP forwarding turns a login into a tunnel past the firewall.
import { firstValue } from "../../../sshd/effective.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const tcpForwarding = settingCheck({
  id: "SSH-TCP-FORWARDING",
  area: "ssh",
  title: "TCP forwarding is off",
  severity: "low",
  remediation: "Set `AllowTcpForwarding no` (or `DisableForwarding yes`); allow it per user in a Match block if someone needs tunnels.",
  refs: [CIS("5.2.16", "SSH AllowTcpForwarding is disabled"), LYNIS("SSH-7408"), DEVSEC("sshd-39")],
  expected: "no",
  judge(value, ctx, view) {
    if (value === "no" || ctx.policy.ssh.allowTcpForwarding || firstValue(view, "DisableForwarding") === "yes") return pass();
    return failWith(value === "yes" || value === "all" ? "local and remote forwarding allowed" : `${value} forwarding allowed`);
  },
});
