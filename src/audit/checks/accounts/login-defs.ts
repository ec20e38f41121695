// ACC-LOGIN-DEFS: /etc/login.defs (shadow-utils: password aging, UMASK of new home directories, the PATH
// su and login set, UID ranges, hashing rounds) is root's alone, and holds dev-sec linux-baseline's
// values. A file others can change, or not owned by root, fails. The values themselves differ from the
// Debian defaults (PASS_MAX_DAYS 99999, UMASK 022), and forced password expiry is contested (NIST SP 800-63B
// advises against it) — so under the baseline profile a value that differs warns; strict fails it.
import { oct } from "../../mode.js";
import { loginDefs, LOGIN_DEFS } from "../../../facts/login-defs.js";
import { isStrict } from "../../profile.js";
import type { Check } from "../../types.js";

interface Want {
  key: string;
  /** "eq": exactly this value; "includes": the value contains it (dev-sec's `include`) */
  test: "eq" | "includes" | "min";
  value: string;
  ref: string;
}

const SUPATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function wants(redhat: boolean): Want[] {
  const list: Want[] = [
    { key: "ENV_SUPATH", test: "includes", value: SUPATH, ref: "os-05" },
    { key: "ENV_PATH", test: "includes", value: "/usr/local/bin:/usr/bin:/bin", ref: "os-05" },
    { key: "UMASK", test: "includes", value: redhat ? "077" : "027", ref: "os-05, Lynis AUTH-9328" },
    { key: "PASS_MAX_DAYS", test: "eq", value: "60", ref: "os-05, Lynis AUTH-9286" },
    { key: "PASS_MIN_DAYS", test: "eq", value: "7", ref: "os-05, Lynis AUTH-9286" },
    { key: "PASS_WARN_AGE", test: "eq", value: "7", ref: "os-05" },
    { key: "LOGIN_RETRIES", test: "eq", value: "5", ref: "os-05" },
    { key: "LOGIN_TIMEOUT", test: "eq", value: "60", ref: "os-05" },
    { key: "UID_MIN", test: "eq", value: "1000", ref: "os-05" },
    { key: "GID_MIN", test: "eq", value: "1000", ref: "os-05" },
    { key: "SHA_CRYPT_MIN_ROUNDS", test: "min", value: "5000", ref: "Lynis AUTH-9230" },
    { key: "SHA_CRYPT_MAX_ROUNDS", test: "min", value: "5000", ref: "Lynis AUTH-9230" },
  ];
  if (redhat) {
    for (const [key, value] of [
      ["SYS_UID_MIN", "201"],
      ["SYS_UID_MAX", "999"],
      ["SYS_GID_MIN", "201"],
      ["SYS_GID_MAX", "999"],
    ] as const)
      list.push({ key, test: "eq", value, ref: "os-05b" });
  }
  return list;
}

function meets(w: Want, v: string | undefined): boolean {
  if (v === undefined) return false;
  if (w.test === "eq") return v === w.value;
  if (w.test === "includes") return v.includes(w.value);
  return /^\d+$/.test(v) && Number(v) >= Number(w.value);
}

export const loginDefsCheck: Check = {
  id: "ACC-LOGIN-DEFS",
  area: "accounts",
  title: "login.defs is root's alone and sets password aging, UMASK and PATH",
  severity: "medium",
  remediation:
    "`chown root:root /etc/login.defs && chmod 0644 /etc/login.defs`; in /etc/login.defs set UMASK 027, PASS_MAX_DAYS 60, PASS_MIN_DAYS 7, PASS_WARN_AGE 7, SHA_CRYPT_MIN_ROUNDS 5000, SHA_CRYPT_MAX_ROUNDS 5000 (and keep LOGIN_RETRIES 5, LOGIN_TIMEOUT 60, UID_MIN/GID_MIN 1000, the default ENV_PATH/ENV_SUPATH).",
  refs: [
    "dev-sec linux-baseline os-05",
    "dev-sec linux-baseline os-05b",
    "Lynis AUTH-9230",
    "Lynis AUTH-9286",
    "Lynis AUTH-9328",
    "CIS Debian 12: Ensure password expiration is configured",
  ],
  strict:
    "every value as dev-sec sets it (UMASK 027, PASS_MAX_DAYS 60, PASS_MIN_DAYS 7, PASS_WARN_AGE 7, rounds ≥ 5000…), and the file 0644 root:root exactly",
  async run(ctx) {
    const [defs, st, osRelease] = await Promise.all([loginDefs(ctx), ctx.fs.stat(LOGIN_DEFS), ctx.fs.readTextIfExists("/etc/os-release")]);
    if (!defs.present || !st)
      return { status: "fail", observed: "missing", expected: "/etc/login.defs, 0644 root:root", source: LOGIN_DEFS };
    // os-05b applies to the Red Hat family only (and its UMASK there is 077)
    const redhat = /^ID(_LIKE)?=.*\b(rhel|fedora|centos)\b/m.test(osRelease ?? "");
    const hard: string[] = [];
    const soft: string[] = [];
    const sources = new Set<string>();
    if (!st.isFile()) hard.push("not a regular file");
    if (st.uid !== 0) hard.push(`owned by uid ${st.uid}`);
    if (st.mode & 0o022) hard.push(`writable by ${st.mode & 0o002 ? "others" : "its group"} (${oct(st.mode)})`);
    if (st.gid !== 0) soft.push(`group ${st.gid}, not root`);
    if (st.mode & 0o111) soft.push(`executable (${oct(st.mode)})`);
    if ((st.mode & 0o444) !== 0o444) soft.push(`not readable by everyone (${oct(st.mode)})`);
    if (redhat && st.mode & 0o200) soft.push(`writable by its owner (${oct(st.mode)}; os-05b)`);
    if (hard.length || soft.length) sources.add(LOGIN_DEFS);
    const observed: Record<string, string> = { file: `${oct(st.mode)} uid ${st.uid} gid ${st.gid}` };
    const expected: Record<string, string> = { file: "0644 root:root" };
    for (const w of wants(redhat)) {
      const d = defs.get(w.key);
      observed[w.key] = d?.value ?? "not set";
      expected[w.key] = `${w.test === "includes" ? "contains " : w.test === "min" ? "at least " : ""}${w.value} (${w.ref})`;
      // yescrypt ignores the SHA rounds; only strict (Lynis) asks for them then
      const sha = w.key.startsWith("SHA_CRYPT_");
      const method = defs.get("ENCRYPT_METHOD")?.value.toUpperCase();
      if (sha && !isStrict(ctx) && method !== "SHA512" && method !== "SHA256") continue;
      if (!meets(w, d?.value)) {
        soft.push(`${w.key} ${d?.value ?? "not set"}`);
        sources.add(d?.source ?? LOGIN_DEFS);
      }
    }
    const source = [...sources].join(", ") || LOGIN_DEFS;
    if (hard.length) return { status: "fail", observed, expected, source, reason: [...hard, ...soft].join("; ") };
    if (soft.length) return { status: isStrict(ctx) ? "fail" : "warn", observed, expected, source, reason: soft.join("; ") };
    return { status: "pass", observed, expected, source };
  },
};
