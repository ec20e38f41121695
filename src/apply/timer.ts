// The rollback timer that does not depend on the shell that ran `rampart apply`. Where systemd is PID 1 it
// is a transient timer unit (`systemd-run --on-active=…`); elsewhere a detached process (own session via
// setsid, stdio to a log file, unref'd) that sleeps until the deadline. Either way it runs
// `rampart rollback --pending ID`, which does nothing if the apply was confirmed meanwhile. A boot hook (a
// systemd unit, or an @reboot cron line) runs `rampart rollback --rearm` so an unconfirmed apply survives a
// reboot: rolled back at once when its deadline passed, re-armed for the rest otherwise. The hook exists only
// while an apply is pending: confirm and rollback remove it (removeBootHook), so a rollback leaves /etc exactly
// as it was. If the checkout (or package) that installed it moved away, the hook skips with a log line instead
// of failing at every boot (systemd: ConditionPathExists on node and the script; cron: a test first).
// The waiting logic takes a Clock and a sleep function so it is tested without real time.
import { openSync, closeSync, readFileSync } from "node:fs";
import type { Clock } from "../core/clock.js";
import { RampartError } from "../core/errors.js";
import { type Runner, startDetached } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { selfInvocation } from "../system/self.js";
import { cronWord, systemdWord } from "../system/systemd.js";
import { STATE_DIR } from "./backup.js";
import type { Pending, TimerRef } from "./pending.js";
import { parseStat } from "./session.js";

export const BOOT_UNIT = "/etc/systemd/system/rampart-rollback.service";
export const BOOT_UNIT_LINK = "/etc/systemd/system/multi-user.target.wants/rampart-rollback.service";
export const BOOT_CRON = "/etc/cron.d/rampart-rollback";

/** How this program is started again, for the timer and the boot hook (the one rule: system/self.ts). */
export function selfArgv(): string[] {
  return selfInvocation().argv;
}

export interface ArmOptions {
  fs: HostFs;
  run: Runner;
  clock: Clock;
  /** argv that starts rampart (selfArgv()) */
  self: string[];
  cwd: string;
  useSystemd: boolean;
}

/** Arm the timer for a pending apply; returns how to find it again (to cancel it on confirm). */
export async function armTimer(o: ArmOptions, p: Pick<Pending, "id" | "deadline">): Promise<TimerRef> {
  const seconds = Math.max(1, Math.ceil((p.deadline - o.clock.now()) / 1000));
  if (o.useSystemd) {
    const unit = `rampart-rollback-${p.id.toLowerCase()}`;
    await o.run([
      "systemd-run",
      "--unit",
      unit,
      "--description",
      `rampart: roll back apply ${p.id} unless confirmed`,
      `--on-active=${seconds}s`,
      "--timer-property=AccuracySec=1s",
      `--working-directory=${o.cwd}`,
      "--",
      ...o.self,
      "rollback",
      "--pending",
      p.id,
    ]);
    return { kind: "systemd", unit };
  }
  const logPath = await o.fs.real(`${STATE_DIR}/rollback-timer.log`);
  const fd = openSync(logPath, "a", 0o600);
  try {
    // detached (setsid): no controlling terminal, so the session's SIGHUP never reaches it
    const pid = startDetached([...o.self, "rollback", "--pending", p.id, "--wait"], {
      logFd: fd,
      cwd: o.cwd,
      env: { ...process.env, RAMPART_TIMER: "1" },
    });
    return { kind: "process", pid, start: procStart(pid) ?? "" };
  } finally {
    closeSync(fd);
  }
}

function procStart(pid: number): string | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, "latin1"))?.start;
  } catch {
    return undefined;
  }
}

/** Stop the timer of a confirmed apply. Best effort: a timer that still fires finds nothing pending. */
export async function cancelTimer(run: Runner, t: TimerRef): Promise<void> {
  if (t.kind === "systemd") {
    await run(["systemctl", "stop", `${t.unit}.timer`, `${t.unit}.service`], { okCodes: "any" }).catch(() => {});
  } else if (t.kind === "process" && t.pid > 1 && t.pid !== process.pid && procStart(t.pid) === t.start) {
    try {
      process.kill(t.pid, "SIGTERM");
    } catch {}
  }
}

// ---- the waiting logic (pure, clock-driven)

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until `deadline` unless `settled()` says the apply was confirmed or rolled back meanwhile. Returns
 * "settled" or "deadline". Polls at most every `stepMs`.
 */
export async function waitForDeadline(
  clock: Clock,
  sleep: Sleep,
  deadline: number,
  settled: () => Promise<boolean>,
  stepMs = 500,
  onTick?: (remainingMs: number) => void,
): Promise<"settled" | "deadline"> {
  for (;;) {
    if (await settled()) return "settled";
    const remaining = deadline - clock.now();
    if (remaining <= 0) return "deadline";
    onTick?.(remaining);
    await sleep(Math.min(stepMs, remaining));
  }
}

/** What the boot hook does with a pending apply. */
export function bootDecision(p: Pick<Pending, "deadline">, now: number): { action: "rollback" } | { action: "rearm"; remainingMs: number } {
  const remainingMs = p.deadline - now;
  return remainingMs <= 0 ? { action: "rollback" } : { action: "rearm", remainingMs };
}

// ---- the boot hook

/** The files the hook runs (node and the script): absolute paths only (loader flags are not files). */
function hookFiles(self: string[]): string[] {
  const files = [self[0], self.at(-1)].filter((f): f is string => typeof f === "string" && f.startsWith("/"));
  return [...new Set(files)];
}

