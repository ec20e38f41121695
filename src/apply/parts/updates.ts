// Part `updates`: automatic security updates that really run — unattended-upgrades installed (through apt,
// shown in the plan), rampart's two APT drop-ins (periodic settings; the distribution's security origin and
// the optional reboot window), and apt's daily timers enabled (systemctl where systemd runs; `systemctl
// --root` links under --root or without systemd). The plan also reports pending and security updates (one
// apt simulation, the audit's), a pending reboot and services needing a restart (needrestart -b). The
// updates themselves are installed only when asked: `rampart apply --only updates --upgrade`.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { type AptConfig, aptKey, aptSimulation, type PendingPackage, parseAptConf } from "../../facts/apt.js";
import { packages } from "../../facts/packages.js";
import { enabledUnits } from "../../facts/units.js";
import { which } from "../../system/exec.js";
import {
  type Change,
  type CommandChange,
  type Note,
  type Part,
  type PartContext,
  type PartPlan,
  type Validation,
  partFacts,
  rootFileChange,
} from "../plan.js";
import { systemdRunning } from "../../system/systemd.js";
import { installArgv } from "./apt-commands.js";
import { familyOf, ORIGINS_FILE, originsText, PERIODIC_FILE, periodicText, readOsRelease } from "./unattended-config.js";
import { upgradeChange } from "./upgrade.js";

const PART = "updates";
export const TIMERS = ["apt-daily.timer", "apt-daily-upgrade.timer"] as const;
const WANTS = "/etc/systemd/system/timers.target.wants";
const UNIT_DIRS = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];
const PERIODIC_KEYS = ["APT::Periodic::Update-Package-Lists", "APT::Periodic::Unattended-Upgrade"];

const fileChange = (ctx: PartContext, path: string, content: string | null, reason: string) =>
  rootFileChange(ctx, { part: PART, path, content, mode: 0o644, reason });

/** The APT configuration the files will give (ours substituted), in apt's part order, with provenance. */
async function aptAfter(ctx: PartContext, planned: Map<string, string | null>): Promise<AptConfig> {
  const dir = "/etc/apt/apt.conf.d";
  const names = new Set((await ctx.fs.list(dir)).filter((n) => /^[A-Za-z0-9_-]+(\.conf)?$/.test(n)));
  for (const p of planned.keys()) names.add(path.posix.basename(p));
  const cfg: AptConfig = { scalars: new Map(), lists: new Map(), files: [] };
  for (const n of [...names].sort()) {
    const file = `${dir}/${n}`;
    const text = planned.has(file) ? planned.get(file) : await ctx.fs.readTextIfExists(file);
    if (text === undefined || text === null) continue;
    cfg.files.push(file);
    parseAptConf(text, file, cfg);
  }
  const main = await ctx.fs.readTextIfExists("/etc/apt/apt.conf");
  if (main !== undefined) parseAptConf(main, "/etc/apt/apt.conf", cfg);
  return cfg;
}

