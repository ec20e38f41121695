// Options OpenSSH removed — Protocol (7.6: SSH-1 gone), UseLogin (7.4) and UsePrivilegeSeparation (7.5:
// always on, sandboxed) — dev-sec's sshd-10/15/16. On an OpenSSH that still has them, the effective value
// is judged; on a newer one sshd ignores the line ("Deprecated option"), which the baseline accepts and
// `audit.profile: strict` does not (dev-sec: the option must be absent). A config tree's OpenSSH version
// is unknown: a weakening line there is a warning, since an older sshd would honour it.
import { type OpenSshVersion, setting } from "../../../sshd/effective.js";
import { keyOf } from "../../../sshd/keywords.js";
import { where } from "../../../sshd/load.js";
import { keywordOfCheck } from "../../../sshd/settings.js";
import type { Check, CheckMeta } from "../../types.js";
import { isStrict } from "../../profile.js";
import { DEVSEC, factsOrSkip, isOutcome, viewFor, viewNotes } from "./setting.js";

interface ObsoleteSpec extends Omit<CheckMeta, "area" | "strict"> {
  /** the OpenSSH version that removed the option */
  removedIn: [number, number];
  /** a value that weakens an sshd that still honours it */
  weak(value: string): boolean;
  /** what an older sshd must have */
  want: string;
}

const older = (v: OpenSshVersion, [major, minor]: [number, number]) => v.major < major || (v.major === major && v.minor < minor);

function obsoleteOption(spec: ObsoleteSpec): Check {
  const { removedIn, weak, want, ...meta } = spec;
  const keyword = keywordOfCheck(meta.id);
  const since = `OpenSSH ${removedIn.join(".")}`;
  return {
    ...meta,
    area: "ssh",
    strict: `no ${keyword} line at all (dev-sec: sshd ≥ ${removedIn.join(".")} ignores it, so it must be gone)`,
    async run(ctx) {
      const f = await factsOrSkip(ctx);
      if (isOutcome(f)) return f;
      const notes = viewNotes(f);
      const lines = f.config.directives.filter((d) => d.key === keyOf(keyword));
      const first = lines[0];
      const written = first?.args.join(" ");
      const source = first ? where(first) : "default";
      const reasonOf = (...r: (string | undefined)[]) => {
        const text = [...r, ...notes].filter(Boolean).join(" — ");
        return text ? { reason: text } : {};
      };
      if (f.version && older(f.version, removedIn)) {
        const eff = setting(viewFor(f, "unknown user"), keyword);
        const value = eff?.values[0] ?? written ?? want;
        const out = { observed: value, expected: want, source: eff?.source ?? source };
        return weak(value)
          ? { status: "fail", ...out, ...reasonOf(`${f.version.text} still honours ${keyword}`) }
          : { status: "pass", ...out, ...reasonOf() };
      }
      const expected = isStrict(ctx) ? `no ${keyword} line` : `no weakening ${keyword} line`;
      if (!first)
        return { status: "pass", observed: "not set", expected, source, ...reasonOf(f.version ? `removed in ${since}` : undefined) };
      if (!f.version && lines.some((d) => weak(d.args.join(" "))))
        return {
          status: "warn",
          observed: written,
          expected,
          source,
          ...reasonOf(`the OpenSSH version is unknown: an sshd older than ${since.slice(8)} would honour it`),
        };
      if (isStrict(ctx))
        return {
          status: "fail",
          observed: written,
          expected,
          source,
          ...reasonOf(`sshd ignores it since ${since}: remove the stale line`),
        };
      return { status: "pass", observed: written, expected, source, ...reasonOf(`ignored since ${since} (sshd logs "Deprecated option")`) };
    },
  };
}

export const protocol = obsoleteOption({
  id: "SSH-PROTOCOL",
  title: "Only SSH protocol 2",
  severity: "high",
  remediation: "Remove the `Protocol` line from the sshd config (OpenSSH ≥ 7.6 speaks only protocol 2); on an older sshd set `Protocol 2`.",
  refs: [DEVSEC("sshd-10")],
  removedIn: [7, 6],
  weak: (v) => v.split(",").some((p) => p.trim() === "1"),
  want: "2",
});

export const useLogin = obsoleteOption({
  id: "SSH-USE-LOGIN",
  title: "sshd does not use login(1) for sessions (UseLogin)",
  severity: "medium",
  remediation: "Remove the `UseLogin` line (OpenSSH ≥ 7.4 has no such option); on an older sshd set `UseLogin no`.",
  refs: [DEVSEC("sshd-15")],
  removedIn: [7, 4],
  weak: (v) => v.toLowerCase() === "yes",
  want: "no",
});

export const privilegeSeparation = obsoleteOption({
  id: "SSH-PRIVILEGE-SEPARATION",
  title: "Privilege separation is on (UsePrivilegeSeparation)",
  severity: "high",
  remediation:
    "Remove the `UsePrivilegeSeparation` line (OpenSSH ≥ 7.5 always separates and sandboxes); on an older sshd set `UsePrivilegeSeparation sandbox`.",
  refs: [DEVSEC("sshd-16")],
  removedIn: [7, 5],
  weak: (v) => v.toLowerCase() === "no",
  want: "sandbox",
});
