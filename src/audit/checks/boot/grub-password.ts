// BOOT-GRUB-PASSWORD: GRUB asks for a password before its menu entries can be edited, so someone at the
// console (or a cloud serial console) cannot boot into single-user mode with init=/bin/sh. Strict-only:
// on a rented server the console is the provider's, and a forgotten GRUB password blocks recovery.
import { grubFacts } from "../../../facts/grub.js";
import type { Check } from "../../types.js";
import { skip } from "../../types.js";
import { isStrict, onlyStrictRequires } from "../../profile.js";

export const grubPassword: Check = {
  id: "BOOT-GRUB-PASSWORD",
  area: "boot",
  title: "the boot loader is password-protected",
  severity: "low",
  remediation:
    '`grub-mkpasswd-pbkdf2`, then in /etc/grub.d/40_custom: `set superusers="root"` and `password_pbkdf2 root grub.pbkdf2.sha512…`; add --unrestricted to the default entries if unattended boots must still work; `update-grub`.',
  refs: ["Lynis BOOT-5122", "CIS Debian 12: Ensure bootloader password is set"],
  strict: "requires a GRUB superuser password; the baseline profile does not",
  async run(ctx) {
    const g = await grubFacts(ctx);
    if (!g) return skip("no GRUB configuration (/boot/grub/grub.cfg)");
    const expected = "set superusers= and a password_pbkdf2 line";
    if (g.superusers && g.password?.kind === "password_pbkdf2")
      return { status: "pass", observed: `superusers=${g.superusers.value}, password_pbkdf2`, expected, source: g.password.source };
    if (!isStrict(ctx)) return onlyStrictRequires("a boot loader password");
    const observed = g.password
      ? `${g.password.kind}${g.password.kind === "password" ? " (clear text)" : ""}${g.superusers ? "" : ", no superusers"}`
      : "no password";
    return { status: "fail", observed, expected, source: g.password?.source ?? g.file };
  },
};
