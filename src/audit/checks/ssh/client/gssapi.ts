// SSH-CLIENT-GSSAPI (dev-sec ssh-17, ssh-18): Kerberos credentials are not delegated to every server
// (GSSAPIDelegateCredentials yes hands a forwardable ticket to root on each host reached); GSSAPI
// authentication itself only costs a round trip when unused — Debian's ssh_config turns it on — so the
// baseline accepts it and the strict profile demands it off like dev-sec.
import { clientSetting, settingNotes } from "../../../../facts/ssh-client.js";
import type { Check, Outcome } from "../../../types.js";
import { DEVSEC, clientFactsOrSkip, fixIn, isOutcome } from "./common.js";
import { isStrict } from "../../../profile.js";

export const gssapi: Check = {
  id: "SSH-CLIENT-GSSAPI",
  area: "ssh",
  title: "ssh: Kerberos credentials are not delegated (strict: GSSAPI off)",
  severity: "medium",
  remediation: fixIn("GSSAPIDelegateCredentials no` and `GSSAPIAuthentication no"),
  refs: [DEVSEC(17), DEVSEC(18)],
  strict: "GSSAPIAuthentication no as well (dev-sec ssh-17); the baseline accepts it (Debian's ssh_config sets it yes)",
  async run(ctx) {
    const f = await clientFactsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const strict = isStrict(ctx);
    const auth = clientSetting(f, "GSSAPIAuthentication");
    const deleg = clientSetting(f, "GSSAPIDelegateCredentials");
    const observed = [`GSSAPIAuthentication ${auth.value} (${auth.source})`, `GSSAPIDelegateCredentials ${deleg.value} (${deleg.source})`];
    const expected = strict ? "GSSAPIAuthentication no, GSSAPIDelegateCredentials no" : "GSSAPIDelegateCredentials no";
    const notes = [...new Set([...settingNotes(f, auth), ...settingNotes(f, deleg)])];
    const out = (status: Outcome["status"], why: string | undefined, source: string): Outcome => {
      const reason = [why, ...notes].filter(Boolean).join(" — ");
      return reason ? { status, observed, expected, source, reason } : { status, observed, expected, source };
    };
    if (auth.value === "yes" && deleg.value === "yes")
      return out("fail", "Kerberos tickets are delegated to every server reached", deleg.source);
    if (strict && auth.value === "yes")
      return out("fail", "GSSAPI authentication is tried with every host (strict profile, dev-sec ssh-17)", auth.source);
    return out("pass", undefined, deleg.source);
  },
};
