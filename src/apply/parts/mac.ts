// Part `mac`: reports the mandatory access control state (AppArmor from securityfs, the audit's reader;
// SELinux from /etc/selinux/config — report only) and sets the AppArmor mode the policy asks for
// (`mac.apparmor`): keep (default: leave it, normally enforcing), enforce / complain (`aa-enforce` /
// `aa-complain` on the profile files of loaded profiles in the other mode), or disabled — the second
// guide's choice, which the plan warns against — through rampart's own GRUB drop-in with `apparmor=0`,
// effective after `update-grub` and a reboot.
import path from "node:path";
import { macState } from "../../facts/mac.js";
import { which } from "../../system/exec.js";
import { type Change, type Note, type Part, type PartContext, type PartPlan, type Refusal, partFacts } from "../plan.js";
import { systemdRunning } from "../../system/systemd.js";

const PART = "mac";
export const GRUB_DROPIN = "/etc/default/grub.d/rampart-apparmor.cfg";
const PROFILES_DIR = "/etc/apparmor.d";
const AA_PROFILES = "/sys/kernel/security/apparmor/profiles";

export const GRUB_TEXT = [
  "# Managed by rampart (policy mac.apparmor: disabled): AppArmor is off from the next boot on.",
  "# Takes effect after `update-grub` and a reboot. Set mac.apparmor: keep (rampart removes this file) to turn it back on.",
  'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT apparmor=0"',
  "",
].join("\n");

/** "/usr/sbin/ntpd (complain)" lines → name → mode (child profiles "a//b" left out: they follow their parent). */
export function loadedProfiles(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(.*\S)\s+\((\w+)\)\s*$/.exec(line);
    if (m?.[1] && m[2] && !m[1].includes("//")) out.set(m[1], m[2]);
  }
  return out;
}

/** The file under /etc/apparmor.d that defines a profile: usr.sbin.ntpd for /usr/sbin/ntpd, else by `profile NAME`. */
function profileFile(name: string, texts: Map<string, string>): string | undefined {
  if (name.startsWith("/")) {
    const f = `${PROFILES_DIR}/${name.slice(1).replace(/\//g, ".")}`;
    if (texts.has(f)) return f;
  }
  for (const [f, t] of texts) {
    for (const l of t.split("\n")) {
      const s = l.trim();
      if (
        s.startsWith(`profile ${name} `) ||
        s.startsWith(`profile ${name}{`) ||
        s === `profile ${name}` ||
        s.startsWith(`${name} flags=`) ||
        s.startsWith(`${name} {`)
      )
        return f;
    }
  }
  return undefined;
}

async function profileTexts(ctx: PartContext): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of await ctx.fs.list(PROFILES_DIR)) {
    const f = `${PROFILES_DIR}/${n}`;
    if (!(await ctx.fs.stat(f))?.isFile()) continue;
    const t = await ctx.fs.readTextIfExists(f).catch(() => undefined);
    if (t !== undefined) out.set(f, t);
  }
  return out;
}

async function selinuxNote(ctx: PartContext): Promise<string | undefined> {
  const text = await ctx.fs.readTextIfExists("/etc/selinux/config");
  if (text === undefined) return undefined;
  const lines = text.split("\n");
  const i = lines.findIndex((l) => /^\s*SELINUX\s*=/.test(l));
  const v = i === -1 ? "not set" : (lines[i] ?? "").split("=")[1]?.trim();
  return `SELinux: SELINUX=${v} (/etc/selinux/config${i === -1 ? "" : `:${i + 1}`}); rampart reports SELinux only and does not change it`;
}

