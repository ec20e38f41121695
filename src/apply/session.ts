// Who is applying, and over which connection. `rampart confirm` must come from a NEW connection — that is
// the proof that a fresh login still works — so apply records the session and confirm compares. Three
// signals, compared in this order when both sides have one: SSH_CONNECTION in the environment (client
// address and source port: unique per connection), the nearest `sshd` ancestor process (pid + start time:
// survives sudo, which drops SSH_CONNECTION), the kernel audit session (/proc/self/sessionid, kept across
// sudo where pam_loginuid runs). The applying user (for the lock-out preflight) is SUDO_USER, else the SSH
// session's user.
// When the session's sshd started is kept too (in ms since the epoch): confirm takes only a login opened after
// the apply went live, since a connection already open then (the admin's second session, kept as a safety
// net) passed the new firewall as an established flow and never met the new sshd config.
import { readFileSync } from "node:fs";
import { endianness } from "node:os";

export interface SessionInfo {
  /** "client_ip client_port server_ip server_port" */
  sshConnection?: string | undefined;
  /**
   * the per-connection sshd process this command runs under: its pid, its start (clock ticks after boot, as
   * /proc says) and, when /proc tells, that start in ms since the epoch (startedAt)
   */
  sshd?: { pid: number; start: string; startedAt?: number } | undefined;
  /** kernel audit session id (undefined when unset: 4294967295) */
  auditSession?: number | undefined;
  /** login name of the person applying (SUDO_USER, or the SSH session's user) */
  user?: string | undefined;
  /** the SSH client's address, when known */
  clientAddr?: string | undefined;
  /**
   * the authentication methods this SSH login passed, in order ("publickey", "keyboard-interactive"), from
   * the file sshd names in SSH_USER_AUTH (ExposeAuthInfo yes); found in an ancestor's environment, since sudo
   * drops it. undefined when unknown.
   */
  authMethods?: string[] | undefined;
}

export interface ProcReader {
  read(path: string): string | undefined;
}

const realProc: ProcReader = {
  read: (p) => {
    try {
      return readFileSync(p, "latin1");
    } catch {
      return undefined;
    }
  },
};

/** The current process's session, from its environment and /proc. */
export function currentSession(
  env: NodeJS.ProcessEnv = process.env,
  proc: ProcReader = realProc,
  pid = process.pid,
  now = Date.now(),
): SessionInfo {
  const s: SessionInfo = {};
  let sshConnection = clean(env.SSH_CONNECTION);
  // SSH_USER_AUTH is taken from the process nearest the sshd ancestor (the session's first process, whose
  // environment sshd itself set; our own when sshd started us), so a variable set later in the session does
  // not speak for the login
  let userAuth = clean(env.SSH_USER_AUTH);
  // walk up to the per-connection sshd: a child of the listener, forked for this connection, named sshd (or
  // sshd-session, the per-connection program since OpenSSH 9.8: the listener itself is the wrong one, it is as
  // old as the boot)
  let p = pid;
  for (let hops = 0; hops < 64 && p > 1; hops++) {
    const stat = parseStat(proc.read(`/proc/${p}/stat`));
    if (!stat) break;
    if ((stat.comm === "sshd" || stat.comm === "sshd-session") && p !== pid) {
      s.sshd = { pid: p, start: stat.start };
      const at = startedAt(stat.start, proc, now);
      if (at !== undefined) s.sshd.startedAt = at;
      break;
    }
    if (hops > 0) {
      const vars = proc.read(`/proc/${p}/environ`)?.split("\0") ?? [];
      const m = vars.find((e) => e.startsWith("SSH_CONNECTION="));
      if (m && !sshConnection) sshConnection = clean(m.slice("SSH_CONNECTION=".length));
      const a = vars.find((e) => e.startsWith("SSH_USER_AUTH="));
      if (a) userAuth = clean(a.slice("SSH_USER_AUTH=".length));
    }
    p = stat.ppid;
  }
  if (sshConnection) {
    s.sshConnection = sshConnection;
    s.clientAddr = sshConnection.split(" ")[0];
  }
  // sshd writes one line per method passed ("publickey ssh-ed25519 AAAA…", "keyboard-interactive/pam"); only
  // the method names are kept. The file lives in the session's temp dir while the session lasts.
  if (userAuth?.startsWith("/")) {
    const text = proc.read(userAuth);
    // "keyboard-interactive/pam" → "keyboard-interactive" (the submethod is PAM's, whatever the stack asks)
    if (text !== undefined)
      s.authMethods = text.split("\n").flatMap((l) => (l.trim() ? [(l.trim().split(/\s+/)[0] as string).split("/")[0] as string] : []));
  }
  const audit = Number((proc.read("/proc/self/sessionid") ?? "").trim());
  if (Number.isInteger(audit) && audit >= 0 && audit !== 4294967295) s.auditSession = audit;
  const sudoUser = clean(env.SUDO_USER);
  if (sudoUser && sudoUser !== "root") s.user = sudoUser;
  else if (s.sshConnection || s.sshd) s.user = clean(env.USER) ?? clean(env.LOGNAME);
  return s;
}