export function bootUnitText(self: string[], cwd: string): string {
  return `# Installed by rampart: finishes or re-arms the rollback of an apply that was not confirmed before a reboot.
# It does nothing unless /var/lib/rampart/pending.json or rollback.json exists, and is skipped (systemd logs
# the failed condition) when the rampart that installed it is gone. Removed by \`rampart confirm\` and rollback.
[Unit]
Description=rampart: roll back an unconfirmed apply after a reboot
ConditionPathExists=|${STATE_DIR}/pending.json
ConditionPathExists=|${STATE_DIR}/rollback.json
${hookFiles(self)
  .map((f) => `ConditionPathExists=${f}\n`)
  .join("")}After=local-fs.target
Before=ssh.service sshd.service

[Service]
Type=oneshot
WorkingDirectory=-${cwd}
ExecStart=${[...self, "rollback", "--rearm"].map(systemdWord).join(" ")}

[Install]
WantedBy=multi-user.target
`;
}

export function bootCronText(self: string[], cwd: string): string {
  const files = hookFiles(self);
  const test = files.map((f) => `[ -e ${cronWord(f)} ]`).join(" && ") || "true";
  return `# Installed by rampart: finishes or re-arms the rollback of an apply that was not confirmed before a reboot.
# Skipped with a log line when the rampart that installed it is gone. Removed by \`rampart confirm\` and rollback.
@reboot root if ${test}; then cd ${cronWord(cwd)} && ${[...self, "rollback", "--rearm"].map(cronWord).join(" ")}; else echo ${cronWord(`rampart-rollback: ${files.join(" or ")} is gone; boot hook skipped`)}; fi >>${STATE_DIR}/rollback-timer.log 2>&1
`;
}

const HOOK_MARK = "# Installed by rampart:";
const HOOK_LINK_TARGET = "../rampart-rollback.service";

/**
 * Remove the boot hook (unit, its wants link, cron line) — only what rampart wrote (the marker line, the link's
 * own target). Called when no apply is pending any more, so a confirm or a rollback leaves /etc as it was.
 */
export async function removeBootHook(fs: HostFs): Promise<string[]> {
  const removed: string[] = [];
  for (const f of [BOOT_UNIT, BOOT_CRON]) {
    if ((await fs.readTextIfExists(f).catch(() => undefined))?.startsWith(HOOK_MARK)) {
      await fs.remove(f);
      removed.push(f);
    }
  }
  const { promises: fsp } = await import("node:fs");
  const dir = await fs.real(BOOT_UNIT_LINK.slice(0, BOOT_UNIT_LINK.lastIndexOf("/")));
  const link = `${dir}/${BOOT_UNIT_LINK.slice(BOOT_UNIT_LINK.lastIndexOf("/") + 1)}`;
  if ((await fsp.readlink(link).catch(() => undefined)) === HOOK_LINK_TARGET) {
    await fsp.rm(link, { force: true });
    removed.push(BOOT_UNIT_LINK);
    // the wants directory, when installBootHook had to create it (empty now: nothing else wants anything)
    if ((await fsp.readdir(dir).catch(() => ["?"])).length === 0) await fsp.rmdir(dir).catch(() => {});
  }
  return removed;
}

/**
 * Install (once; rewritten only when it differs) the boot hook fitting this host; returns the file that runs it.
 * Not part of any backup: it is rampart's own. Throws when the host has no place for one (no systemd, no
 * /etc/cron.d): an unconfirmed apply would outlive a reboot there, its changes reloaded at boot (the firewall's
 * boot loader, sshd's config) and never rolled back, so the apply must be refused.
 */
export async function installBootHook(fs: HostFs, self: string[], cwd: string, useSystemd: boolean): Promise<string> {
  const systemdDir = useSystemd || (await fs.stat("/etc/systemd/system"))?.isDirectory() === true;
  const cronDir = !useSystemd && (await fs.stat("/etc/cron.d"))?.isDirectory() === true;
  if (!systemdDir && !cronDir) {
    throw new RampartError(
      "REFUSED",
      "this host has no place for the boot hook that rolls back an unconfirmed apply after a reboot (no systemd, no /etc/cron.d)",
      {
        location: fs.display("/etc/cron.d"),
        hint: "Install a cron daemon that reads /etc/cron.d (apt-get install cron), or apply on a systemd host; without it a reboot would keep an unconfirmed change.",
      },
    );
  }
  if (systemdDir) {
    const text = bootUnitText(self, cwd);
    if ((await fs.readTextIfExists(BOOT_UNIT)) !== text) await fs.writeAtomic(BOOT_UNIT, text, { mode: 0o644, uid: 0, gid: 0 });
    if (!(await fs.lstat(BOOT_UNIT_LINK))) {
      const { promises: fsp } = await import("node:fs");
      const link = await fs.real(BOOT_UNIT_LINK);
      await fsp.mkdir(link.slice(0, link.lastIndexOf("/")), { recursive: true });
      await fsp.symlink(HOOK_LINK_TARGET, link);
    }
  }
  if (cronDir) {
    const text = bootCronText(self, cwd);
    if ((await fs.readTextIfExists(BOOT_CRON)) !== text) await fs.writeAtomic(BOOT_CRON, text, { mode: 0o644, uid: 0, gid: 0 });
    return BOOT_CRON;
  }
  return BOOT_UNIT;
}
