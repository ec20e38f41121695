// SSH-DROPIN-OVERRIDES: an included file (cloud-init's 50-cloud-init.conf, an installer's drop-in) whose
// weak setting is the one sshd keeps. sshd keeps the first value it reads, and Debian includes
// sshd_config.d/*.conf at the top, so such a line silently beats `PasswordAuthentication no` further down
// the main file. Judged from the files (works under --root); the source names the winning line.
import { normalizeValue } from "../../../sshd/keywords.js";
import { globalValue, where } from "../../../sshd/load.js";
import type { Check } from "../../types.js";
import { factsOrSkip, isOutcome } from "./setting.js";

const WEAK: Record<string, (v: string) => boolean> = {
  passwordauthentication: (v) => v === "yes",
  kbdinteractiveauthentication: (v) => v === "yes",
  permitemptypasswords: (v) => v === "yes",
  permitrootlogin: (v) => v === "yes",
};

export const dropinOverrides: Check = {
  id: "SSH-DROPIN-OVERRIDES",
  area: "ssh",
  title: "No drop-in file turns passwords or root login back on",
  severity: "high",
  remediation:
    "Fix or remove the drop-in named in source (for cloud-init: set `ssh_pwauth: false` in /etc/cloud/cloud.cfg.d/ and change the file to `PasswordAuthentication no`); rampart's own 00-rampart.conf is read first and wins once applied.",
  refs: ["sshd_config(5) Include", "https://cloudinit.readthedocs.io/en/latest/reference/modules.html#set-passwords"],
  async run(ctx) {
    const f = await factsOrSkip(ctx);
    if (isOutcome(f)) return f;
    const bad: { source: string; text: string }[] = [];
    const shadowed: string[] = [];
    for (const [key, weak] of Object.entries(WEAK)) {
      const g = globalValue(f.config, key);
      if (!g.source) continue;
      const v = normalizeValue(key, g.args?.[0] ?? "");
      if (g.source.file !== f.config.main && weak(v)) {
        const beaten = g.all.slice(1).filter((d) => !weak(normalizeValue(key, d.args[0] ?? "")));
        bad.push({
          source: where(g.source),
          text: `${where(g.source)}: ${g.source.keyword} ${g.source.args.join(" ")}${beaten.length ? ` (wins over ${beaten.map(where).join(", ")})` : ""}`,
        });
      }
      for (const d of g.all.slice(1))
        if (weak(normalizeValue(key, d.args[0] ?? ""))) shadowed.push(`${where(d)} ignored (first value wins)`);
    }
    const expected = "no included file sets PasswordAuthentication/KbdInteractiveAuthentication/PermitEmptyPasswords/PermitRootLogin yes";
    if (bad.length)
      return {
        status: "fail",
        observed: bad.map((b) => b.text),
        expected,
        source: bad[0]?.source ?? "",
        reason: "sshd keeps the first value it reads: this drop-in's value is the effective one",
      };
    const out = {
      status: "pass" as const,
      observed: `${f.config.files.size} file(s) read, no weak setting wins from a drop-in`,
      expected,
      source: f.config.main,
    };
    return shadowed.length ? { ...out, reason: `weak lines present but not effective: ${shadowed.join("; ")}` } : out;
  },
};
