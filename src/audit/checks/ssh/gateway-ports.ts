// SSH-GATEWAY-PORTS: remote-forwarded ports bind to loopback only — otherwise `ssh -R` opens a port on
// every interface of the server, reachable from outside.
import { firstValue } from "../../../sshd/effective.js";
import { DEVSEC, failWith, pass, settingCheck } from "./setting.js";

export const gatewayPorts = settingCheck({
  id: "SSH-GATEWAY-PORTS",
  area: "ssh",
  title: "Forwarded ports are not opened to the network (GatewayPorts no)",
  severity: "medium",
  remediation: "Set `GatewayPorts no` (the default) in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-41")],
  expected: "no",
  judge: (value, _ctx, view) =>
    value === "no" || firstValue(view, "DisableForwarding") === "yes"
      ? pass()
      : failWith(`GatewayPorts ${value}: a user's ssh -R can open a port on the server's public addresses`),
});