async function timerChange(ctx: PartContext, notes: Note[]): Promise<CommandChange | undefined> {
  const enabled = await enabledUnits(partFacts(ctx));
  const missing = TIMERS.filter((t) => !enabled.has(t));
  if (missing.length === 0) return undefined;
  const hasUnit = async (t: string) => {
    for (const d of UNIT_DIRS) if (await ctx.fs.exists(`${d}/${t}`)) return true;
    return false;
  };
  const cron = await ctx.fs.exists("/etc/cron.daily/apt-compat");
  const absent: string[] = [];
  for (const t of missing) if (!(await hasUnit(t))) absent.push(t);
  if (absent.length || !(await which("systemctl"))) {
    notes.push({
      part: PART,
      message: `cannot enable ${missing.join(", ")} (${absent.length ? `no unit file for ${absent.join(", ")}` : "systemctl is not installed"})${cron ? "; Debian's cron fallback /etc/cron.daily/apt-compat runs the same job where cron runs" : ""}`,
    });
    return undefined;
  }
  const wantsExists = (await ctx.fs.stat(WANTS)) !== undefined;
  const creates = wantsExists ? [] : [WANTS];
  if (ctx.fs.live) {
    const booted = await systemdRunning(ctx.fs);
    if (!booted) {
      notes.push({
        part: PART,
        message: `systemd is not running: ${missing.join(", ")} are linked to start at its next boot${cron ? "; until then /etc/cron.daily/apt-compat runs apt's daily job where cron runs" : ""}`,
      });
    }
    return {
      kind: "command",
      part: PART,
      argv: booted ? ["systemctl", "enable", "--now", ...missing] : ["systemctl", "enable", ...missing],
      reason: "apt's daily timers run the list refresh and unattended-upgrades",
      touches: missing.map((t) => `${WANTS}/${t}`),
      creates,
    };
  }
  if (wantsExists) {
    // (HostFs.remove under --root would follow the new link into the image's unit file: not listed in touches)
    notes.push({
      part: PART,
      message: `under --root a rollback does not remove the timer links that \`systemctl --root\` makes in ${WANTS}`,
    });
  }
  return {
    kind: "command",
    part: PART,
    argv: ["systemctl", "--root", ctx.fs.root, "enable", ...missing],
    reason: "apt's daily timers run the list refresh and unattended-upgrades",
    touches: [],
    creates,
  };
}

/** What the host reports about updates: pending (security) packages, a pending reboot, services to restart. */
async function updateNotes(ctx: PartContext, notes: Note[]): Promise<PendingPackage[]> {
  const note = (message: string) => notes.push({ part: PART, message });
  let pending: PendingPackage[] = [];
  if (!ctx.live) note("pending updates are not checked under --root (apt would describe this machine, not the image)");
  else {
    const sim = await aptSimulation(partFacts(ctx));
    if (!sim.ok) note(`pending updates unknown: ${sim.reason}`);
    else {
      pending = sim.pending;
      const sec = sim.pending.filter((p) => p.security);
      if (pending.length === 0) note("no pending updates");
      else
        note(
          `${pending.length} pending update${pending.length === 1 ? "" : "s"}, ${sec.length} security${sec.length ? ` (${sec.map((p) => p.name).join(", ")})` : ""}${ctx.upgrade ? "" : "; install them with `rampart apply --only updates --upgrade`"}`,
        );
    }
  }
  const flag = await ctx.fs.readTextIfExists("/var/run/reboot-required");
  if (flag !== undefined) {
    const pkgs = ((await ctx.fs.readTextIfExists("/var/run/reboot-required.pkgs")) ?? "").split("\n").filter(Boolean);
    note(`a reboot is required${pkgs.length ? ` by ${[...new Set(pkgs)].join(", ")}` : ""} (/var/run/reboot-required)`);
  }
  if (ctx.live && (await which("needrestart"))) {
    const r = await ctx.run(["needrestart", "-b"], { okCodes: "any", timeoutMs: 30_000 }).catch(() => undefined);
    const svcs = (r?.stdout ?? "")
      .split("\n")
      .filter((l) => l.startsWith("NEEDRESTART-SVC:"))
      .map((l) => l.slice(16).trim());
    const ksta = /^NEEDRESTART-KSTA:\s*(\d)/m.exec(r?.stdout ?? "")?.[1];
    if (svcs.length) note(`services running outdated libraries, to restart: ${svcs.join(", ")} (needrestart -b)`);
    if (ksta === "2" || ksta === "3") note("the running kernel is not the newest installed one: reboot to use it (needrestart -b)");
  }
  return pending;
}

