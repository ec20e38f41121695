// #13: Unicode in attacker-chosen text (a user name) must not let a line dodge a translated fail2ban filter.
// Debian's roundcube-auth (`.*`), gitlab (`.+`) and vsftpd (`\S*`, `.*`) filters, run by `rampart guard test
// fail2ban:NAME` end to end, over failure lines whose user names hold characters where JS and Python regex
// classes differ: CR, U+2028, U+2029 (JS's `.` refuses them, Python's does not), U+FEFF (in JS's \s, not in
// Python's). fail2ban-regex matches every one of these lines (checked by hand with fail2ban 1.0.2).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { runCli } from "../helpers/cli.js";

const FILTERS = "/etc/fail2ban/filter.d";

const CASES: { filter: string; lines: string[]; addresses: string[] }[] = [
  {
    filter: "roundcube-auth",
    lines: [
      "[10-Jan-2026 12:00:00 +0000]: <abc123> Failed login for admin from 203.0.113.5 in session abcdef (error: 0)",
      "[10-Jan-2026 12:00:01 +0000]: <abc123> Failed login for ad\u2028min from 203.0.113.6 in session abcdef (error: 0)",
      "[10-Jan-2026 12:00:02 +0000]: <abc123> Failed login for ad\rmin from 203.0.113.7 in session abcdef (error: 0)",
    ],
    addresses: ["203.0.113.5", "203.0.113.6", "203.0.113.7"],
  },
  {
    filter: "gitlab",
    lines: [
      "2026-01-10T12:00:00.000Z: Failed Login: username=root ip=203.0.113.8",
      "2026-01-10T12:00:01.000Z: Failed Login: username=ro\u2029ot ip=203.0.113.9",
      "2026-01-10T12:00:03.000Z: Failed Login: username=Jos\u00e9\u2028x ip=203.0.113.10",
      // Python's \d takes Arabic-Indic digits, so the regex matches; the address is still refused (not an IP)
      "2026-01-10T12:00:04.000Z: Failed Login: username=root ip=\u0662\u0660\u0663.0.113.1",
    ],
    addresses: ["203.0.113.8", "203.0.113.9", "203.0.113.10"],
  },
  {
    filter: "vsftpd",
    lines: [
      "Jan 10 12:00:00 host vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=admin rhost=203.0.113.20",
      "Jan 10 12:00:01 host vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=ad\ufeffmin rhost=203.0.113.21",
      "Jan 10 12:00:02 host vsftpd: pam_unix(vsftpd:auth): authentication failure; logname= uid=0 euid=0 tty=ftp ruser=admin rhost=203.0.113.22  user=a\u2028b",
    ],
    addresses: ["203.0.113.20", "203.0.113.21", "203.0.113.22"],
  },
];

describe("translated fail2ban filters match lines with Unicode user names (#13)", () => {
  for (const c of CASES) {
    const skip = existsSync(`${FILTERS}/${c.filter}.conf`)
      ? false
      : `${FILTERS}/${c.filter}.conf is not installed (apt-get install fail2ban)`;
    test(`fail2ban:${c.filter}: every failure line gives its address`, { skip }, async () => {
      const r = await runCli(["guard", "test", `fail2ban:${c.filter}`, "-", "--json"], { input: `${c.lines.join("\n")}\n` });
      assert.equal(r.code, 0, r.stderr);
      const j = JSON.parse(r.stdout) as { lines: number; matches: { line: number; address: string }[] };
      assert.equal(j.lines, c.lines.length);
      assert.deepEqual(
        j.matches.map((m) => m.address),
        c.addresses,
      );
    });
  }
});