function clean(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/** Fields of /proc/PID/stat we need; the comm is in parentheses and may hold spaces or ')'. */
export function parseStat(text: string | undefined): { comm: string; ppid: number; start: string } | undefined {
  if (!text) return undefined;
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(" ");
  // rest[0] = state (field 3), rest[1] = ppid (4), … starttime is field 22 → rest[19]
  const ppid = Number(rest[1]);
  const start = rest[19];
  if (!Number.isInteger(ppid) || start === undefined) return undefined;
  return { comm: text.slice(open + 1, close), ppid, start };
}

/**
 * When a process started, in ms since the epoch: its start in clock ticks after boot (/proc/PID/stat field 22)
 * over the tick rate, plus the boot time. The boot time is btime (/proc/stat), in whole seconds rounded down,
 * made finer with `now` minus /proc/uptime (read after `now`, in 1/100 s rounded down: its upper bound is
 * used) — a fresh login right after an apply (the Ansible role reconnects at once) must not look older than the
 * apply — but only when the two agree: under lxcfs (LXC/Incus containers) /proc/uptime is the container's age
 * while btime and the start ticks stay the host's, and the finer value would make every login look younger.
 * Every rounding goes towards "earlier": an old login never looks younger than it is. btime moves with the wall
 * clock: one stepped forward between the apply and the confirm makes an older login look younger by the step.
 * undefined when /proc does not tell.
 */
export function startedAt(startTicks: string, proc: ProcReader, now: number): number | undefined {
  const ticks = Number(startTicks);
  const hz = clockTicksPerSecond(proc);
  const btime = Number(/^btime (\d+)$/m.exec(proc.read("/proc/stat") ?? "")?.[1] ?? Number.NaN);
  if (!Number.isInteger(ticks) || ticks < 0 || hz === undefined || !Number.isInteger(btime)) return undefined;
  const uptime = Number(/^(\d+(?:\.\d+)?) /.exec(proc.read("/proc/uptime") ?? "")?.[1] ?? Number.NaN);
  const fine = now - (uptime * 1000 + 10); // NaN when unreadable: then btime alone
  const boot = fine < btime * 1000 + 1000 ? Math.max(fine, btime * 1000) : btime * 1000;
  return Math.floor(boot + (ticks * 1000) / hz);
}

/**
 * The kernel's USER_HZ, the unit of /proc's clock ticks: 100 on most architectures but not on all (alpha:
 * 1024). The kernel hands it to every program as AT_CLKTCK (17) in the auxiliary vector, which is where glibc's
 * sysconf(_SC_CLK_TCK) (and so `getconf CLK_TCK`) reads it; /proc/self/auxv holds that vector, pairs of
 * native words.
 */
function clockTicksPerSecond(proc: ProcReader): number | undefined {
  const text = proc.read("/proc/self/auxv");
  if (text === undefined) return undefined;
  const b = Buffer.from(text, "latin1");
  const word = /64$|^s390x$/.test(process.arch) ? 8 : 4;
  const le = endianness() === "LE";
  const at = (i: number) =>
    word === 8 ? Number(le ? b.readBigUInt64LE(i) : b.readBigUInt64BE(i)) : le ? b.readUInt32LE(i) : b.readUInt32BE(i);
  for (let i = 0; i + 2 * word <= b.length; i += 2 * word) {
    const type = at(i);
    if (type === 0) break; // AT_NULL ends the vector
    if (type === 17) return at(i + word) || undefined;
  }
  return undefined;
}

export type SameSession = "same" | "different" | "unknown";

/** Is `now` the same connection as `then` (recorded at apply)? */
export function compareSessions(then: SessionInfo, now: SessionInfo): SameSession {
  if (then.sshConnection && now.sshConnection) return then.sshConnection === now.sshConnection ? "same" : "different";
  if (then.sshd && now.sshd) return then.sshd.pid === now.sshd.pid && then.sshd.start === now.sshd.start ? "same" : "different";
  if (then.auditSession !== undefined && now.auditSession !== undefined) {
    return then.auditSession === now.auditSession ? "same" : "different";
  }
  // applied from a console or a local shell (no SSH at all), confirmed over SSH: necessarily a new connection
  const overSsh = (s: SessionInfo) => s.sshConnection !== undefined || s.sshd !== undefined;
  if (!overSsh(then) && overSsh(now)) return "different";
  return "unknown";
}
