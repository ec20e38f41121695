// What the ssh client (ssh_config) checks share: the facts or the skip when openssh-client is absent, the
// profile in force, and the shape of a check that judges one setting for `Host *` (the value, its file:line
// or "OpenSSH default", and the lines that may change it for some connections). dev-sec judges these
// settings in /etc/ssh/ssh_config (controls ssh-01 … ssh-22 of its ssh-baseline).
import { type ClientSetting, type SshClientFacts, clientSetting, settingNotes, sshClientFacts } from "../../../../facts/ssh-client.js";
import type { AuditContext, Check, CheckMeta, Outcome } from "../../../types.js";
import { isStrict } from "../../../profile.js";
import { skip } from "../../../types.js";

export const CLIENT_NOT_INSTALLED = "openssh-client not installed";

export async function clientFactsOrSkip(ctx: AuditContext): Promise<SshClientFacts | Outcome> {
  const f = await sshClientFacts(ctx);
  if (!f.installed && !f.configTree) return skip(CLIENT_NOT_INSTALLED);
  return f;
}

export const isOutcome = (x: SshClientFacts | Outcome): x is Outcome => "status" in x;

export const DEVSEC = (n: number) => `dev-sec ssh-baseline ssh-${String(n).padStart(2, "0")}`;

export interface Verdict {
  status: "pass" | "warn" | "fail";
  why?: string;
}

export interface ClientSettingSpec extends Omit<CheckMeta, "area"> {
  /** the ssh_config keyword */
  key: string;
  expected(strict: boolean): string;
  judge(value: string, strict: boolean, s: ClientSetting): Verdict;
}

/** Where to put a fix: the drop-in Debian/Ubuntu read first (Include at the top of ssh_config), or Host *. */
export const fixIn = (line: string) =>
  `Set \`${line}\` in /etc/ssh/ssh_config.d/00-rampart.conf (read first, through the Include at the top of Debian's ssh_config) or in the \`Host *\` block of /etc/ssh/ssh_config; remove lines that set it otherwise.`;

/** A check judging one client setting as it applies to `Host *`. */
export function clientSettingCheck(spec: ClientSettingSpec): Check {
  const { key, expected, judge, ...meta } = spec;
  return {
    ...meta,
    area: "ssh",
    async run(ctx) {
      const f = await clientFactsOrSkip(ctx);
      if (isOutcome(f)) return f;
      const strict = isStrict(ctx);
      const s = clientSetting(f, key);
      const v = judge(s.value, strict, s);
      const reason = [v.why, ...settingNotes(f, s)].filter(Boolean).join(" — ");
      const out: Outcome = { status: v.status, observed: s.value || "(not set)", expected: expected(strict), source: s.source };
      if (reason) out.reason = reason;
      return out;
    },
  };
}

/** yes/no settings where "no" is the hardened value (anything else enables the feature). */
export const mustBeNo =
  (what: string) =>
  (value: string): Verdict =>
    value.toLowerCase() === "no" ? { status: "pass" } : { status: "fail", why: `${what} is on for every host` };
