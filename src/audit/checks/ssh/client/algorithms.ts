// SSH-CLIENT-CIPHERS, SSH-CLIENT-KEX, SSH-CLIENT-MACS (dev-sec ssh-08/-09/-10, and ssh-22: the lists in force
// are the ones `ssh -G` reports, not only what the files say): the algorithm lists the client proposes,
// rated like the server's (src/sshd/crypto.ts). A client list is a preference order negotiated under the
// exchange hash, so a weak entry is used only with a server that offers nothing better: the baseline fails
// a list that adds a "fail"-rated algorithm OpenSSH's own default does not offer (3DES, CBC, SHA-1 KEX …),
// and notes the weak ones the default still carries; the strict profile wants none rated fail or warn,
// like dev-sec's fixed lists.
import { CLIENT_DEFAULTS, clientSetting, settingNotes } from "../../../../facts/ssh-client.js";
import { type AlgoKind, rateList } from "../../../../sshd/crypto.js";
import type { Check, CheckMeta } from "../../../types.js";
import { DEVSEC, clientFactsOrSkip, fixIn, isOutcome } from "./common.js";
import { isStrict } from "../../../profile.js";

function clientAlgorithmCheck(kind: AlgoKind, key: string, meta: Omit<CheckMeta, "area" | "strict">): Check {
  const lower = key.toLowerCase();
  const defaults = new Set((CLIENT_DEFAULTS[lower] ?? "").split(","));
  return {
    ...meta,
    area: "ssh",
    strict: `no ${kind} rated fail or warn at all, OpenSSH's default ones included (dev-sec's fixed lists)`,
    async run(ctx) {
      const f = await clientFactsOrSkip(ctx);
      if (isOutcome(f)) return f;
      const strict = isStrict(ctx);
      const s = clientSetting(f, key);
      const ratings = rateList(kind, s.value);
      const weak = ratings.filter((r) => r.rating !== "ok");
      const added = weak.filter((r) => r.rating === "fail" && !defaults.has(r.name));
      const bad = strict ? weak : added;
      const show = (rs: typeof ratings) => rs.map((r) => `${r.name} (${r.rating}: ${r.reason})`);
      const notes = settingNotes(f, s);
      if (!strict && weak.length > added.length)
        notes.unshift(
          `kept from OpenSSH's default list: ${weak
            .filter((r) => !added.includes(r))
            .map((r) => r.name)
            .join(", ")} (the strict profile fails these)`,
        );
      const out = {
        status: bad.length ? ("fail" as const) : ("pass" as const),
        observed: bad.length ? show(bad) : ratings.map((r) => r.name),
        expected: strict ? `no ${kind} rated fail or warn` : `no ${kind} rated fail beyond OpenSSH's default list`,
        source: s.source,
      };
      return notes.length ? { ...out, reason: notes.join(" — ") } : out;
    },
  };
}

export const clientCiphers = clientAlgorithmCheck("cipher", "Ciphers", {
  id: "SSH-CLIENT-CIPHERS",
  title: "ssh: no weak cipher is proposed",
  severity: "low",
  remediation: fixIn(
    "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr",
  ),
  refs: [DEVSEC(8), DEVSEC(22)],
});

export const clientKex = clientAlgorithmCheck("kex", "KexAlgorithms", {
  id: "SSH-CLIENT-KEX",
  title: "ssh: no weak key exchange is proposed",
  severity: "low",
  remediation: fixIn(
    "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha256",
  ),
  refs: [DEVSEC(9), DEVSEC(22)],
});

export const clientMacs = clientAlgorithmCheck("mac", "MACs", {
  id: "SSH-CLIENT-MACS",
  title: "ssh: no weak MAC is proposed",
  severity: "low",
  remediation: fixIn("MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com"),
  refs: [DEVSEC(10), DEVSEC(22)],
});
