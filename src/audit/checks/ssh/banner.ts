// SSH-BANNER and SSH-DEBIAN-BANNER: what sshd tells a client before it has logged in. dev-sec sshd-46 wants
// no Banner at all and sshd-47 `DebianBanner no` (the version string then omits the Debian revision). A
// legal-notice banner (CIS asks for one) is fine under the baseline — unless it names the OS; the Debian
// revision in the version string helps an attacker pick exploits only a little, so only strict asks.
import { setting } from "../../../sshd/effective.js";
import { normalizeValue } from "../../../sshd/keywords.js";
import { where } from "../../../sshd/load.js";
import { resolveFor } from "../../../sshd/match.js";
import { keywordOfCheck } from "../../../sshd/settings.js";
import type { Check, Outcome } from "../../types.js";
import { isStrict } from "../../profile.js";
import { DEVSEC, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

/** Words that tell a visitor which system this is. Literal alternatives only (no backtracking). */
const NAMES_OS = /\b(debian|ubuntu|centos|red hat|rhel|fedora|rocky|almalinux|suse|alpine|gnu\/linux|linux [0-9]|kernel|openssh)\b/i;

const withNotes = (o: Outcome, notes: string[]): Outcome => {
  const reason = [o.reason, ...notes].filter(Boolean).join(" — ");
  return reason ? { ...o, reason } : o;
};

export const banner: Check = {
  id: "SSH-BANNER",
  area: "ssh",
  title: "The pre-login banner does not name the system",
  severity: "low",
  remediation:
    "Set `Banner none` in /etc/ssh/sshd_config.d/00-rampart.conf, or keep a banner file with a legal notice only (no OS name or version).",
  refs: [DEVSEC("sshd-46")],
  strict: "Banner none (dev-sec sshd-46)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const s = setting(viewFor(f, "unknown user"), keywordOfCheck("SSH-BANNER"));
    const value = s?.values[0] ?? "none";
    const source = s?.source ?? "default";
    const notes = viewNotes(f);
    const strict = isStrict(ctx);
    const expected = strict ? "none" : "none, or a file that does not name the OS";
    if (value === "none") return withNotes({ status: "pass", observed: value, expected, source }, notes);
    if (strict) return withNotes({ status: "fail", observed: value, expected, source, reason: "a banner is shown before login" }, notes);
    const text = await ctx.fs.readTextIfExists(value);
    if (text === undefined)
      return withNotes(
        { status: "pass", observed: value, expected, source, reason: `${value} does not exist: sshd sends no banner` },
        notes,
      );
    const hit = NAMES_OS.exec(text.slice(0, 8192));
    if (hit)
      return withNotes(
        {
          status: "warn",
          observed: `${value}: "${hit[0]}"`,
          expected,
          source,
          reason: "the banner tells every visitor which system this is",
        },
        notes,
      );
    return withNotes({ status: "pass", observed: value, expected, source }, notes);
  },
};

export const debianBanner: Check = {
  id: "SSH-DEBIAN-BANNER",
  area: "ssh",
  title: "The version string does not carry the Debian revision (DebianBanner)",
  severity: "info",
  remediation: "Set `DebianBanner no` in /etc/ssh/sshd_config.d/00-rampart.conf.",
  refs: [DEVSEC("sshd-47")],
  strict: "DebianBanner no on a Debian/Ubuntu sshd (dev-sec sshd-47)",
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    // Debian's patch; `sshd -T` does not print it, so the files decide (the compiled-in default is yes)
    const keyword = keywordOfCheck("SSH-DEBIAN-BANNER");
    const r = resolveFor(f.config, keyword, viewFor(f, "unknown user").connection);
    const notes = viewNotes(f);
    const debian = f.version ? /^(Debian|Ubuntu)/.test(f.version.distro ?? "") : await ctx.fs.exists("/etc/debian_version");
    const value = r.source && r.args ? normalizeValue(keyword.toLowerCase(), r.args.join(" ")) : debian ? "yes" : "no";
    const source = r.source ? where(r.source) : "default";
    const strict = isStrict(ctx);
    const expected = strict ? "no" : "any (strict: no)";
    if (!debian && !r.source) return withNotes({ status: "pass", observed: "not a Debian build", expected, source }, notes);
    if (value !== "yes") return withNotes({ status: "pass", observed: value, expected, source }, notes);
    const revision = f.version?.distro ? ` (${f.version.distro})` : "";
    if (strict)
      return withNotes(
        { status: "fail", observed: value, expected, source, reason: `the version string names the Debian revision${revision}` },
        notes,
      );
    return withNotes(
      {
        status: "pass",
        observed: value,
        expected,
        source,
        reason: `the version string names the Debian revision${revision}; audit.profile strict wants DebianBanner no`,
      },
      notes,
    );
  },
};
