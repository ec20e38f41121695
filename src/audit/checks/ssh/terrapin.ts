// SSH-TERRAPIN: CVE-2023-48795. Exposed when sshd offers chacha20-poly1305 or an -etm MAC with a CBC cipher
// and does not implement strict KEX (kex-strict-s-v00@openssh.com: OpenSSH ≥ 9.6, or a distribution
// backport — found by looking for the marker in the sshd binary, since Debian keeps the version number).
import { terrapinModes } from "../../../sshd/crypto.js";
import { setting } from "../../../sshd/effective.js";
import type { Check } from "../../types.js";
import { factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

export const terrapin: Check = {
  id: "SSH-TERRAPIN",
  area: "ssh",
  title: "Not exposed to the Terrapin attack (CVE-2023-48795)",
  severity: "medium",
  remediation:
    "Upgrade openssh-server (Debian 12: 1:9.2p1-2+deb12u2 or later; upstream 9.6+) so strict KEX is offered; until then remove chacha20-poly1305@openssh.com and the -etm MACs that pair with CBC ciphers.",
  refs: ["CVE-2023-48795", "https://terrapin-attack.com/"],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const view = viewFor(f, "unknown user");
    const c = setting(view, "Ciphers");
    const m = setting(view, "MACs");
    if (!c?.values[0] || !m?.values[0]) return { status: "error", reason: "sshd did not report Ciphers/MACs" };
    const modes = terrapinModes(c.values[0].split(","), m.values[0].split(","));
    const byVersion = f.version ? f.version.major > 9 || (f.version.major === 9 && f.version.minor >= 6) : undefined;
    const strict = f.strictKex ?? byVersion;
    const source = modes.some((x) => x.startsWith("chacha")) ? c.source : m.source;
    const notes = viewNotes(f);
    const expected = "strict KEX (kex-strict-s-v00@openssh.com), or no chacha20-poly1305 / CBC+EtM";
    if (modes.length === 0) return { status: "pass", observed: "no vulnerable cipher mode offered", expected, source: c.source };
    if (strict === undefined) {
      return {
        status: "warn",
        observed: modes,
        expected,
        source,
        reason: ["cannot tell whether this sshd has strict KEX", ...notes].join(" — "),
      };
    }
    if (strict) {
      return {
        status: "pass",
        observed: `${modes.join(", ")} offered, mitigated by strict KEX in ${f.binary ?? "sshd"}`,
        expected,
        source,
      };
    }
    return { status: "fail", observed: modes, expected, source, reason: [`${f.binary ?? "sshd"} has no strict KEX`, ...notes].join(" — ") };
  },
};
