// Everything the `ssh` part reads about sshd's configuration, in one place, on top of src/sshd (the lossless
// parser with file:line provenance): is our drop-in directory included at the top of the main file, the
// candidate config as sshd would read it, which lines still override our settings, and `sshd -T` output.
import { parseConfigText, quoteArg } from "../../sshd/config.js";
import { sshdTArgv, parseSshdT } from "../../sshd/effective.js";
import { describeMatch, globalValue, loadSshdConfig, matchOverrides, type SshdConfig, SSHD_CONFIG, where } from "../../sshd/load.js";
import type { Connection } from "../../sshd/match.js";
import { OverlayFs } from "../../sshd/overlay.js";
import { wildcardMatch } from "../../sshd/patterns.js";
import { ACCUMULATING, canonicalName, keyOf } from "../../sshd/keywords.js";
import type { Runner } from "../../system/exec.js";
import type { HostFs } from "../../system/hostfs.js";

export { SSHD_CONFIG };
export const DROPIN_DIR = "/etc/ssh/sshd_config.d";
export const DROPIN = `${DROPIN_DIR}/00-rampart.conf`;
export const INCLUDE_LINE = `Include ${DROPIN_DIR}/*.conf`;

const absInclude = (pattern: string) => (pattern.startsWith("/") ? pattern : `/etc/ssh/${pattern}`);

/** True when the first directive of the main file is an Include that reads our drop-in. */
export function hasTopInclude(mainText: string): boolean {
  const file = parseConfigText(SSHD_CONFIG, mainText);
  const first = file.lines.find((l) => l.kind === "directive" || l.kind === "invalid");
  if (first?.key !== "include") return false;
  return first.args.some((a) => wildcardMatch(absInclude(a), DROPIN));
}

/** The main file with our Include added as its first line; every other byte unchanged. */
export function withTopInclude(mainText: string): string {
  return hasTopInclude(mainText) ? mainText : `${INCLUDE_LINE}\n${mainText}`;
}

/**
 * The main file for validation in a temp tree: Include patterns that point into /etc/ssh/sshd_config.d are
 * redirected to `tmpRoot`/etc/ssh/sshd_config.d, where the candidate drop-ins are. Other lines unchanged.
 */
export function redirectIncludes(mainText: string, tmpRoot: string): string {
  const file = parseConfigText(SSHD_CONFIG, mainText);
  return file.lines
    .map((l) => {
      if (l.key !== "include") return l.text + l.eol;
      const args = l.args.map((a) => {
        const abs = absInclude(a);
        return abs.startsWith(`${DROPIN_DIR}/`) ? `${tmpRoot}${abs}` : abs;
      });
      return `Include ${args.map(quoteArg).join(" ")}${l.eol}`;
    })
    .join("");
}

/** The config sshd would read with these files replaced (null: removed). */
export function loadCandidate(fs: HostFs, files: Record<string, string | null>): Promise<SshdConfig> {
  return loadSshdConfig(new OverlayFs(fs, files));
}

/** Lines in other files that still win over (or add to) our drop-in's setting of `keyword`. */
export function overridesOf(cfg: SshdConfig, keyword: string): string[] {
  const out: string[] = [];
  const name = canonicalName(keyOf(keyword));
  for (const d of matchOverrides(cfg, keyword)) {
    if (d.file === DROPIN) continue;
    out.push(
      `${where(d)}: ${d.match ? describeMatch(d.match) : ""} sets ${name} ${d.args.join(" ")} — it overrides ${DROPIN} for those connections`,
    );
  }
  const g = globalValue(cfg, keyword);
  if (ACCUMULATING.has(g.key)) {
    for (const d of g.all) if (d.file !== DROPIN) out.push(`${where(d)}: ${name} ${d.args.join(" ")} adds to the list in ${DROPIN}`);
  } else if (g.source && g.source.file !== DROPIN) {
    out.push(`${where(g.source)}: ${name} ${g.source.args.join(" ")} is read before ${DROPIN} and wins`);
  }
  return out;
}

/** `sshd -T -C …` of a config file: lower-case key → values. */
export async function sshdEffective(
  run: Runner,
  sshd: string,
  mainPath: string,
  c: Connection,
  extra: string[] = [],
): Promise<Map<string, string[]>> {
  const argv = sshdTArgv(sshd, c, mainPath === SSHD_CONFIG ? `${mainPath}` : mainPath);
  if (!argv.includes("-f")) argv.push("-f", mainPath);
  const r = await run([...argv, ...extra], { timeoutMs: 10_000 });
  return parseSshdT(r.stdout);
}

/** The PidFile sshd writes (config, else Debian's default). */
export function pidFileOf(cfg: SshdConfig): string {
  return globalValue(cfg, "PidFile").args?.[0] ?? "/run/sshd.pid";
}
