// A long-running process started inside a lab host (sshd, `rampart guard run`, a log writer …): its output
// so far, its exit, and a way to wait for a line. The lab kills every one of them at destroy.
import { type ChildProcess, spawn } from "node:child_process";

export interface LabExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class LabProcess {
  readonly argv: readonly string[];
  readonly #child: ChildProcess;
  #stdout = "";
  #stderr = "";
  #exit: LabExit | undefined;
  readonly #listeners = new Set<() => void>();
  /** resolves when the process has exited (never rejects) */
  readonly exited: Promise<LabExit>;

  constructor(argv: readonly string[], options: { env: NodeJS.ProcessEnv; onStderrLine?: (line: string) => void }) {
    const [cmd, ...args] = argv as [string, ...string[]];
    this.argv = argv;
    this.#child = spawn(cmd, args, { env: options.env, stdio: ["ignore", "pipe", "pipe"], shell: false });
    this.#child.stdout?.setEncoding("utf8");
    this.#child.stderr?.setEncoding("utf8");
    this.#child.stdout?.on("data", (s: string) => {
      this.#stdout += s;
      this.#notify();
    });
    let partial = "";
    this.#child.stderr?.on("data", (s: string) => {
      this.#stderr += s;
      if (options.onStderrLine) {
        partial += s;
        let nl = partial.indexOf("\n");
        while (nl >= 0) {
          options.onStderrLine(partial.slice(0, nl).replace(/\r$/, ""));
          partial = partial.slice(nl + 1);
          nl = partial.indexOf("\n");
        }
      }
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.#child.on("error", (e) => {
        this.#stderr += `lab: could not start ${cmd}: ${e.message}\n`;
        this.#exit = { code: -1, signal: null };
        this.#notify();
        resolve(this.#exit);
      });
      this.#child.on("close", (code, signal) => {
        if (partial && options.onStderrLine) options.onStderrLine(partial);
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  /** PID of the process (nsenter execs the program, so this is the program itself). */
  get pid(): number {
    return this.#child.pid ?? -1;
  }
  get stdout(): string {
    return this.#stdout;
  }
  get stderr(): string {
    return this.#stderr;
  }
  /** undefined while running */
  get exit(): LabExit | undefined {
    return this.#exit;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    if (this.#exit === undefined) this.#child.kill(signal);
  }

  /** Stop it: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 2000): Promise<LabExit> {
    if (this.#exit) return this.#exit;
    this.kill("SIGTERM");
    const timer = setTimeout(() => this.kill("SIGKILL"), graceMs);
    const e = await this.exited;
    clearTimeout(timer);
    return e;
  }

  /** Wait until stdout or stderr contains `what` (string or regex); rejects on exit or after timeoutMs. */
  waitFor(what: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const test = () => {
      const all = this.#stdout + this.#stderr;
      if (typeof what === "string") return all.includes(what) ? what : undefined;
      return what.exec(all)?.[0];
    };
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = test();
        if (hit !== undefined) return done(() => resolve(hit));
        if (this.#exit) return done(() => reject(new Error(`lab: ${this.argv[0]} exited before printing ${what}:\n${this.#stderr}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`lab: no ${what} from ${this.argv.join(" ")} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        f();
      };
      this.#listeners.add(check);
      check();
    });
  }

  #notify(): void {
    for (const l of [...this.#listeners]) l();
  }
}