export const macPart: Part = {
  name: PART,
  needsConfirm: false,

  async plan(ctx): Promise<PartPlan> {
    const changes: Change[] = [];
    const notes: Note[] = [];
    const note = (message: string) => notes.push({ part: PART, message });
    const mode = ctx.policy.mac.apparmor;
    const se = await selinuxNote(ctx);
    if (se) note(se);
    const state = ctx.live ? await macState(partFacts(ctx)) : {};
    if (ctx.live) {
      if (!state.apparmor) note("AppArmor: not in this kernel");
      else {
        const counts = Object.entries(state.apparmor.profiles ?? {})
          .map(([m, n]) => `${n} ${m}`)
          .join(", ");
        note(`AppArmor: ${state.apparmor.enabled ? "enabled" : "disabled"}${counts ? ` (profiles: ${counts})` : ""}`);
      }
    }
    // the GRUB drop-in: present exactly when the policy disables AppArmor
    const grub = await ctx.fs.readTextIfExists(GRUB_DROPIN);
    if (mode === "disabled") {
      note(
        "WARNING: mac.apparmor: disabled lowers security — confined services (and containers) lose their AppArmor profiles. The guide's choice; rampart's default keeps AppArmor enforcing.",
      );
      if (grub !== GRUB_TEXT) {
        changes.push({
          kind: "file",
          part: PART,
          path: GRUB_DROPIN,
          content: GRUB_TEXT,
          mode: 0o644,
          owner: { user: "root", group: "root" },
          before: grub,
          reason: "turn AppArmor off on the kernel command line (apparmor=0)",
        });
        note("run `update-grub` and reboot for apparmor=0 to take effect");
      }
      return { changes, notes };
    }
    if (grub !== undefined) {
      changes.push({
        kind: "file",
        part: PART,
        path: GRUB_DROPIN,
        content: null,
        mode: 0o644,
        owner: { user: "root", group: "root" },
        before: grub,
        reason: `mac.apparmor: ${mode} — AppArmor is no longer turned off at boot`,
      });
      note("run `update-grub` and reboot for AppArmor to be on again");
    }
    if (mode === "keep") return { changes, notes };
    if (!ctx.live) {
      note(`mac.apparmor: ${mode}: the loaded profiles are only known on the running system; nothing is changed under --root`);
      return { changes, notes };
    }
    if (!state.apparmor?.enabled) {
      note(`mac.apparmor: ${mode}: AppArmor is not enabled in the running kernel; nothing to switch`);
      return { changes, notes };
    }
    const loaded = loadedProfiles((await ctx.fs.readTextIfExists(AA_PROFILES).catch(() => undefined)) ?? "");
    const other = [...loaded].filter(([, m]) => m !== mode && (m === "enforce" || m === "complain")).map(([n]) => n);
    if (other.length === 0) return { changes, notes };
    const texts = await profileTexts(ctx);
    const files: string[] = [];
    const unknown: string[] = [];
    for (const n of other) {
      const f = profileFile(n, texts);
      if (f) files.push(f);
      else unknown.push(n);
    }
    if (unknown.length) note(`no profile file under ${PROFILES_DIR} found for: ${unknown.join(", ")} (left as they are)`);
    const uniq = [...new Set(files)];
    if (uniq.length) {
      changes.push({
        kind: "command",
        part: PART,
        argv: [mode === "enforce" ? "aa-enforce" : "aa-complain", ...uniq],
        reason: `${other.length - unknown.length} loaded profile(s) are not in ${mode} mode (${uniq.map((f) => path.posix.basename(f)).join(", ")})`,
        touches: uniq,
        creates: [],
      });
    }
    return { changes, notes };
  },

  async preflight(_ctx, changes): Promise<Refusal[]> {
    const cmd = changes.find((c) => c.part === PART && c.kind === "command");
    if (cmd?.kind !== "command" || (await which(cmd.argv[0] as string))) return [];
    return [
      {
        part: PART,
        reason: `${cmd.argv[0]} is not installed (package apparmor-utils)`,
        fix: "apt-get install apparmor-utils, then apply again.",
      },
    ];
  },

  async validate() {
    return { refusals: [], notes: [] };
  },

  /** after a rollback restored profile files: load them again */
  async reload(ctx) {
    if (!ctx.live || ctx.policy.mac.apparmor === "keep") return;
    if (await systemdRunning(ctx.fs)) await ctx.run(["systemctl", "reload", "apparmor"], { okCodes: "any" });
  },
};
