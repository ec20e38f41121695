// The type and size of an OpenSSH public key line ("ssh-rsa AAAA… comment"), read from its wire-format blob
// (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4): what `ssh-keygen -l` prints of it — RSA and DSA bits are those of
// the modulus n and the prime p, ECDSA's those of its curve, Ed25519 256. Written here rather than asking
// ssh-keygen for it because each program the audit starts costs its own thread ≈ 10 ms (a fork of the whole
// process); any other key type (certificates, security keys) or a blob that does not parse exactly gives
// undefined, and ssh-keygen is asked as before. readString and bitLength are the one reader of that wire
// format (authorized-keys.ts uses them too).

export interface KeySize {
  bits: number;
  /** as ssh-keygen names it: RSA, DSA, ECDSA, ED25519 */
  type: string;
}

/** The length-prefixed string (RFC 4251 5) of buf at `at`, and where the next field starts; undefined past its end */
export function readString(buf: Buffer, at: number): { value: Buffer; next: number } | undefined {
  if (at + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(at);
  if (at + 4 + len > buf.length) return undefined;
  return { value: buf.subarray(at + 4, at + 4 + len), next: at + 4 + len };
}

/** Bits of an SSH mpint (big-endian, a leading zero byte when the top bit is set) */
export function bitLength(mp: Buffer): number {
  let i = 0;
  while (i < mp.length && mp[i] === 0) i++;
  if (i === mp.length) return 0;
  return (mp.length - i - 1) * 8 + (32 - Math.clz32(mp[i] as number));
}

export function publicKeySize(line: string): KeySize | undefined {
  const [keyType, b64] = line.trim().split(/\s+/);
  if (!keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, "base64");
  let off = 0;
  /** the blob's next string, or undefined past its end */
  const next = (): Buffer | undefined => {
    const s = readString(blob, off);
    if (s) off = s.next;
    return s?.value;
  };
  const type = next()?.toString("latin1");
  if (type !== keyType) return undefined;
  let size: KeySize | undefined;
  if (type === "ssh-rsa") {
    const [e, n] = [next(), next()];
    if (e && n) size = { bits: bitLength(n), type: "RSA" };
  } else if (type === "ssh-dss") {
    const [p, q, g, y] = [next(), next(), next(), next()];
    if (p && q && g && y) size = { bits: bitLength(p), type: "DSA" };
  } else if (type === "ecdsa-sha2-nistp256" || type === "ecdsa-sha2-nistp384" || type === "ecdsa-sha2-nistp521") {
    const [curve, point] = [next()?.toString("latin1"), next()];
    if (curve === type.slice("ecdsa-sha2-".length) && point) size = { bits: Number(curve.slice("nistp".length)), type: "ECDSA" };
  } else if (type === "ssh-ed25519") {
    if (next()?.length === 32) size = { bits: 256, type: "ED25519" };
  }
  // nothing may follow the key's own fields
  return off === blob.length ? size : undefined;
}
