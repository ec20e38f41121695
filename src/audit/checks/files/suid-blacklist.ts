// FILE-SUID-BLACKLIST: none of the programs on dev-sec's SUID/SGID blacklist carries the setuid or setgid
// bit — r-commands, ssh-keysign (host-based authentication), pppd, lock helpers, arping, mtr… each is a
// root-privileged attack surface a server does not need. dev-sec's check is "SUID/SGID files found by a
// full walk ∩ this list", which is exactly a stat of each listed path: no file-system walk needed.
import { oct } from "../../mode.js";
import type { Check } from "../../types.js";

/** dev-sec linux-baseline libraries/suid_blacklist.rb (the NSA list and its additions) */
export const SUID_BLACKLIST = [
  "/usr/bin/rcp",
  "/usr/bin/rlogin",
  "/usr/bin/rsh",
  "/usr/libexec/openssh/ssh-keysign",
  "/usr/lib/openssh/ssh-keysign",
  "/sbin/netreport",
  "/usr/sbin/usernetctl",
  "/usr/sbin/userisdnctl",
  "/usr/sbin/pppd",
  "/usr/bin/lockfile",
  "/usr/bin/mail-lock",
  "/usr/bin/mail-unlock",
  "/usr/bin/mail-touchlock",
  "/usr/bin/dotlockfile",
  "/usr/bin/arping",
  "/usr/sbin/arping",
  "/usr/sbin/uuidd",
  "/usr/bin/mtr",
  "/usr/lib/evolution/camel-lock-helper-1.2",
  "/usr/lib/pt_chown",
  "/usr/lib/eject/dmcrypt-get-device",
  "/usr/lib/mc/cons.saver",
];

export const suidBlacklist: Check = {
  id: "FILE-SUID-BLACKLIST",
  area: "files",
  title: "No blacklisted program is setuid or setgid",
  severity: "low",
  remediation:
    "Remove the bit (`chmod u-s,g-s PATH`, and `dpkg-statoverride --add root root 0755 PATH` so upgrades keep it off) or purge the package.",
  refs: ["dev-sec linux-baseline os-06"],
  async run(ctx) {
    const found: string[] = [];
    await Promise.all(
      SUID_BLACKLIST.map(async (p) => {
        // lstat: a symlink has no setuid bit of its own; the file it names is on the list under its own path
        const st = await ctx.fs.lstat(p);
        if (st?.isFile() && st.mode & 0o6000) found.push(`${p} (${oct(st.mode)})`);
      }),
    );
    found.sort();
    const expected = "none of the blacklisted paths setuid/setgid";
    if (found.length) return { status: "fail", observed: found, expected, source: found.map((f) => f.split(" ")[0]).join(", ") };
    return { status: "pass", observed: [], expected, source: `${SUID_BLACKLIST.length} paths of the dev-sec blacklist` };
  },
};
