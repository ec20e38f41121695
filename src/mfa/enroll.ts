// `rampart mfa enroll USER`: a fresh TOTP secret in ~USER/.google_authenticator (owned by the user, 0400,
// written atomically), the otpauth:// URI for an authenticator app, and the emergency scratch codes — shown
// once, by the CLI, never logged. Enrolling is refused when the user already has a secret unless `force`:
// replacing it silently would make the phone's current entry useless for a login that requires it.
import path from "node:path";
import { RampartError } from "../core/errors.js";
import { USERNAME_RE } from "../policy/schema.js";
import type { HostFs } from "../system/hostfs.js";
import { readAccounts } from "../facts/accounts.js";
import { TOTP_FILE_MODE, TOTP_FILE_NAME, newEnrolment, otpauthUri, totpFileText } from "../sshd/totp.js";

export interface Enrolled {
  user: string;
  /** the secret file (target path) */
  file: string;
  secret: string;
  uri: string;
  scratch: string[];
  /** an earlier secret was replaced (--force) */
  replaced: boolean;
}

/** Where a user's secret lives; NOT_FOUND when the user does not exist. */
export async function secretFileOf(fs: HostFs, user: string): Promise<{ file: string; uid: number; gid: number; home: string }> {
  if (!USERNAME_RE.test(user)) {
    throw new RampartError("USAGE", `"${user}" is not a user name`, {
      hint: "Give the login name of an admin, e.g. `rampart mfa enroll alice`.",
    });
  }
  const acc = await readAccounts(fs);
  const u = acc.users.get(user);
  if (!u) {
    throw new RampartError("NOT_FOUND", `user ${user} does not exist on this host`, {
      hint: "Create the admin first (`rampart apply --only users` creates the policy's admins), then enroll.",
    });
  }
  if (!u.home.startsWith("/") || u.home === "/") {
    throw new RampartError("REFUSED", `user ${user} has no home directory of their own (${u.home || "none"})`, {
      hint: `Give ${user} a home directory (usermod -d /home/${user} -m ${user}); the PAM module reads ~${user}/${TOTP_FILE_NAME}.`,
    });
  }
  return { file: path.posix.join(u.home, TOTP_FILE_NAME), uid: u.uid, gid: u.gid, home: u.home };
}

export async function enroll(fs: HostFs, user: string, options: { force?: boolean; hostname: string }): Promise<Enrolled> {
  const { file, uid, gid, home } = await secretFileOf(fs, user);
  const homeStat = await fs.stat(home);
  if (!homeStat?.isDirectory()) {
    throw new RampartError("NOT_FOUND", `${fs.display(home)}, the home directory of ${user}, does not exist`, {
      hint: `Create it (mkhomedir_helper ${user}), then enroll again.`,
    });
  }
  const existing = await fs.lstat(file);
  if (existing && !options.force) {
    throw new RampartError("REFUSED", `${user} is already enrolled (${fs.display(file)} exists)`, {
      hint: "`rampart mfa enroll USER --force` replaces the secret: the current authenticator entry and scratch codes stop working.",
    });
  }
  const e = newEnrolment();
  // owned by the user: the module reads it with the user's rights and rewrites it (used codes, rate limit)
  await fs.writeAtomic(file, totpFileText(e), { mode: TOTP_FILE_MODE, uid, gid });
  return { user, file, secret: e.secret, uri: otpauthUri(user, options.hostname, e.secret), scratch: e.scratch, replaced: !!existing };
}
