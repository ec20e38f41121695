// src/guard/ — the ban daemon: sources, filters, jails, the BanBook, enforcers, sharing and reports.
// Imports the layers below; imported by cli/ (and apply/'s guard part, which installs its unit).
// `rampart guard run`: wire the daemon from the policy and run it until SIGTERM/SIGINT. `--detach` (machines
// without systemd; cron @reboot) starts the same command as a detached process logging to a file.
import { mkdirSync, openSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { Policy } from "../policy/schema.js";
import { type Runner, startDetached } from "../system/exec.js";
import type { HostFs } from "../system/hostfs.js";
import { keepAliveAddresses } from "../system/keepalive.js";
import { hostAddresses, loggedInSources } from "../system/net.js";
import { privateDirSync } from "../system/private.js";
import { CONTROL_SOCKET } from "./control.js";
import { GuardDaemon } from "./daemon.js";
import { jailSpecs } from "./jail-specs.js";
import { type BanEnforcer, IpsetEnforcer, NftEnforcer } from "./enforce.js";
import { NftSession } from "./nft-session.js";
import { Notifier } from "./notify.js";
import { startReports } from "./report/start.js";
import { GuardState, STATE_DB } from "./state.js";
import { GUARD_ENV } from "./unit.js";
import { setBackendOf } from "../firewall/sets.js";

export const GUARD_LOG = "/var/log/rampart/guard.log";
export const GUARD_PID = "/run/rampart/guard.pid";

export interface RunGuardOptions {
  policy: Policy;
  fs: HostFs;
  run: Runner;
  clock: Clock;
  log: Logger;
  socketPath?: string;
  stateFile?: string;
}

/**
 * The daemon's enforcer. On nftables it keeps one `nft -i` running for its ban batches (nft-session.ts), whose
 * transaction file lives in `runtimeDir`/nft (0700; the same file each time): a fixed place beside the control
 * socket (/run/rampart under the unit), so a daemon killed -9 leaves nothing new behind.
 */
export function enforcerFor(policy: Policy, run: Runner, runtimeDir: string): BanEnforcer {
  if (setBackendOf(policy.firewall.backend) === "ipset") return new IpsetEnforcer(run);
  const dir = path.join(runtimeDir, "nft");
  privateDirSync(dir);
  return new NftEnforcer(run, new NftSession({ dir: { write: dir, nft: dir } }));
}

/** Start the daemon; resolves with it once it is reading. */
export async function startGuard(o: RunGuardOptions): Promise<{ daemon: GuardDaemon; state: GuardState; stopShare: () => Promise<void> }> {
  const state = GuardState.open(o.stateFile ?? (await o.fs.real(STATE_DB)), o.log);
  // fleet: the share is built first (the daemon publishes into it) and connects once the daemon runs. Loaded
  // only when configured: the PostgreSQL client (pg, with Node's tls/crypto/dns) is ≈13 MiB of the daemon's memory.
  let daemonRef: GuardDaemon | undefined;
  const share = o.policy.guard.share
    ? (await import("./share/start.js")).startShare(
        o.policy.guard.share,
        state.file,
        o.log,
        (ds) => daemonRef?.receive(ds) ?? Promise.resolve(0),
      )
    : undefined;
  const own = await hostAddresses(o.run).catch(() => [] as string[]);
  const sessions = await loggedInSources(o.run);
  if (sessions.length) o.log.info(`never banning the logged-in sessions' sources: ${sessions.join(", ")}`);
  const specs = await jailSpecs(o.policy, o.fs, o.log);
  // a fail2ban configuration run in place brings its mail action (action_mw/action_mwl) when the policy has none
  const f2bMail = specs.find((s) => s.mailTo)?.mailTo;
  const notify =
    o.policy.guard.notify.email || !f2bMail
      ? o.policy.guard.notify
      : { ...o.policy.guard.notify, email: { ...f2bMail, smtp: "smtp://127.0.0.1:25" } };
  // community reports (guard.report): a key file others can read stops the start here, before any ban
  const reports = startReports({
    policy: o.policy,
    clock: o.clock,
    log: o.log,
    hostname: os.hostname(),
    own,
    passwd: await o.fs.readText("/etc/passwd").catch(() => ""),
  });
  const notifier = await Notifier.create(notify, o.log, o.run, undefined, reports);
  const daemon = new GuardDaemon({
    policy: o.policy,
    fs: o.fs,
    clock: o.clock,
    log: o.log,
    state,
    enforcer: enforcerFor(o.policy, o.run, path.dirname(o.socketPath ?? CONTROL_SOCKET)),
    notifier: notifier.enabled ? notifier : undefined,
    socketPath: o.socketPath ?? CONTROL_SOCKET,
    ownAddresses: own,
    sessionSources: sessions,
    // resolvers, gateways, NTP servers, the fleet database: a ban on one of them cuts the host off. The database
    // is the one really connected to (a URL in the credentials file replaces the policy's).
    keepAlive: (
      await keepAliveAddresses({
        fs: o.fs,
        run: o.run,
        fleetDatabase: share?.database,
        warn: (m) => o.log.warn(m),
      })
    ).map((k) => ({ address: k.address, why: k.reason })),
    specs,
    share: share?.sink,
  });
  daemonRef = daemon;
  await daemon.start();
  share?.start();
  return { daemon, state, stopShare: async () => share?.stop() };
}

/**
 * The daemon's old generation grows 30% past what a full GC left alive before the next one, instead of up to
 * 4× (V8's default, tuned for short jobs). During a flood the guard makes garbage fast (decoded chunks, kernel
 * batches, log lines) while what it keeps grows slowly (bans): with the default the heap doubled before a
 * collection and peak RSS followed it. A heap-sizing flag read at each collection, so it can be set here;
 * the young generation's size is fixed at start-up and is set by GUARD_ENV (unit.ts) instead.
 */
export const GUARD_HEAP_FLAGS = "--heap-growing-percent=30";

/** Run in the foreground until a signal. */
export async function runGuardForeground(o: RunGuardOptions): Promise<void> {
  v8.setFlagsFromString(GUARD_HEAP_FLAGS);
  const { daemon, state, stopShare } = await startGuard(o);
  o.log.info("guard running", { socket: o.socketPath ?? CONTROL_SOCKET, pid: process.pid });
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      o.log.info(`guard stopping (${sig})`);
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await stopShare();
  await daemon.stop();
  state.close();
}

/**
 * The detached guard's environment: this one with GUARD_ENV's node options added to any the admin set, and
 * GUARD_ENV's other variables where the admin set none.
 */
export function detachedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const options = [env.NODE_OPTIONS, GUARD_ENV.NODE_OPTIONS].filter(Boolean).join(" ");
  return { ...GUARD_ENV, ...env, NODE_OPTIONS: options };
}

/**
 * Re-run this command detached (new session, output to the log file), write its pid, and return. The one
 * process that outlives rampart on purpose; argv only, like every other process.
 */
export function detachGuard(argv: string[]): number {
  mkdirSync("/var/log/rampart", { recursive: true, mode: 0o750 });
  mkdirSync("/run/rampart", { recursive: true, mode: 0o700 });
  const out = openSync(GUARD_LOG, "a", 0o640);
  const pid = startDetached([process.execPath, ...process.execArgv, ...argv.filter((a) => a !== "--detach")], {
    logFd: out,
    env: detachedEnv(process.env),
  });
  writeFileSync(GUARD_PID, `${pid}\n`, { mode: 0o644 });
  return pid;
}
