// Why rampart has no check for a control, by hand, keyed "<baseline> <id>" (baseline: ssh-baseline,
// linux-baseline, lynis). `rampart audit --coverage` shows the text for a control no check's refs name; a
// control that a check implements shows the check instead (a stale entry here is then just not shown).
// Only decisions go here — a control nobody has judged yet stays "open" in the table.

export const WHY_NOT: Readonly<Record<string, string>> = {
  // ---- Lynis tests that raised a finding on the reference Debian 12 server
  "lynis ACCT-9626":
    "sysstat collects performance counters (sar), not security events; process accounting (LOG-PROCESS-ACCOUNTING) and auditd record who ran what.",
  "lynis BOOT-5180": "Not a finding: Lynis asks the auditor to look at the runlevel/startup services; on systemd it has nothing to judge.",
  "lynis BOOT-5264":
    "`systemd-analyze security` scores every unit's sandboxing (exposure 0-10); that is a per-service review for its owner, not a host verdict, and takes seconds to compute.",
  "lynis DEB-0280":
    "libpam-tmpdir only sets $TMPDIR for PAM sessions; daemons are better isolated by systemd PrivateTmp=, and programs that ignore $TMPDIR gain nothing.",
  "lynis DEB-0810":
    "apt-listbugs shows Debian bug reports interactively before an install (meant for testing/unstable); on an unattended stable server it does nothing or blocks upgrades.",
  "lynis DEB-0811":
    "apt-listchanges shows or mails changelogs; informative, not a control. Security updates are judged by UPD-SECURITY-PENDING and UPD-UNATTENDED-ENABLED.",
  "lynis DEB-0880":
    "dpkg keeps a locally edited jail.conf (it asks before replacing a conffile); what matters is the jail that results, judged by DEF-SSHD-JAIL from the merged fail2ban configuration.",
  "lynis FINT-4315":
    "Not AIDE: rampart's own file integrity baseline replaces it (`rampart integrity`), judged by INT-BASELINE-PRESENT, INT-BASELINE-RECENT and INT-LAST-CHECK.",
  "lynis HRDN-7230":
    "Malware scanners (ClamAV, rkhunter, chkrootkit) mostly match Windows signatures or old rootkit names on a Linux server and raise false alarms; file integrity (INT-*) and MAC confinement (MAC-*) are the controls rampart judges.",
  "lynis KRNL-5788":
    "Lynis looks for /vmlinuz only to find the installed kernel version for its reboot test; rampart judges a pending reboot directly (UPD-REBOOT-REQUIRED), and cloud/container images often have no /vmlinuz symlink.",
  "lynis LYNIS": "About Lynis itself (its release is old), not about the host.",
  "lynis NAME-4028": "A missing DNS domain name in the resolver configuration is a naming choice, not a security weakness.",
  "lynis PKGS-7370":
    "debsums compares files with md5sums shipped on the same disk an attacker can rewrite; rampart's integrity baseline (INT-*) records hashes at a known-good time and can keep them off the host.",
  "lynis PKGS-7394":
    "apt-show-versions is a helper for listing upgradable packages; rampart reads the package lists itself (UPD-PENDING, UPD-SECURITY-PENDING).",
  "lynis TOOL-5002":
    "Whether Ansible/Puppet/Salt is present says nothing about the host's security; rampart's policy file is the desired state it applies.",
};
