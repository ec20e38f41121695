// Ratings of SSH algorithms, following ssh-audit's database (jtesta/ssh-audit ssh2_kexdb.py) as of 2025:
// "fail" = broken or SHA-1/small-block/CBC (the ones every hardening guide removes), "warn" = acceptable but
// worth replacing (NIST curves, encrypt-and-MAC, 2048-bit DH). Deviations from ssh-audit, on purpose:
// CBC ciphers and umac-64 are "fail" here (ssh-audit: warn) as the hardening guides remove them; NIST
// curves are "warn" (ssh-audit: fail) because they are OpenSSH's defaults and not broken. Data, not code.
export type Rating = "ok" | "warn" | "fail";

/**
 * The algorithm lists a hardened sshd offers — the one place they are spelled: `ssh.crypto: modern` writes
 * them (limited to what `ssh -Q` lists), `compatible` adds COMPATIBLE_EXTRA, and the audit's fixes name them.
 * Newest first; an OpenSSH that lacks one (mlkem768x25519-sha256 needs 9.9) simply does not get it.
 */
export const MODERN = {
  cipher: ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "aes256-ctr", "aes192-ctr", "aes128-ctr"],
  kex: [
    "mlkem768x25519-sha256",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha256",
  ],
  mac: ["hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"],
  hostkey: ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-256"],
} as const satisfies Record<AlgoKind, readonly string[]>;

/** What `ssh.crypto: compatible` adds for older clients: NIST-curve KEX and encrypt-and-MAC MACs (rated warn). */
export const COMPATIBLE_EXTRA = {
  kex: ["ecdh-sha2-nistp521", "ecdh-sha2-nistp384", "ecdh-sha2-nistp256"],
  mac: ["hmac-sha2-512", "hmac-sha2-256", "umac-128@openssh.com"],
} as const;
export type AlgoKind = "cipher" | "kex" | "mac" | "hostkey";

export interface AlgoRating {
  name: string;
  rating: Rating;
  reason?: string;
}

interface Rule {
  test: (n: string) => boolean;
  rating: Exclude<Rating, "ok">;
  reason: string;
}

const starts =
  (...ps: string[]) =>
  (n: string) =>
    ps.some((p) => n.startsWith(p));
const is =
  (...xs: string[]) =>
  (n: string) =>
    xs.includes(n);

const RULES: Record<AlgoKind, Rule[]> = {
  cipher: [
    { test: starts("arcfour"), rating: "fail", reason: "RC4 is broken" },
    { test: starts("3des", "des"), rating: "fail", reason: "64-bit block cipher (Sweet32), slow" },
    { test: starts("blowfish", "cast128", "idea"), rating: "fail", reason: "64-bit block cipher (Sweet32)" },
    {
      test: (n) => n.endsWith("-cbc") || n.includes("-cbc@") || n.startsWith("rijndael"),
      rating: "fail",
      reason: "CBC mode (plaintext recovery attacks)",
    },
    { test: is("none"), rating: "fail", reason: "no encryption" },
  ],
  mac: [
    { test: starts("hmac-md5"), rating: "fail", reason: "MD5 is broken" },
    { test: starts("hmac-sha1"), rating: "fail", reason: "SHA-1" },
    { test: starts("hmac-ripemd160"), rating: "fail", reason: "RIPEMD-160, 160-bit legacy MAC" },
    { test: starts("umac-64"), rating: "fail", reason: "64-bit tag" },
    { test: is("none"), rating: "fail", reason: "no integrity" },
    { test: (n) => !n.includes("-etm@"), rating: "warn", reason: "encrypt-and-MAC mode (prefer -etm@openssh.com)" },
  ],
  kex: [
    { test: is("diffie-hellman-group1-sha1"), rating: "fail", reason: "1024-bit modulus, SHA-1" },
    { test: is("diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "rsa1024-sha1"), rating: "fail", reason: "SHA-1" },
    { test: (n) => n.startsWith("gss-") && n.includes("sha1"), rating: "fail", reason: "SHA-1" },
    { test: starts("ecdh-sha2-nistp"), rating: "warn", reason: "NIST P-curves (ssh-audit: suspected weak curves)" },
    { test: is("diffie-hellman-group14-sha256"), rating: "warn", reason: "2048-bit modulus" },
  ],
  hostkey: [
    { test: starts("ssh-dss"), rating: "fail", reason: "DSA: 1024-bit, SHA-1" },
    { test: is("ssh-rsa", "ssh-rsa-cert-v01@openssh.com"), rating: "fail", reason: "RSA with SHA-1 signatures" },
    { test: starts("ecdsa-sha2-nistp", "sk-ecdsa-sha2-nistp"), rating: "warn", reason: "NIST P-curves, random-nonce signatures" },
  ],
};

/** Pseudo-algorithms advertised in KEX lists that are not algorithms (strict KEX, ext-info). */
const PSEUDO = /^(kex-strict-[cs]-v00|ext-info-[cs]|kex-strict-[cs])/;

export function rateAlgorithm(kind: AlgoKind, name: string): AlgoRating {
  for (const r of RULES[kind]) if (r.test(name)) return { name, rating: r.rating, reason: r.reason };
  return { name, rating: "ok" };
}

/** Rate a comma-separated list as sshd prints it. */
export function rateList(kind: AlgoKind, list: string): AlgoRating[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s && !PSEUDO.test(s))
    .map((n) => rateAlgorithm(kind, n));
}

export function worst(ratings: AlgoRating[]): Rating {
  if (ratings.some((r) => r.rating === "fail")) return "fail";
  if (ratings.some((r) => r.rating === "warn")) return "warn";
  return "ok";
}

/**
 * Terrapin (CVE-2023-48795): a prefix-truncation attack on chacha20-poly1305 and on any -etm MAC combined
 * with a CBC cipher, prevented only when both sides support strict KEX (OpenSSH ≥ 9.6, or a distribution
 * backport such as Debian 1:9.2p1-2+deb12u2).
 */
export function terrapinModes(ciphers: string[], macs: string[]): string[] {
  const modes: string[] = [];
  if (ciphers.includes("chacha20-poly1305@openssh.com")) modes.push("chacha20-poly1305@openssh.com");
  const cbc = ciphers.filter((c) => c.endsWith("-cbc") || c.startsWith("rijndael"));
  const etm = macs.filter((m) => m.includes("-etm@"));
  if (cbc.length > 0 && etm.length > 0) modes.push(`${cbc[0]} with ${etm[0]} (CBC + EtM)`);
  return modes;
}
