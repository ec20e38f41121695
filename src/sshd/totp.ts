// The per-user TOTP secret file that libpam-google-authenticator reads (~USER/.google_authenticator):
// line 1 the base32 secret, then `" OPTION …` lines, then the emergency scratch codes (8 digits, one use
// each). rampart writes it in exactly the format the `google-authenticator` program writes, so the PAM
// module and that program can both read and rewrite it. Secrets come from node:crypto; base32 (RFC 4648,
// no padding) is a few lines, so it is written here rather than taken from a library.
import { randomBytes, randomInt } from "node:crypto";

export const TOTP_FILE_NAME = ".google_authenticator";
/** The module refuses a secret file that its owner's group or others can read; it rewrites the file itself. */
export const TOTP_FILE_MODE = 0o400;
export const SCRATCH_CODES = 5;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export interface TotpEnrolment {
  /** base32, 32 characters (160 bits, RFC 4226's recommended length) */
  secret: string;
  /** 8-digit one-time emergency codes */
  scratch: string[];
}

/** A fresh secret and scratch codes. */
export function newEnrolment(): TotpEnrolment {
  const scratch: string[] = [];
  while (scratch.length < SCRATCH_CODES) {
    // the module takes 8-digit codes without a leading zero (it parses them as numbers ≥ 10000000)
    const code = String(randomInt(10_000_000, 100_000_000));
    if (!scratch.includes(code)) scratch.push(code);
  }
  return { secret: base32(randomBytes(20)), scratch };
}

/**
 * The file's text, as `google-authenticator --time-based --disallow-reuse --rate-limit=3 --rate-time=30
 * --window-size=3` writes it: a code may be used once, at most 3 logins per 30 s, and one step of clock
 * drift either way is accepted.
 */
export function totpFileText(e: TotpEnrolment): string {
  return [e.secret, '" RATE_LIMIT 3 30', '" WINDOW_SIZE 3', '" DISALLOW_REUSE', '" TOTP_AUTH', ...e.scratch, ""].join("\n");
}

export interface TotpFileInfo {
  /** the first line looks like a base32 secret */
  validSecret: boolean;
  /** TOTP_AUTH is set (not the counter-based HOTP mode) */
  timeBased: boolean;
  /** how many scratch codes are left */
  scratchLeft: number;
}

/** What a secret file holds, without keeping the secret. */
export function readTotpFile(text: string): TotpFileInfo {
  const lines = text.split("\n");
  const first = (lines[0] ?? "").trim();
  return {
    validSecret: /^[A-Z2-7]{16,}$/.test(first),
    timeBased: lines.some((l) => l.trim() === '" TOTP_AUTH'),
    scratchLeft: lines.slice(1).filter((l) => /^\d{8}$/.test(l.trim())).length,
  };
}

/** The otpauth:// URI an authenticator app reads from the QR code (Key Uri Format: label, secret, issuer). */
export function otpauthUri(user: string, host: string, secret: string): string {
  const issuer = "rampart";
  const label = encodeURIComponent(`${issuer}:${user}@${host}`);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
