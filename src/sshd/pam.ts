// sshd's PAM stack (/etc/pam.d/sshd) as rampart touches it: exactly one marked block, inserted just before
// the first `auth` line, and nothing else. The edit is lossless both ways — removing the block gives back
// the file byte for byte as it was before the insert — so rampart never rewrites a distribution's file and
// a second apply finds nothing to do. Used by the ssh part (ssh.mfa: totp) and by the audit (SSH-MFA).
import { RampartError } from "../core/errors.js";

export const PAM_SSHD = "/etc/pam.d/sshd";
export const PAM_BEGIN = "# BEGIN rampart ssh.mfa — managed by `rampart apply` (policy ssh.mfa); edits inside are overwritten";
export const PAM_END = "# END rampart ssh.mfa";

/** The Debian package that ships the module, and the module's name in the stack. */
export const TOTP_PACKAGE = "libpam-google-authenticator";
export const TOTP_MODULE = "pam_google_authenticator.so";

/**
 * The lines between the markers for a TOTP second factor. sshd asks for it through keyboard-interactive
 * after the key (AuthenticationMethods publickey,keyboard-interactive:pam). A good code ends the auth stack
 * (`success=done`), so the account password of common-auth below is not asked as well; any other result
 * fails the login at once (`default=die`). No `nullok`: a user without a secret is refused, never waved through.
 */
export function totpBlock(): string[] {
  return [
    "# a TOTP code (~/.google_authenticator) is the second factor after the SSH key; a good code ends the",
    "# auth stack here (the password of common-auth is not asked), anything else refuses the login",
    `auth [success=done new_authtok_reqd=done default=die] ${TOTP_MODULE}`,
  ];
}

interface Found {
  /** index of the BEGIN line and of the END line */
  begin: number;
  end: number;
}

const BEGIN_PREFIX = "# BEGIN rampart ssh.mfa";

function findBlock(lines: string[], file: string): Found | undefined {
  const begins = lines.flatMap((l, i) => (l.startsWith(BEGIN_PREFIX) ? [i] : []));
  const ends = lines.flatMap((l, i) => (l === PAM_END ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return undefined;
  const [begin, end] = [begins[0], ends[0]];
  if (begins.length !== 1 || ends.length !== 1 || begin === undefined || end === undefined || end < begin) {
    throw new RampartError(
      "STATE",
      `${file}: rampart's marked block is damaged (a BEGIN or END line is missing, repeated or out of order)`,
      {
        location: `${file}:${(begins[0] ?? ends[0] ?? 0) + 1}`,
        hint: `Remove the lines from "${BEGIN_PREFIX}" to "${PAM_END}" by hand (the markers too), then apply again.`,
      },
    );
  }
  return { begin, end };
}

/** The rampart block currently in the file (its lines between the markers), or undefined when there is none. */
export function pamBlockOf(text: string, file = PAM_SSHD): string[] | undefined {
  const lines = text.split("\n");
  const f = findBlock(lines, file);
  return f ? lines.slice(f.begin + 1, f.end) : undefined;
}

/**
 * The file with rampart's block set to `block` (inserted before the first auth line, or replaced in place),
 * or removed when `block` is undefined. Everything outside the block is kept byte for byte.
 */
export function withPamBlock(text: string, block: readonly string[] | undefined, file = PAM_SSHD): string {
  const lines = text.split("\n");
  const found = findBlock(lines, file);
  if (found) lines.splice(found.begin, found.end - found.begin + 1);
  if (block === undefined) return lines.join("\n");
  const wrapped = [PAM_BEGIN, ...block, PAM_END];
  // before the first auth rule (an @include common-auth counts): our module must run before the password one
  let at = lines.findIndex((l) => /^\s*-?auth\s/.test(l) || /^\s*@include\s+common-auth\b/.test(l));
  if (found) at = found.begin;
  else if (at === -1) at = lines.length > 0 && lines[lines.length - 1] === "" ? lines.length - 1 : lines.length;
  lines.splice(at, 0, ...wrapped);
  return lines.join("\n");
}

/** Does an auth line outside comments use this module (ours or one the admin wrote)? */
export function pamUsesModule(text: string, module: string): boolean {
  return text.split("\n").some((l) => {
    const code = l.replace(/#.*$/, "").trim();
    return /^-?auth\s/.test(code) && code.split(/\s+/).some((w) => w === module || w.endsWith(`/${module}`));
  });
}
