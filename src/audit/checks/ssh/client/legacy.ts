// SSH-CLIENT-LEGACY (dev-sec ssh-04, ssh-14, ssh-15, ssh-21): the SSH-1 protocol and its RSA/rhosts-RSA
// authentication (removed from OpenSSH in 7.6) and roaming (CVE-2016-0777/-0778, removed in 7.2). dev-sec
// runs these controls only for older clients; so does this check: with a newer openssh-client (its version
// from dpkg's database, so --root works too) the options do not exist and the check passes saying so. With
// an older or unknown version the written lines for `Host *` are judged.
import { type SshClientFacts, clientSetting } from "../../../../facts/ssh-client.js";
import type { Check } from "../../../types.js";
import { DEVSEC, clientFactsOrSkip, isOutcome } from "./common.js";

const atLeast = (f: SshClientFacts, major: number, minor: number): boolean | undefined =>
  f.version ? f.version.major > major || (f.version.major === major && f.version.minor >= minor) : undefined;

export const legacy: Check = {
  id: "SSH-CLIENT-LEGACY",
  area: "ssh",
  title: "ssh: no SSH-1 protocol, rhosts-RSA authentication or roaming",
  severity: "medium",
  remediation:
    "Upgrade openssh-client (7.6 or later has none of these); until then set `Protocol 2`, `RhostsRSAAuthentication no` and `UseRoaming no` in the `Host *` block of /etc/ssh/ssh_config.",
  refs: [DEVSEC(4), DEVSEC(14), DEVSEC(15), DEVSEC(21)],
  async run(ctx) {
    const f = await clientFactsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const expected = "OpenSSH ≥ 7.6, or Protocol 2, RhostsRSAAuthentication no, UseRoaming no";
    const ver = f.version ? `openssh-client ${f.version.text}` : "openssh-client version unknown (no dpkg record)";
    if (atLeast(f, 7, 6))
      return {
        status: "pass",
        observed: `${ver}: SSH-1, RSAAuthentication and RhostsRSAAuthentication were removed in 7.6, roaming in 7.2`,
        expected,
        source: f.version?.source ?? "",
      };
    const bad: string[] = [];
    const seen: string[] = [ver];
    const proto = clientSetting(f, "Protocol");
    const protoValue = proto.line ? proto.value : atLeast(f, 7, 0) === false ? "2,1 (default before 7.0)" : "";
    if (protoValue) seen.push(`Protocol ${protoValue} (${proto.source})`);
    if (protoValue.split(/[,\s]/).includes("1") || protoValue.startsWith("2,1"))
      bad.push(`Protocol ${protoValue} allows SSH-1 (${proto.source})`);
    const rhosts = clientSetting(f, "RhostsRSAAuthentication");
    if (rhosts.line && rhosts.value === "yes") bad.push(`RhostsRSAAuthentication yes (${rhosts.source})`);
    const rsa = clientSetting(f, "RSAAuthentication");
    if (rsa.line) seen.push(`RSAAuthentication ${rsa.value} (${rsa.source})`);
    const roaming = clientSetting(f, "UseRoaming");
    if (roaming.line ? roaming.value !== "no" : atLeast(f, 7, 2) === false)
      bad.push(`UseRoaming ${roaming.line ? `${roaming.value} (${roaming.source})` : "not set (on by default in 5.4–7.1)"}`);
    const status = bad.length ? "fail" : "pass";
    return { status, observed: bad.length ? bad : seen, expected, source: f.version?.source ?? f.config.main };
  },
};
