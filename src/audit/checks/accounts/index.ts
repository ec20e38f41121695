// The accounts area's checks, in report order. Each check lives in its own small module beside this file.
import type { Check } from "../../types.js";
import { adminKeys } from "./admin-keys.js";
import { adminSudo } from "./admin-sudo.js";
import { emptyPasswords } from "./empty-passwords.js";
import { loginDefsCheck } from "./login-defs.js";
import { pamFaillock } from "./pam-faillock.js";
import { pamPwquality } from "./pam-pwquality.js";
import { passwdNoHash } from "./passwd-no-hash.js";
import { passwordHashing } from "./password-hashing.js";
import { rootPasswordLocked } from "./root-password-locked.js";
import { shadowModes } from "./shadow-modes.js";
import { sudoAdminNopasswd } from "./sudo-admin-nopasswd.js";
import { sudoNopasswdAll } from "./sudo-nopasswd.js";
import { sudoersModes } from "./sudoers-modes.js";
import { uid0OnlyRoot } from "./uid0-only-root.js";
import { uniqueIds } from "./unique-ids.js";

export const checks: Check[] = [
  adminSudo,
  adminKeys,
  rootPasswordLocked,
  uid0OnlyRoot,
  uniqueIds,
  emptyPasswords,
  passwdNoHash,
  sudoNopasswdAll,
  sudoAdminNopasswd,
  sudoersModes,
  passwordHashing,
  loginDefsCheck,
  shadowModes,
  pamPwquality,
  pamFaillock,
];
