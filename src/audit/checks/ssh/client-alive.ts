// SSH-CLIENT-ALIVE: sshd probes idle clients over the encrypted channel (ClientAliveInterval, not the
// spoofable TCPKeepAlive) and drops a dead or abandoned session after ClientAliveCountMax probes — so a
// forgotten root shell does not stay open forever. dev-sec: interval 300 s, count 3.
import { firstValue } from "../../../sshd/effective.js";
import { CIS, DEVSEC, LYNIS, failWith, pass, settingCheck } from "./setting.js";

export const CLIENT_ALIVE_MAX_INTERVAL = 300;
export const CLIENT_ALIVE_MAX_COUNT = 3;

export const clientAlive = settingCheck({
  id: "SSH-CLIENT-ALIVE",
  area: "ssh",
  title: "Idle sessions are probed and dropped (ClientAliveInterval, ClientAliveCountMax)",
  severity: "low",
  remediation: `Set \`ClientAliveInterval ${CLIENT_ALIVE_MAX_INTERVAL}\` and \`ClientAliveCountMax ${CLIENT_ALIVE_MAX_COUNT}\` (or lower) in /etc/ssh/sshd_config.d/00-rampart.conf.`,
  refs: [CIS("5.2.x", "SSH Idle Timeout Interval is configured"), DEVSEC("sshd-36"), DEVSEC("sshd-37"), LYNIS("SSH-7408")],
  expected: `1-${CLIENT_ALIVE_MAX_INTERVAL} s, ClientAliveCountMax 1-${CLIENT_ALIVE_MAX_COUNT}`,
  judge(value, _ctx, view) {
    const interval = Number(value);
    const count = Number(firstValue(view, "ClientAliveCountMax") ?? "3");
    if (!Number.isInteger(interval) || interval <= 0) return failWith("idle sessions are never probed: they stay open until TCP gives up");
    if (interval > CLIENT_ALIVE_MAX_INTERVAL) return failWith(`probed every ${interval} s`);
    if (!Number.isInteger(count) || count <= 0 || count > CLIENT_ALIVE_MAX_COUNT)
      return failWith(
        `ClientAliveCountMax ${count}: ${count <= 0 ? "probes never drop the session" : "too many unanswered probes before the drop"}`,
      );
    return pass();
  },
});
