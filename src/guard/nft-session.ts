// One long-lived `nft -i` per daemon: the ban batches of a flood go to the kernel through it instead of one
// `nft -f -` process each. Why: a process per batch costs a fork of the daemon (~140 MiB mapped), an exec,
// libnftables' start and a fresh cache — measured ≈ 50–100 ms of wall time and ~20 ms of CPU per batch on a
// busy 2-core machine (bench/guard-kernel.ts) — where one transaction in a running `nft -i` costs ≈ 1 ms of
// CPU. nft 1.0.6 reads commands from a pipe in -i mode (no tty needed) and runs each input line as ONE
// transaction (all or nothing), printing a refusal to stderr and reading on; there is no other way to keep
// it running (`-f` reads to EOF).
//
// Protocol: a transaction's commands are written to a file in a private directory and the line
// `include "FILE"` is sent — nft reads a line from its pipe one byte per read(2) (libedit): 150 bans inline
// cost ~9 ms of nft CPU, included ~1 ms; an included file is part of the including line's transaction. After
// it comes a marker line that nft refuses in its parser without asking the kernel. nft handles lines in order
// and writes its errors to stderr unbuffered, so whatever stderr holds before the marker's own error is that
// transaction's refusal (the kernel's words); nothing before the marker = it landed. One transaction in
// flight at a time.
//
// Also:
//  - libedit keeps every line in its history (memory) and writes it to $HOME/.nft.history at exit: HOME is
//    /dev/null for the child (the file can never be created), and the process is replaced after
//    RECYCLE_BYTES of input lines;
//  - the process may die (killed, OOM) or hang: the transaction in flight fails with SessionLost (the caller
//    runs it again as `nft -f -`; adds and removes are idempotent) and the next one starts a fresh process.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RampartError } from "../core/errors.js";
import { startProcess } from "../system/exec.js";

/** a line nft's parser refuses at once (no netlink): its echo in stderr ends a transaction */
const MARKER = "rampart-sync";
const RECYCLE_BYTES = 4 << 20;

/** The session ended before the transaction's answer: it may or may not have landed. */
export class SessionLost extends Error {}

export interface NftSessionOptions {
  /** the program (default `nft -i`); the lab runs it inside a host (nsenter … nft -i) */
  argv?: readonly string[];
  /** a transaction without an answer this long kills the process (default 30 s) */
  timeoutMs?: number;
  /**
   * where the transaction files are written, and the same directory as nft sees it (the lab's nft runs in
   * another mount namespace); default: a new private directory under the temp dir, the same for both
   */
  dir?: { write: string; nft: string };
}

interface InFlight {
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class NftSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderr = "";
  private current: InFlight | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private written = 0;
  private closed = false;
  private dir: { write: string; nft: string } | undefined;
  /** processes started so far (status and tests) */
  starts = 0;

  constructor(private readonly o: NftSessionOptions = {}) {}

  /** a transaction is waiting for nft's answer */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** pid of the running nft (undefined when none runs) */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Run `commands` as one transaction. Resolves when nft applied them; rejects with the kernel's words when it
   * refused them (none applied), or with SessionLost when the process died or hung before answering.
   */
  run(commands: readonly string[]): Promise<void> {
    if (commands.some((c) => c.includes("\n"))) throw new RampartError("EXEC", "internal: a newline inside an nft command");
    const next = this.queue.then(() => this.once(`${commands.join("\n")}\n`));
    this.queue = next.catch(() => {});
    return next;
  }

  /**
   * For good (the daemon stops): the process exits when its input closes, the directory goes; a later run
   * fails with SessionLost (the enforcer then runs `nft -f -`).
   */
  close(): void {
    this.closed = true;
    this.retire();
    if (this.dir && !this.o.dir) rmSync(this.dir.write, { recursive: true, force: true });
    this.dir = undefined;
  }

  private once(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new SessionLost("the nft session is closed"));
    let file: string;
    try {
      file = this.write(text);
    } catch (e) {
      this.dir = undefined; // removed under us (a temp cleaner): a new one next time
      return Promise.reject(new SessionLost(`could not write the transaction file: ${(e as Error).message}`));
    }
    const child = this.child ?? this.start();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(child, new SessionLost(`nft -i did not answer within ${this.o.timeoutMs ?? 30_000} ms`));
        child.kill("SIGKILL");
      }, this.o.timeoutMs ?? 30_000);
      this.current = { resolve, reject, timer };
      const input = `include "${file}"\n${MARKER}\n`;
      this.written += input.length;
      child.stdin.write(input);
    }).finally(() => {
      if (this.written > RECYCLE_BYTES) this.retire();
    });
  }

  /** The transaction's commands into the file nft includes; returns its path as nft sees it. */
  private write(text: string): string {
    if (!this.dir) {
      const own = this.o.dir ?? { write: mkdtempSync(path.join(tmpdir(), "rampart-nft-")), nft: "" };
      this.dir = own.nft ? own : { write: own.write, nft: own.write };
    }
    // a private directory (0700, ours) and the same name each time: one transaction in flight
    writeFileSync(path.join(this.dir.write, "batch.nft"), text, { mode: 0o600 });
    return `${this.dir.nft}/batch.nft`;
  }

  private start(): ChildProcessWithoutNullStreams {
    // HOME=/dev/null: nft's line editor saves its history to $HOME/.nft.history at exit — never let it
    const child = startProcess(this.o.argv ?? ["nft", "-i"], { env: { ...process.env, HOME: "/dev/null" } });
    this.starts++;
    this.child = child;
    this.stderr = "";
    this.written = 0;
    child.stdout.resume(); // nothing is printed for adds and deletes; never let a pipe fill
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (s: string) => {
      if (this.child !== child) return;
      this.stderr += s;
      this.answer();
    });
    child.stdin.on("error", () => {}); // a dead child: its exit says so
    const gone = (why: string) => this.fail(child, new SessionLost(`nft -i ${why}`));
    child.on("error", (e) => gone(`could not run: ${e.message}`));
    child.on("exit", (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
    // the daemon's lifetime decides, never this child's pipes
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  /** The marker's error block is complete: settle the transaction with what came before it. */
  private answer(): void {
    const at = `\n${this.stderr}`.indexOf(`\n${MARKER}\n`);
    if (at < 0) return;
    const caretEnd = this.stderr.indexOf("\n", at + MARKER.length + 1);
    if (caretEnd < 0) return; // the caret line under the marker is still coming
    // the marker's own "Error: syntax error …" line is the one just before it
    const before = this.stderr.slice(0, Math.max(0, at - 1));
    const said = before.slice(0, Math.max(0, before.lastIndexOf("\n") + 1));
    this.stderr = this.stderr.slice(caretEnd + 1);
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    clearTimeout(c.timer);
    if (/Error:/.test(said)) c.reject(new RampartError("EXEC", `nft refused the transaction: ${said.trim()}`));
    else c.resolve();
  }

  private fail(child: ChildProcessWithoutNullStreams, e: Error): void {
    if (this.child !== child) return;
    this.child = undefined;
    const c = this.current;
    this.current = undefined;
    if (!c) return;
    clearTimeout(c.timer);
    c.reject(e);
  }

  /** Stop using the running process: its input ends, it exits by itself. */
  private retire(): void {
    const child = this.child;
    if (!child) return;
    this.fail(child, new SessionLost("nft -i was replaced"));
    child.stdin.end();
  }
}
