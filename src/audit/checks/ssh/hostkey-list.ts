// SSH-HOSTKEY-LIST: the HostKey list sshd reports (sshd -T, or the files) — not just the key files that
// happen to exist — names at least one existing key and only key types worth offering (ed25519, RSA,
// ECDSA; no DSA). dev-sec sshd-14 wants exactly /etc/ssh/ssh_host_{rsa,ecdsa,ed25519}_key; rampart's strict
// profile asks for keys from that set only, ed25519 among them and each existing — the ECDSA and RSA keys
// stay optional, since SSH-HOSTKEY-ALGOS warns about NIST curves and SSH-HOSTKEY-SIZE wants 4096-bit RSA.
import { setting } from "../../../sshd/effective.js";
import { keywordOfCheck } from "../../../sshd/settings.js";
import type { Check } from "../../types.js";
import { isStrict } from "../../profile.js";
import { DEVSEC, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

const TYPE_OF_PUB: Record<string, string> = {
  "ssh-ed25519": "ed25519",
  "ssh-rsa": "rsa",
  "ssh-dss": "dsa",
  "ecdsa-sha2-nistp256": "ecdsa",
  "ecdsa-sha2-nistp384": "ecdsa",
  "ecdsa-sha2-nistp521": "ecdsa",
};
const GOOD = new Set(["ed25519", "rsa", "ecdsa"]);
const DEVSEC_KEYS = ["rsa", "ecdsa", "ed25519"].map((t) => `/etc/ssh/ssh_host_${t}_key`);

export const hostKeyList: Check = {
  id: "SSH-HOSTKEY-LIST",
  area: "ssh",
  title: "The HostKey list names existing ed25519, RSA or ECDSA keys only",
  severity: "medium",
  remediation:
    "List only `HostKey /etc/ssh/ssh_host_ed25519_key` (and the RSA key) in /etc/ssh/sshd_config.d/00-rampart.conf; remove DSA keys and their HostKey lines; create a missing key with `ssh-keygen -A`.",
  refs: [DEVSEC("sshd-14")],
  strict: "only /etc/ssh/ssh_host_{ed25519,rsa,ecdsa}_key, ed25519 among them, each existing (dev-sec sshd-14)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const s = setting(viewFor(f, "unknown user"), keywordOfCheck("SSH-HOSTKEY-LIST"));
    const paths = (s?.values ?? []).flatMap((v) => v.split(" ")).filter(Boolean);
    const source = s?.source ?? "default";
    const observed: string[] = [];
    const bad: string[] = [];
    const missing: string[] = [];
    let existing = 0;
    for (const p of paths) {
      const pub = (await ctx.fs.readTextIfExists(`${p}.pub`))?.trim().split(/\s+/)[0];
      const type = (pub && TYPE_OF_PUB[pub]) ?? /ssh_host_([a-z0-9]+)_key$/.exec(p)?.[1] ?? "unknown";
      const exists = await ctx.fs.exists(p);
      observed.push(`${p} (${type}${exists ? "" : ", missing"})`);
      if (!exists) missing.push(p);
      else {
        existing++;
        if (!GOOD.has(type)) bad.push(`${p} (${type})`);
      }
    }
    const strict = isStrict(ctx);
    const expected = strict
      ? "only /etc/ssh/ssh_host_{ed25519,rsa,ecdsa}_key, ed25519 among them, all existing"
      : "ed25519, RSA or ECDSA keys; no DSA";
    const out = (status: "pass" | "fail", ...why: (string | undefined)[]) => {
      const reason = [
        ...why,
        missing.length && status === "pass" ? `listed but missing (sshd skips them): ${missing.join(", ")}` : undefined,
        ...viewNotes(f),
      ]
        .filter(Boolean)
        .join(" — ");
      return { status, observed, expected, source, ...(reason ? { reason } : {}) };
    };
    if (existing === 0) return out("fail", "no listed host key exists: sshd cannot start");
    if (bad.length) return out("fail", `weak or unknown key types: ${bad.join(", ")}`);
    if (strict) {
      const foreign = paths.filter((p) => !DEVSEC_KEYS.includes(p));
      if (foreign.length) return out("fail", `not one of dev-sec's host keys: ${foreign.join(", ")}`);
      if (!paths.includes("/etc/ssh/ssh_host_ed25519_key")) return out("fail", "no ed25519 host key in the list");
      if (missing.length) return out("fail", `listed but missing: ${missing.join(", ")}`);
    }
    return out("pass");
  },
};
