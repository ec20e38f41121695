// One lab host: a network namespace plus a private mount namespace (held open by an "anchor" process) whose
// /etc, /home, /var/lib, /var/log, /var/cache and /run are overlays, so programs run with their real default
// paths and every write stays in the lab. Everything runs through `nsenter -t ANCHOR -m -n -- argv…`:
// argv arrays only, never a shell; file contents go through stdin, never through argv or a script.
import path from "node:path";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { type RunOptions, type RunResult, run } from "../../src/system/exec.js";
import type { LabRole } from "./addresses.js";
import { TAG_ENV } from "./cleanup.js";
import { LabProcess } from "./process.js";
import { type LabSshd, type SshdOptions, startSshd } from "./sshd.js";

/**
 * The directories overlaid in every host: reads see the machine's files, writes land in the run's temp dir.
 * /usr too, so a package operation inside a host cannot touch the machine. /run is not among them: it is a
 * fresh tmpfs (see RUN_DIRS), so the machine's pid files and sockets (sshd.pid, fail2ban.sock …) are not
 * reachable from a lab host. /tmp, /work and /proc are shared with the machine.
 */
export const OVERLAID = [
  "/etc",
  "/home",
  "/root",
  "/usr",
  "/opt",
  "/srv",
  "/var/lib",
  "/var/log",
  "/var/cache",
  "/var/spool",
  "/var/mail",
  "/var/tmp",
] as const;

/** Directories made in each host's fresh /run tmpfs, with their modes. */
export const RUN_DIRS: readonly [string, string][] = [
  ["/run/lock", "1777"],
  ["/run/sshd", "755"],
  ["/run/user", "755"],
];

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ExecOptions extends Omit<RunOptions, "env" | "cwd"> {
  /** extra environment (the base is a small clean one: PATH, HOME=/root, LANG, NO_COLOR, the lab tag) */
  env?: Record<string, string>;
  /** working directory inside the host (default /) */
  cwd?: string;
}

export interface AddUserOptions {
  groups?: string[];
  /** public keys (one per entry) written to ~/.ssh/authorized_keys */
  keys?: string[];
  /** sets the password with chpasswd; without it the account has no usable password but is not locked */
  password?: string;
  shell?: string;
}

export interface SshOptions {
  user: string;
  /** address or name to connect to (v4 or v6) */
  host: string;
  port?: number;
  /** private key path (readable on the machine; /tmp is shared with every host) */
  key?: string;
  password?: string;
  /** remote command (default: `true`) */
  command?: string[];
  /** connect timeout in ms (default 5000); the whole call is limited to timeoutMs + 10 s */
  timeoutMs?: number;
  /** extra `-o Key=Value` options */
  options?: Record<string, string>;
}

export interface SshResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

export type TcpProbe = "open" | "refused" | "timeout" | "unreachable" | "error";

export interface CliRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the Lab hands to a host (kept small so hosts do not reach back into the Lab). */
export interface HostInit {
  name: string;
  netns: string;
  role: LabRole;
  v4: string;
  v6: string;
  anchorPid: number;
  dir: string;
  prefix: string;
  track: (p: LabProcess) => void;
}

// A TCP connect from inside the host. Fixed program text; host, port and timeout arrive as argv.
const TCP_PROBE_JS = `
const [host, port, ms] = process.argv.slice(1);
const done = (code) => process.exit(code);
const s = require("node:net").connect({ host, port: Number(port) });
setTimeout(() => done(3), Number(ms));
s.on("connect", () => done(0));
s.on("error", (e) => done(e.code === "ECONNREFUSED" ? 2 : e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH" ? 4 : 5));
`;

export class LabHost {
  /** short name given to lab.host() */
  readonly name: string;
  /** the network namespace (`ip netns` name) */
  readonly netns: string;
  readonly role: LabRole;
  /** IPv4 address on eth0 */
  readonly v4: string;
  /** IPv6 address on eth0 */
  readonly v6: string;
  /** PID of the process that holds the host's mount namespace */
  readonly anchorPid: number;
  /** this host's directory on the machine (overlay upper/work dirs); removed at destroy */
  readonly dir: string;
  readonly #prefix: string;
  readonly #track: (p: LabProcess) => void;
  #sshd: LabSshd | undefined;