export const updatesPart: Part = {
  name: PART,
  needsConfirm: false,

  async plan(ctx): Promise<PartPlan> {
    const changes: Change[] = [];
    const notes: Note[] = [];
    const note = (message: string) => notes.push({ part: PART, message });
    const u = ctx.policy.updates;
    const db = await packages(partFacts(ctx));
    if (!db.present) {
      note("no dpkg database (/var/lib/dpkg/status): not a Debian/Ubuntu system, nothing to do");
      return { changes, notes };
    }
    const pending = await updateNotes(ctx, notes);
    if (u.automatic === "off") {
      for (const f of [PERIODIC_FILE, ORIGINS_FILE]) {
        const c = await fileChange(ctx, f, null, "automatic updates are off (policy updates.automatic: off)");
        if (c) changes.push(c);
      }
      note("updates.automatic: off — rampart's drop-ins are removed; the distribution's own APT settings and timers are left as they are");
    } else {
      const os = await readOsRelease(ctx.fs);
      const family = os ? familyOf(os) : undefined;
      if (!os || !family) {
        note(`automatic updates not configured: ${os ? `${os.pretty} is neither Debian nor Ubuntu` : "no /etc/os-release"}`);
        return { changes, notes };
      }
      if (!db.packages.get("unattended-upgrades")?.installed) {
        changes.push({
          kind: "command",
          part: PART,
          argv: installArgv(ctx, "unattended-upgrades"),
          reason: "unattended-upgrades is not installed",
          touches: [],
          creates: [],
          irreversible: "the package stays installed (remove it with `apt-get purge unattended-upgrades`)",
        });
      }
      const periodic = periodicText();
      const origins = originsText(family, u);
      const planned = new Map<string, string | null>([
        [PERIODIC_FILE, periodic],
        [ORIGINS_FILE, origins],
      ]);
      const a = await fileChange(ctx, PERIODIC_FILE, periodic, "refresh the package lists and run unattended-upgrades every day");
      const b = await fileChange(
        ctx,
        ORIGINS_FILE,
        origins,
        `install ${u.automatic === "all" ? "all updates" : "security updates"} of ${os.pretty}${u.reboot.enabled ? `, reboot at ${u.reboot.time} when needed` : ""}`,
      );
      for (const c of [a, b]) if (c) changes.push(c);
      // a later file that sets a periodic value back to 0 would still win
      const after = await aptAfter(ctx, planned);
      for (const k of PERIODIC_KEYS) {
        const v = after.scalars.get(aptKey(k));
        if (v && !v.source.startsWith(`${PERIODIC_FILE}:`) && (v.value.trim() === "" || v.value.trim() === "0")) {
          note(`${v.source} sets ${k} "${v.value}" after rampart's file: automatic updates would stay off (fix that file)`);
        }
      }
      const timers = await timerChange(ctx, notes);
      if (timers) changes.push(timers);
    }
    if (ctx.upgrade) {
      if (!ctx.live) note("--upgrade: pending updates are installed on the running system only, not under --root");
      else if (pending.length)
        changes.push(
          upgradeChange(pending, `/var/log/rampart/upgrade-${new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, "")}.log`),
        );
    }
    return { changes, notes };
  },

  async preflight() {
    return [];
  },

  /** apt-config parses each candidate drop-in: a syntax error is refused before anything is installed. */
  async validate(ctx, candidate, changes): Promise<Validation> {
    const files = changes
      .filter((c) => c.part === PART && c.kind === "file" && c.content !== null)
      .map((c) => (c as { path: string }).path);
    if (files.length === 0 || !(await which("apt-config"))) return { refusals: [], notes: [] };
    for (const f of files) {
      const p = candidate.pathOf(f);
      await fsp.access(p);
      const r = await ctx.run(["apt-config", "-c", p, "dump"], { okCodes: "any", timeoutMs: 10_000 });
      if (r.code !== 0) {
        return {
          refusals: [
            {
              part: PART,
              reason: `apt-config rejects the candidate ${f}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`,
              fix: "This is a rampart bug if the policy is valid: please report it.",
            },
          ],
          notes: [],
        };
      }
    }
    return { refusals: [], notes: [] };
  },

  async reload() {
    // apt reads its configuration at each run; the timers were enabled by the command itself
  },

  async restore(ctx, key) {
    if (key === "apt:upgrade") ctx.log.warn("installed package updates are not rolled back (the backup records the versions before)");
  },
};
