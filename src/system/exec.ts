// src/system/ — the host as programs and files (this runner, hostfs, the command context, systemd,
// output). Imports only core/; every layer above may import it.
// The one process runner. Every program rampart drives (sshd, nft, iptables-restore, ipset, apt, systemctl …)
// is started here: argv arrays only, never a shell, a timeout on every call, stdout/stderr captured, and a
// typed error that keeps stderr so the user sees what the program said. Attacker text (log lines, user
// names) can therefore never become shell syntax. Modules take a `Runner` so tests can record or fake calls.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { RampartError } from "../core/errors.js";

export interface RunOptions {
  /** default 30 s; the child is killed (SIGKILL) when it expires */
  timeoutMs?: number;
  /** written to the child's stdin, then closed */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** exit codes that are not errors (default [0]); use "any" to inspect the code yourself */
  okCodes?: number[] | "any";
  /** cap on captured stdout bytes (default 64 MiB) */
  maxOutput?: number;
  /**
   * Start this program first and feed its stdout to the child's stdin, process to process (no shell, and the
   * bytes never pass through this process): `apt-helper cat-file LIST` into `grep`, where 50 MB through a
   * pipe into Node cost most of a second on a busy machine. Both must exit with 0 (or okCodes, for the
   * child); the producer's failure is reported with its own stderr. The timeout covers both.
   */
  pipeFrom?: readonly string[];
}

export interface RunResult {
  argv: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type Runner = (argv: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** Run argv[0] with argv[1..] (no shell). Throws RampartError NOT_FOUND / TIMEOUT / EXEC. */
export const run: Runner = (argv, options = {}) => {
  if (argv.length === 0 || !argv[0]) throw new RampartError("EXEC", "internal: empty argv");
  const [cmd, ...args] = argv as [string, ...string[]];
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxOutput = options.maxOutput ?? 64 * 1024 * 1024;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const producer = options.pipeFrom ? startProducer(options.pipeFrom, options) : undefined;
    if (producer && producer.child.pid === undefined) {
      const program = options.pipeFrom?.[0] ?? "";
      reject(
        new RampartError("NOT_FOUND", `program not found: ${program}`, {
          hint: `Install the package that provides \`${program}\` (apt-get install …), or check PATH.`,
        }),
      );
      return;
    }
    const child = spawn(cmd, args, {
      shell: false,
      stdio: [producer?.child.stdout ?? "pipe", "pipe", "pipe"],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    // the child holds its own copy of the pipe: ours is closed, so the producer sees the reader go away
    producer?.child.stdout?.destroy();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
      producer?.child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout?.on("data", (b: Buffer) => {
      outBytes += b.length;
      if (outBytes <= maxOutput) out.push(b);
    });
    child.stderr?.on("data", (b: Buffer) => {
      if (err.length < 256) err.push(b);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT") {
        reject(
          new RampartError("NOT_FOUND", `program not found: ${cmd}`, {
            hint: `Install the package that provides \`${cmd}\` (apt-get install …), or check PATH.`,
            cause: e,
          }),
        );
      } else {
        reject(new RampartError("EXEC", `could not start ${cmd}: ${e.message}`, { cause: e }));
      }
    });
    child.stdin?.on("error", () => {}); // the child may exit before reading its input
    child.on("close", async (code, signal) => {
      const before = producer ? await producer.done : undefined;
      clearTimeout(timer);
      const result: RunResult = {
        argv,
        code: code ?? (signal ? 128 : -1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        durationMs: performance.now() - started,
      };
      if (timedOut) {
        reject(
          new RampartError("TIMEOUT", `${describe(argv)} did not finish within ${timeoutMs} ms`, {
            hint: "The program hung; check that it is not waiting for input or a lock.",
          }),
        );
        return;
      }
      const ok = options.okCodes === "any" || (options.okCodes ?? [0]).includes(result.code);
      if (ok && before && before.code !== 0) {
        reject(before.error);
        return;
      }
      if (!ok) {
        const said = result.stderr.trim() || result.stdout.trim();
        reject(
          new RampartError(
            "EXEC",
            `${describe(argv)} failed (exit ${result.code}${signal ? `, ${signal}` : ""})${said ? `: ${firstLines(said)}` : ""}`,
            {
              cause: result,
            },
          ),
        );
        return;
      }
      resolve(result);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
};

/** The first program of a `pipeFrom` pair: its exit, with a RampartError saying why when it is not 0. */
function startProducer(
  argv: readonly string[],
  options: RunOptions,
): { child: ReturnType<typeof spawn>; done: Promise<{ code: number; error: RampartError }> } {
  const [cmd, ...args] = argv as [string, ...string[]];
  if (!cmd) throw new RampartError("EXEC", "internal: empty pipeFrom argv");
  const child = spawn(cmd, args, { shell: false, stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env, cwd: options.cwd });
  const err: Buffer[] = [];
  child.stderr?.on("data", (b: Buffer) => {
    if (err.length < 256) err.push(b);
  });
  const done = new Promise<{ code: number; error: RampartError }>((resolve) => {
    const fail = (code: number, why: string) =>
      resolve({ code, error: new RampartError(code === 127 ? "NOT_FOUND" : "EXEC", `${describe(argv)} ${why}`) });
    child.on("error", (e) => fail(127, `could not start: ${e.message}`));
    child.on("close", (code, signal) => {
      const said = Buffer.concat(err).toString("utf8").trim();
      if (code === 0) resolve({ code: 0, error: new RampartError("EXEC", "") });
      else fail(code ?? 128, `failed (exit ${code ?? 128}${signal ? `, ${signal}` : ""})${said ? `: ${firstLines(said)}` : ""}`);
    });
  });
  return { child, done };
}

/** argv as a human-readable string, for messages only (never executed). */
export function describe(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

function firstLines(s: string, n = 6): string {
  const lines = s.split("\n");
  return lines.length <= n ? s : `${lines.slice(0, n).join("\n")}\n… (${lines.length - n} more lines)`;
}

/** Is a program available on PATH (or at an absolute path)? */
export async function which(cmd: string): Promise<string | undefined> {
  const { access, constants } = await import("node:fs/promises");
  const dirs = cmd.includes("/") ? [""] : (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  for (const d of dirs) {
    const p = d ? `${d}/${cmd}` : cmd;
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {}
  }
  return undefined;
}

/**
 * Start a long-running program whose output is streamed (journalctl -f, a detached timer): the same
 * rules as `run` — argv only, never a shell — but the caller owns the process and its lifetime.
 */
export function startProcess(
  argv: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcessWithoutNullStreams {
  if (argv.length === 0 || !argv[0]) throw new RampartError("EXEC", "internal: empty argv");
  const [cmd, ...args] = argv as [string, ...string[]];
  return spawn(cmd, args, { shell: false, stdio: ["pipe", "pipe", "pipe"], env: options.env ?? process.env, cwd: options.cwd });
}

/**
 * Start a program that must outlive rampart (the rollback timer, a detached guard): its own session (setsid,
 * so a closing terminal's SIGHUP never reaches it), output appended to a log file, never waited for. Returns
 * the pid. Same rules as everything else here: argv only.
 */
export function startDetached(argv: readonly string[], options: { logFd: number; cwd?: string; env?: NodeJS.ProcessEnv }): number {
  if (argv.length === 0 || !argv[0]) throw new RampartError("EXEC", "internal: empty argv");
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, {
    shell: false,
    detached: true,
    stdio: ["ignore", options.logFd, options.logFd],
    cwd: options.cwd,
    env: options.env ?? process.env,
  });
  child.unref();
  return child.pid ?? -1;
}
