// SSH-PERMIT-TUNNEL: tun/tap device forwarding is off — a tunnel is a full network link into the host,
// past the firewall.
import { firstValue } from "../../../sshd/effective.js";
import { DEVSEC, failWith, pass, settingCheck } from "./setting.js";

export const permitTunnel = settingCheck({
  id: "SSH-PERMIT-TUNNEL",
  area: "ssh",
  title: "Tunnel device forwarding is off",
  severity: "medium",
  remediation: "Set `PermitTunnel no` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-38")],
  expected: "no",
  judge: (value, _ctx, view) =>
    value === "no" || firstValue(view, "DisableForwarding") === "yes"
      ? pass()
      : failWith(`tunnels allowed (${value}): a network link that bypasses the firewall`),
});
