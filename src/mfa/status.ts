// src/mfa/ — the TOTP second factor for SSH. Imports the layers below (and apply/accounts); imported by
// audit/, apply/ and cli/.
// Per user: is a second factor required (what sshd will really ask, `sshd -T -C user=…` plus the PAM
// stack) and is the user enrolled (a TOTP secret file the PAM module will accept: a regular file owned by
// the user, not readable by group or others, time-based). Read-only; the secret itself is never kept.
// Shared by the audit (SSH-MFA) and `rampart mfa status`.
import path from "node:path";
import { accounts } from "../facts/passwd.js";
import { PROBE_ADDR, sshdInstall } from "../facts/sshd.js";
import type { FactContext } from "../facts/context.js";
import { effectiveView, setting } from "../sshd/effective.js";
import type { Connection } from "../sshd/match.js";
import type { HostFs } from "../system/hostfs.js";
import { PAM_SSHD, TOTP_MODULE, pamUsesModule } from "../sshd/pam.js";
import { TOTP_FILE_NAME, readTotpFile } from "../sshd/totp.js";
import { type SecondFactor, secondFactorOf } from "./factor.js";

export interface MfaUserStatus {
  user: string;
  /** the user exists on the host */
  exists: boolean;
  /** the secret file (target path), when the user has a home */
  file?: string;
  /** a secret file the PAM module will accept */
  enrolled: boolean;
  /** why an existing secret file would be refused (mode, owner, content) */
  problem?: string;
  /** what sshd asks after the key for this user */
  required: SecondFactor;
  /** the AuthenticationMethods value and where it came from */
  authenticationMethods: string;
  source: string;
}

/** PAM modules that make keyboard-interactive a one-time code: rampart's, and libpam-oath's if an admin set it up. */
const OTP_MODULES = [TOTP_MODULE, "pam_oath.so"];

/** Does sshd's PAM stack run a one-time-code module (in auth)? */
export function pamTotp(ctx: FactContext): Promise<boolean> {
  return ctx.memo("pam:sshd:totp", async () => {
    const text = (await ctx.fs.readTextIfExists(PAM_SSHD)) ?? "";
    return OTP_MODULES.some((m) => pamUsesModule(text, m));
  });
}

export async function mfaStatus(ctx: FactContext, users: readonly string[]): Promise<MfaUserStatus[]> {
  const [facts, db, pam] = await Promise.all([sshdInstall(ctx), accounts(ctx), pamTotp(ctx)]);
  const out: MfaUserStatus[] = [];
  for (const user of users) {
    const u = db.user(user);
    const groups = u
      ? [...new Set([db.groupByGid(u.gid)?.name, ...db.groups.filter((g) => g.members.includes(user)).map((g) => g.name)])]
      : [];
    const conn: Connection = { user, host: PROBE_ADDR, addr: PROBE_ADDR };
    if (u) conn.groups = groups.filter((g): g is string => g !== undefined);
    else conn.invalidUser = true;
    const view = await effectiveView(ctx.run, facts.config, conn, { sshd: facts.binary, live: ctx.live });
    const am = setting(view, "AuthenticationMethods");
    const usePam = setting(view, "UsePAM")?.values[0] === "yes";
    const methods = am?.values.join(" ") ?? "any";
    const s: MfaUserStatus = {
      user,
      exists: u !== undefined,
      enrolled: false,
      required: secondFactorOf(methods, pam && usePam),
      authenticationMethods: methods,
      source: am?.source ?? "default",
    };
    if (u?.home.startsWith("/") && u.home !== "/") {
      const file = path.posix.join(u.home, TOTP_FILE_NAME);
      s.file = file;
      const problem = await secretProblem(ctx.fs, file, u.uid);
      if (problem === undefined) s.enrolled = true;
      else if (problem !== "absent") s.problem = problem;
    }
    out.push(s);
  }
  return out;
}

/** undefined when the module will accept the file; "absent" when there is none; else why not. */
export async function secretProblem(fs: HostFs, file: string, uid: number): Promise<string | undefined> {
  const st = await fs.lstat(file);
  if (!st) return "absent";
  if (!st.isFile()) return `${file} is not a regular file`;
  if (st.uid !== uid) return `${file} is owned by uid ${st.uid}, not by the user (the PAM module refuses it)`;
  if ((st.mode & 0o077) !== 0)
    return `${file} has mode 0${(st.mode & 0o777).toString(8)}: group or others can read it (the PAM module refuses it; chmod 400)`;
  const info = readTotpFile((await fs.readTextIfExists(file)) ?? "");
  if (!info.validSecret) return `${file} does not start with a base32 secret`;
  if (!info.timeBased) return `${file} is counter-based (HOTP), not time-based: re-enroll with \`rampart mfa enroll USER --force\``;
  return undefined;
}
