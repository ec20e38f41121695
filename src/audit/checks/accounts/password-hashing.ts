// ACC-PASSWORD-HASHING: new passwords are hashed with SHA512 or yescrypt (ENCRYPT_METHOD in /etc/login.defs,
// and the pam_unix option in /etc/pam.d/common-password, which is what passwd uses on Debian), and no
// existing hash in /etc/shadow is DES or MD5 (crackable in minutes to hours).
import { shadow } from "../../../facts/passwd.js";
import type { Check } from "../../types.js";

const GOOD_METHODS = new Set(["SHA512", "YESCRYPT"]);
const WEAK_SCHEMES = new Set(["des", "md5"]);
const PAM_METHODS = ["yescrypt", "gost_yescrypt", "sha512", "sha256", "blowfish", "bigcrypt", "md5"] as const;
const PAM_GOOD = new Set(["yescrypt", "gost_yescrypt", "sha512"]);

export const passwordHashing: Check = {
  id: "ACC-PASSWORD-HASHING",
  area: "accounts",
  title: "Passwords are hashed with SHA512 or yescrypt",
  severity: "medium",
  remediation:
    "Set `ENCRYPT_METHOD YESCRYPT` (or SHA512) in /etc/login.defs and `yescrypt` on the pam_unix line of /etc/pam.d/common-password; then make the listed users set a new password (`passwd -e NAME`).",
  refs: ["Lynis AUTH-9229", "CIS Debian 12: Ensure strong password hashing algorithm is configured"],
  async run(ctx) {
    const [defs, pam, sh] = await Promise.all([
      ctx.fs.readTextIfExists("/etc/login.defs"),
      ctx.fs.readTextIfExists("/etc/pam.d/common-password"),
      shadow(ctx),
    ]);
    const problems: string[] = [];
    const sources: string[] = [];
    const observed: Record<string, unknown> = {};

    let method: { value: string; source: string } | undefined;
    (defs ?? "").split("\n").forEach((l, i) => {
      const m = /^\s*ENCRYPT_METHOD\s+(\S+)/.exec(l);
      if (m) method = { value: (m[1] ?? "").toUpperCase(), source: `/etc/login.defs:${i + 1}` };
    });
    if (defs === undefined) observed.ENCRYPT_METHOD = "no /etc/login.defs";
    else if (!method) {
      observed.ENCRYPT_METHOD = "not set (shadow-utils then uses DES)";
      problems.push("ENCRYPT_METHOD not set");
      sources.push("/etc/login.defs");
    } else {
      observed.ENCRYPT_METHOD = method.value;
      if (!GOOD_METHODS.has(method.value)) {
        problems.push(`ENCRYPT_METHOD ${method.value}`);
        sources.push(method.source);
      }
    }

    if (pam !== undefined) {
      pam.split("\n").forEach((l, i) => {
        if (!/^\s*password\s/.test(l) || !/\bpam_unix\.so\b/.test(l)) return;
        const opts = l.split(/\s+/);
        const used = PAM_METHODS.find((m) => opts.includes(m));
        observed.pam_unix = used ?? "none given (pam_unix then uses login.defs)";
        if (used && !PAM_GOOD.has(used)) {
          problems.push(`pam_unix ${used}`);
          sources.push(`/etc/pam.d/common-password:${i + 1}`);
        }
      });
    }

    const weak = (sh ?? []).filter((e) => e.scheme !== undefined && WEAK_SCHEMES.has(e.scheme));
    observed.weakHashes = weak.map((e) => `${e.name} (${e.scheme})`);
    for (const e of weak) {
      problems.push(`${e.name} has a ${e.scheme} hash`);
      sources.push(e.source);
    }

    const expected = { ENCRYPT_METHOD: "SHA512 or YESCRYPT", pam_unix: "yescrypt or sha512", weakHashes: [] };
    if (problems.length > 0) return { status: "fail", observed, expected, source: sources.join(", "), reason: problems.join("; ") };
    return { status: "pass", observed, expected, source: method?.source ?? "/etc/login.defs" };
  },
};