  constructor(init: HostInit) {
    this.name = init.name;
    this.netns = init.netns;
    this.role = init.role;
    this.v4 = init.v4;
    this.v6 = init.v6;
    this.anchorPid = init.anchorPid;
    this.dir = init.dir;
    this.#prefix = init.prefix;
    this.#track = init.track;
  }

  /** argv that runs `argv` inside this host */
  wrap(argv: readonly string[], cwd = "/"): string[] {
    return ["nsenter", "-t", String(this.anchorPid), "-m", "-n", `--wd=${cwd}`, "--", ...argv];
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: DEFAULT_PATH,
      HOME: "/root",
      LANG: "C.UTF-8",
      TERM: "dumb",
      NO_COLOR: "1",
      ...extra,
      [TAG_ENV]: this.#prefix,
    };
  }

  /**
   * Run a command inside the host and wait for it. Throws (RampartError EXEC, with stderr) on a non-zero
   * exit unless `okCodes` says otherwise — pass `{ okCodes: "any" }` to inspect `code` yourself.
   */
  exec(argv: readonly string[], options: ExecOptions = {}): Promise<RunResult> {
    const { env, cwd, ...rest } = options;
    return run(this.wrap(argv, cwd), { ...rest, env: this.env(env) });
  }

  /** Start a long-running process inside the host; the lab kills it at destroy. */
  spawn(
    argv: readonly string[],
    options: { env?: Record<string, string>; cwd?: string; onStderrLine?: (line: string) => void } = {},
  ): LabProcess {
    const p = new LabProcess(this.wrap(argv, options.cwd), {
      env: this.env(options.env),
      ...(options.onStderrLine ? { onStderrLine: options.onStderrLine } : {}),
    });
    this.#track(p);
    return p;
  }

  /** Write a file inside the host (parents created). Default mode 0644, owner root. */
  /** `owner` is "user" (group = the user's own group) or "user:group". */
  async writeFile(file: string, content: string | Buffer, options: { mode?: number; owner?: string } = {}) {
    const mode = (options.mode ?? 0o644).toString(8);
    const [user = "root", group = user] = (options.owner ?? "root").split(":");
    const target = absolute(file);
    // (node's stdin pipe is a socket, so programs cannot open /dev/stdin: tee reads fd 0 instead)
    await this.exec(["mkdir", "-p", "--", path.dirname(target)]);
    await this.exec(["tee", "--", target], { input: content });
    await this.exec(["chown", `${user}:${group}`, "--", target]);
    await this.exec(["chmod", mode, "--", target]);
  }

  /** Append to a file inside the host (created if missing), e.g. to feed a log the guard tails. */
  async appendFile(file: string, content: string | Buffer): Promise<void> {
    await this.exec(["tee", "-a", "--", absolute(file)], { input: content });
  }

  /** Read a file inside the host (utf8). Throws when it does not exist. */
  async readFile(file: string): Promise<string> {
    return (await this.exec(["cat", "--", absolute(file)])).stdout;
  }

  async exists(file: string): Promise<boolean> {
    return (await this.exec(["test", "-e", absolute(file)], { okCodes: "any" })).code === 0;
  }

  /**
   * The path under which the test process (outside the host) sees `file` as the host sees it:
   * /proc/ANCHOR/root/…. Good for reading logs directly; an absolute symlink on the way would resolve
   * on the machine, so write through writeFile() instead.
   */
  path(file: string): string {
    return `/proc/${this.anchorPid}/root${absolute(file)}`;
  }

  /** Create a user inside the host (its overlaid /etc and /home), with groups, keys and a password. */
  async addUser(name: string, options: AddUserOptions = {}): Promise<void> {
    const groups = options.groups ?? [];
    for (const g of groups) {
      const has = await this.exec(["getent", "group", g], { okCodes: "any" });
      if (has.code !== 0) await this.exec(["groupadd", "--", g]);
    }
    await this.exec([
      "useradd",
      "--create-home",
      "--shell",
      options.shell ?? "/bin/bash",
      ...(groups.length ? ["--groups", groups.join(",")] : []),
      "--",
      name,
    ]);
    if (options.password !== undefined) {
      await this.exec(["chpasswd"], { input: `${name}:${options.password}\n` });
    } else {
      // no password, but not locked ("!"), so key login works even with UsePAM no
      await this.exec(["usermod", "--password", "*", "--", name]);
    }
    if (options.keys?.length) {
      const home = (await this.exec(["getent", "passwd", name])).stdout.split(":")[5]?.trim() || `/home/${name}`;
      await this.exec(["install", "-d", "-m", "700", "-o", name, "-g", name, `${home}/.ssh`]);
      await this.writeFile(`${home}/.ssh/authorized_keys`, `${options.keys.map((k) => k.trim()).join("\n")}\n`, {
        mode: 0o600,
        owner: name,
      });
    }
  }

  /** Start the real OpenSSH sshd in this host; resolves once it listens. See sshd.ts. */
  async startSshd(options: SshdOptions = {}): Promise<LabSshd> {
    if (this.#sshd && !this.#sshd.process.exit) {
      throw new Error(`lab: sshd already runs in ${this.name}; use reload() or stop() it first`);
    }
    this.#sshd = await startSshd(this, options);
    return this.#sshd;
  }

  /** The sshd started by startSshd(), if any. */
  get sshd(): LabSshd | undefined {
    return this.#sshd;
  }

  /** A plain TCP connect from inside this host: true when the port accepted the connection. */
  async tcpConnect(host: string, port: number, options: { timeoutMs?: number } = {}): Promise<boolean> {
    return (await this.tcpProbe(host, port, options)) === "open";
  }

  /** Like tcpConnect, but tells a refused port (REJECT / nothing listening) from a dropped one (timeout). */
  async tcpProbe(host: string, port: number, options: { timeoutMs?: number } = {}): Promise<TcpProbe> {
    const ms = options.timeoutMs ?? 1000;
    const r = await this.exec([process.execPath, "-e", TCP_PROBE_JS, host, String(port), String(ms)], {
      okCodes: "any",
      timeoutMs: ms + 10_000,
    });
    return ({ 0: "open", 2: "refused", 3: "timeout", 4: "unreachable" } as Record<number, TcpProbe>)[r.code] ?? "error";
  }

  /** Log in with the real OpenSSH client from this host (key, or password through sshpass). */
  async ssh(o: SshOptions): Promise<SshResult> {
    const connectMs = o.timeoutMs ?? 5000;
    const opts: Record<string, string> = {
      StrictHostKeyChecking: "no",
      UserKnownHostsFile: "/dev/null",
      GlobalKnownHostsFile: "/dev/null",
      LogLevel: "ERROR",
      ConnectTimeout: String(Math.max(1, Math.ceil(connectMs / 1000))),
      ConnectionAttempts: "1",
      ...(o.password !== undefined
        ? {
            BatchMode: "no",
            PubkeyAuthentication: "no",
            PreferredAuthentications: "password,keyboard-interactive",
            NumberOfPasswordPrompts: "1",
          }
        : { BatchMode: "yes", IdentitiesOnly: "yes", PasswordAuthentication: "no", KbdInteractiveAuthentication: "no" }),
      ...o.options,
    };
    const argv = [
      "ssh",
      "-F",
      "/dev/null",
      "-p",
      String(o.port ?? 22),
      ...(o.key ? ["-i", o.key] : []),
      ...Object.entries(opts).flatMap(([k, v]) => ["-o", `${k}=${v}`]),
      "-l",
      o.user,
      "--",
      o.host,
      ...(o.command ?? ["true"]),
    ];
    const full = o.password !== undefined ? ["sshpass", "-e", ...argv] : argv;
    const r = await this.exec(full, {
      okCodes: "any",
      timeoutMs: connectMs + 10_000,
      ...(o.password !== undefined ? { env: { SSHPASS: o.password } } : {}),
    });
    return { ok: r.code === 0, code: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** Run the rampart CLI from source inside this host (its real default paths: /etc/rampart …). */
  async rampart(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRunResult> {
    const r = await this.exec([...CLI_ARGV, ...args], {
      okCodes: "any",
      cwd: REPO,
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}

function absolute(file: string): string {
  if (!path.isAbsolute(file)) throw new Error(`lab: path must be absolute: ${file}`);
  return path.normalize(file);
}
