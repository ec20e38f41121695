// The ssh client settings that are one keyword each (dev-sec ssh-baseline ssh-02, -03, -05, -06, -07, -11,
// -12, -13, -16, -19, -20), judged for `Host *`. Where dev-sec demands more than a sane default (a line
// written for a value that is already OpenSSH's default, CheckHostIP yes, no password authentication) the
// baseline accepts the default and `audit.profile: strict` demands dev-sec's value (the `strict` note).
import { DEVSEC, clientSettingCheck, fixIn, mustBeNo } from "./common.js";

export const addressFamily = clientSettingCheck({
  id: "SSH-CLIENT-ADDRESS-FAMILY",
  title: "ssh: AddressFamily is a valid family (strict: written for Host *)",
  severity: "low",
  key: "AddressFamily",
  remediation: fixIn("AddressFamily inet"),
  refs: [DEVSEC(2)],
  strict: "AddressFamily written explicitly for Host * (dev-sec ssh-02), not left to the default",
  expected: (strict) => (strict ? "any, inet or inet6, written in the config" : "any, inet or inet6"),
  judge(value, strict, s) {
    if (!["any", "inet", "inet6"].includes(value.toLowerCase())) return { status: "fail", why: `unknown address family ${value}` };
    if (strict && !s.line) return { status: "fail", why: "not written in the config (strict profile, dev-sec ssh-02)" };
    return { status: "pass" };
  },
});

export const port = clientSettingCheck({
  id: "SSH-CLIENT-PORT",
  title: "ssh: connections go to port 22 unless a host says otherwise (strict: written for Host *)",
  severity: "low",
  key: "Port",
  remediation: fixIn("Port 22"),
  refs: [DEVSEC(3)],
  strict: "Port 22 written explicitly for Host * (dev-sec ssh-03)",
  expected: (strict) => (strict ? "22, written in the config" : "22"),
  judge(value, strict, s) {
    if (value !== "22") return { status: "fail", why: `every host without its own Port line is reached on ${value}` };
    if (strict && !s.line) return { status: "fail", why: "not written in the config (strict profile, dev-sec ssh-03)" };
    return { status: "pass" };
  },
});

export const batchMode = clientSettingCheck({
  id: "SSH-CLIENT-BATCH-MODE",
  title: "ssh: BatchMode is off by default",
  severity: "low",
  key: "BatchMode",
  remediation: fixIn("BatchMode no"),
  refs: [DEVSEC(5)],
  expected: () => "no",
  judge: mustBeNo("BatchMode (no prompt of any kind for any host: interactive logins fail, host key questions are answered no)"),
});

export const checkHostIp = clientSettingCheck({
  id: "SSH-CLIENT-CHECK-HOST-IP",
  title: "ssh: the host's address is checked against known_hosts (strict)",
  severity: "low",
  key: "CheckHostIP",
  remediation: fixIn("CheckHostIP yes"),
  refs: [DEVSEC(6)],
  strict:
    "CheckHostIP yes (dev-sec ssh-06); the baseline accepts OpenSSH's default no (since 8.5: the host key check already catches spoofing)",
  expected: (strict) => (strict ? "yes" : "yes or no (OpenSSH's default since 8.5)"),
  judge(value, strict) {
    if (value === "yes" || !strict) return { status: "pass" };
    return { status: "fail", why: "the strict profile demands CheckHostIP yes (dev-sec ssh-06)" };
  },
});

export const hostKeyChecking = clientSettingCheck({
  id: "SSH-CLIENT-HOST-KEY-CHECKING",
  title: "ssh: unknown or changed host keys are not accepted silently",
  severity: "medium",
  key: "StrictHostKeyChecking",
  remediation: fixIn("StrictHostKeyChecking ask"),
  refs: [DEVSEC(7)],
  strict: "ask or yes (dev-sec ssh-07); the baseline also accepts accept-new, which still refuses a changed key",
  expected: (strict) => (strict ? "ask or yes" : "ask, yes or accept-new"),
  judge(value, strict) {
    const v = value.toLowerCase();
    if (v === "ask" || v === "yes") return { status: "pass" };
    if (v === "accept-new")
      return strict ? { status: "fail", why: "new host keys are trusted on first use (strict profile: ask or yes)" } : { status: "pass" };
    return { status: "fail", why: "host keys are not checked: a man in the middle is accepted" };
  },
});

export const agentForwarding = clientSettingCheck({
  id: "SSH-CLIENT-AGENT-FORWARDING",
  title: "ssh: the agent is not forwarded to every host",
  severity: "medium",
  key: "ForwardAgent",
  remediation: fixIn("ForwardAgent no"),
  refs: [DEVSEC(11)],
  expected: () => "no",
  judge: mustBeNo("agent forwarding (root on any server reached can use your keys while you are logged in)"),
});

export const x11Forwarding = clientSettingCheck({
  id: "SSH-CLIENT-X11-FORWARDING",
  title: "ssh: X11 is not forwarded to every host",
  severity: "medium",
  key: "ForwardX11",
  remediation: fixIn("ForwardX11 no"),
  refs: [DEVSEC(12)],
  expected: () => "no",
  judge: mustBeNo("X11 forwarding (the server can read your display and keystrokes)"),
});

export const hostbasedAuth = clientSettingCheck({
  id: "SSH-CLIENT-HOSTBASED-AUTH",
  title: "ssh: host-based authentication is off",
  severity: "low",
  key: "HostbasedAuthentication",
  remediation: fixIn("HostbasedAuthentication no"),
  refs: [DEVSEC(13)],
  expected: () => "no",
  judge: mustBeNo("host-based authentication (trust by machine, not by user)"),
});

export const passwordAuth = clientSettingCheck({
  id: "SSH-CLIENT-PASSWORD-AUTH",
  title: "ssh: password authentication is not offered (strict)",
  severity: "low",
  key: "PasswordAuthentication",
  remediation: fixIn("PasswordAuthentication no"),
  refs: [DEVSEC(16)],
  strict: "PasswordAuthentication no (dev-sec ssh-16); the baseline accepts OpenSSH's default yes (the server decides what it accepts)",
  expected: (strict) => (strict ? "no" : "yes or no (the server decides)"),
  judge(value, strict) {
    if (value === "no" || !strict) return { status: "pass" };
    return { status: "fail", why: "passwords can be typed into any server (strict profile, dev-sec ssh-16)" };
  },
});

export const tunnel = clientSettingCheck({
  id: "SSH-CLIENT-TUNNEL",
  title: "ssh: tun/tap tunnels are not requested by default",
  severity: "low",
  key: "Tunnel",
  remediation: fixIn("Tunnel no"),
  refs: [DEVSEC(19)],
  expected: () => "no",
  judge: mustBeNo("tun/tap device forwarding"),
});

export const localCommand = clientSettingCheck({
  id: "SSH-CLIENT-LOCAL-COMMAND",
  title: "ssh: no local command runs after connecting",
  severity: "low",
  key: "PermitLocalCommand",
  remediation: fixIn("PermitLocalCommand no"),
  refs: [DEVSEC(20)],
  expected: () => "no",
  judge: mustBeNo("LocalCommand (and the ! escape) is permitted"),
});
