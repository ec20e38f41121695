// SSH-PER-USER-OVERRIDES: a Match block that turns passwords, keyboard-interactive, empty passwords or
// root login back on for some users or addresses. The global checks can pass while `Match User bob` /
// `Match Address 10.0.0.0/8` still accepts passwords; this names each such line.
import { firstValue } from "../../../sshd/effective.js";
import { normalizeValue } from "../../../sshd/keywords.js";
import { describeMatch, matchOverrides, where } from "../../../sshd/load.js";
import type { Check } from "../../types.js";
import { factsOrSkip, isOutcome, viewFor } from "./setting.js";

const ROOT_RANK: Record<string, number> = { no: 0, "forced-commands-only": 1, "prohibit-password": 2, yes: 3 };
/** keys whose "yes" opens a way in */
const YES_IS_WEAK = ["passwordauthentication", "kbdinteractiveauthentication", "permitemptypasswords"];

export const perUserOverrides: Check = {
  id: "SSH-PER-USER-OVERRIDES",
  area: "ssh",
  title: "No Match block re-enables passwords or root login for some users",
  severity: "medium",
  remediation:
    "Remove the PasswordAuthentication/PermitRootLogin lines from the Match blocks named here (or restrict them to trusted addresses with `Match Address`), then `sshd -t && systemctl reload ssh`.",
  refs: ["sshd_config(5) Match", "https://man.openbsd.org/sshd_config#Match"],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const base = viewFor(f, "unknown user");
    const found: { where: string; text: string }[] = [];
    for (const key of [...YES_IS_WEAK, "permitrootlogin"]) {
      const global = firstValue(base, key) ?? "";
      for (const d of matchOverrides(f.config, key)) {
        const v = normalizeValue(key, d.args[0] ?? "");
        const weaker = key === "permitrootlogin" ? (ROOT_RANK[v] ?? 3) > (ROOT_RANK[global] ?? 3) : v === "yes" && global !== "yes";
        if (weaker)
          found.push({
            where: where(d),
            text: `${where(d)} (${describeMatch(d.match ?? { criteria: [], file: "", line: 0, parent: undefined })}): ${d.keyword} ${d.args.join(" ")}`,
          });
      }
    }
    const expected = "no Match block weakens authentication";
    if (found.length === 0)
      return {
        status: "pass",
        observed: `${f.config.matches.length} Match block(s), none weakens authentication`,
        expected,
        source: f.config.main,
      };
    return {
      status: "warn",
      observed: found.map((x) => x.text),
      expected,
      source: found[0]?.where ?? f.config.main,
      reason: "these users/addresses get a weaker configuration than the global one",
    };
  },
};
