// BOOT-GRUB-CFG-MODES: grub.cfg is root's and only root writes it (a writable grub.cfg boots any kernel
// command line, e.g. init=/bin/sh, at the next reboot); when it holds a password hash, others cannot read
// it. grub-mkconfig writes 0444 without a password, so the baseline accepts world-readable; strict asks for
// 0600 or stricter (CIS, Lynis FILE-7524's permfile list).
import { grubFacts } from "../../../facts/grub.js";
import type { Check } from "../../types.js";
import { skip } from "../../types.js";
import { oct } from "../../mode.js";
import { isStrict } from "../../profile.js";

export const grubCfgModes: Check = {
  id: "BOOT-GRUB-CFG-MODES",
  area: "boot",
  title: "the boot loader configuration is writable by root only",
  severity: "medium",
  remediation: "`chown root:root /boot/grub/grub.cfg && chmod 0600 /boot/grub/grub.cfg` (update-grub keeps the mode of an existing file).",
  refs: ["Lynis FILE-7524", "Lynis BOOT-5184", "CIS Debian 12: Ensure access to bootloader config is configured"],
  strict:
    "requires 0600 or stricter (no group or other access); the baseline forbids only writes by others, and reads when a password hash is in it",
  async run(ctx) {
    const g = await grubFacts(ctx);
    if (!g) return skip("no GRUB configuration (/boot/grub/grub.cfg)");
    const mode = g.stat.mode & 0o7777;
    const observed = `${oct(mode)} uid ${g.stat.uid} gid ${g.stat.gid}`;
    const strict = isStrict(ctx);
    const forbidden = strict ? 0o7177 : g.password ? 0o7137 : 0o7133;
    const expected = strict
      ? "0600 root:root or stricter"
      : g.password
        ? "root-owned, 0640 or stricter (it holds a password hash)"
        : "root-owned, not writable by group or others";
    const bad = g.stat.uid !== 0 || (mode & forbidden) !== 0 || (g.stat.gid !== 0 && (mode & 0o020) !== 0);
    return { status: bad ? "fail" : "pass", observed, expected, source: g.file };
  },
};
