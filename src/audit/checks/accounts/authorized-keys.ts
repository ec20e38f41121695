// One line of an authorized_keys file, judged as sshd would read it: optional options, a key type, the
// base64 blob (whose embedded type must match), an optional comment. Also rates the key: DSA is refused
// by current OpenSSH, RSA under 2048 bits is weak. Exported for ACC-ADMIN-KEYS and tests.
import { bitLength, readString } from "../ssh/pubkey-size.js";

const TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ssh-dss",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

export type KeyLine = { kind: "blank" } | { kind: "key"; type: string; bits?: number; weak?: string } | { kind: "invalid"; why: string };

export function parseKeyLine(line: string): KeyLine {
  const l = line.trim();
  if (l === "" || l.startsWith("#")) return { kind: "blank" };
  const tokens = l.split(/\s+/);
  const at = tokens.findIndex((t) => TYPES.has(t) || /^[a-z0-9@.-]+-cert-v01@openssh\.com$/.test(t));
  if (at === -1) return { kind: "invalid", why: "no known key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-…)" };
  const type = tokens[at] as string;
  const blob = tokens[at + 1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,3}$/.test(blob)) return { kind: "invalid", why: `${type} key without a base64 key` };
  const buf = Buffer.from(blob, "base64");
  const inner = readString(buf, 0);
  if (!inner || inner.value.toString("latin1") !== type) return { kind: "invalid", why: `${type} key whose data is not a ${type} key` };
  if (type === "ssh-dss") return { kind: "key", type, weak: "DSA keys are refused by OpenSSH 9.8 and later" };
  if (type === "ssh-rsa") {
    const e = readString(buf, inner.next);
    const n = e && readString(buf, e.next);
    if (!n) return { kind: "invalid", why: "ssh-rsa key data is truncated" };
    const bits = bitLength(n.value);
    return bits < 2048 ? { kind: "key", type, bits, weak: `RSA key of ${bits} bits (under 2048)` } : { kind: "key", type, bits };
  }
  return { kind: "key", type };
}

/** "ssh-ed25519 AAAA… comment" → "ssh-ed25519 AAAA…" for comparing keys regardless of options and comment. */
export function keyIdentity(line: string): string | undefined {
  const tokens = line.trim().split(/\s+/);
  const at = tokens.findIndex((t) => TYPES.has(t));
  return at === -1 || !tokens[at + 1] ? undefined : `${tokens[at]} ${tokens[at + 1]}`;
}
