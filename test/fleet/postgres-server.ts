// A throwaway PostgreSQL server for fleet tests and the bench: Debian's initdb/postgres (PostgreSQL 15 at
// /usr/lib/postgresql/*/bin, linked from /usr/local/bin), run as the `postgres` user through setpriv (no
// intermediate process: signals reach the postmaster), data and socket in a directory the caller removes.
// Password authentication (scram) over TCP, so the guard's credentials file is exercised for real.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import pg from "pg";
import { resolveConnection } from "../../src/guard/share/credentials.js";
import { shareSetup } from "../../src/guard/share/setup.js";
import { run } from "../../src/system/exec.js";

export const PG_BIN = ["/usr/local/bin", ...["17", "16", "15", "14"].map((v) => `/usr/lib/postgresql/${v}/bin`)].find((d) =>
  existsSync(`${d}/initdb`),
);

/** Where the server runs: the machine (loopback) or a lab host (its exec/spawn). */
export interface PgPlace {
  exec(argv: readonly string[], options?: { input?: string }): Promise<unknown>;
  spawn(argv: readonly string[]): {
    waitFor(re: RegExp, ms?: number): Promise<string>;
    kill(sig?: NodeJS.Signals): void;
    exited: Promise<unknown>;
  };
}

export interface PgServer {
  url: string;
  password: string;
  start(): Promise<void>;
  /** fast shutdown (clients are disconnected), resolves when the postmaster exited */
  stop(): Promise<void>;
  /** wait for a line of the server's log (e.g. with `log_connections=on`); rejects after `ms` */
  waitForLog(re: RegExp, ms?: number): Promise<string>;
}

const asPostgres = ["setpriv", "--reuid", "postgres", "--regid", "postgres", "--init-groups", "--"];

/** initdb in `dir` (inside the place), listening on `address:port` (more `name=value` settings); call start(). */
export async function makePostgres(place: PgPlace, dir: string, address: string, port: number, settings: string[] = []): Promise<PgServer> {
  if (!PG_BIN) throw new Error("PostgreSQL's initdb is not installed (apt-get install postgresql)");
  const password = "s3cret-fleet-pw";
  await place.exec(["mkdir", "-p", dir]);
  await place.exec(["chown", "postgres:postgres", dir]);
  await place.exec(["chmod", "700", dir]);
  await place.exec([...asPostgres, "tee", `${dir}/pwfile`], { input: `${password}\n` });
  await place.exec([
    ...asPostgres,
    `${PG_BIN}/initdb`,
    "-D",
    `${dir}/data`,
    "-U",
    "rampart",
    "--pwfile",
    `${dir}/pwfile`,
    "-A",
    "scram-sha-256",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  await place.exec([...asPostgres, "tee", "-a", `${dir}/data/pg_hba.conf`], { input: "host all all 0.0.0.0/0 scram-sha-256\n" });
  let proc: ReturnType<PgPlace["spawn"]> | undefined;
  return {
    url: `postgres://rampart@${address.includes(":") ? `[${address}]` : address}:${port}/postgres`,
    password,
    async start() {
      proc = place.spawn([
        ...asPostgres,
        `${PG_BIN}/postgres`,
        "-D",
        `${dir}/data`,
        "-k",
        dir,
        "-p",
        String(port),
        "-c",
        `listen_addresses=${address}`,
        "-c",
        "fsync=off",
        "-c",
        "max_connections=50",
        ...settings.flatMap((x) => ["-c", x]),
      ]);
      await proc.waitFor(/database system is ready to accept connections/, 30_000);
    },
    waitForLog(re, ms) {
      if (!proc) return Promise.reject(new Error("the server is not running"));
      return proc.waitFor(re, ms);
    },
    async stop() {
      if (!proc) return;
      proc.kill("SIGINT");
      await proc.exited;
      proc = undefined;
    },
  };
}

/** The machine itself, for the bench and loopback tests (a LabProcess-like wrapper over child_process). */
export const machine: PgPlace = {
  exec: (argv, options = {}) => run([...argv], { ...(options.input !== undefined ? { input: options.input } : {}), timeoutMs: 60_000 }),
  spawn(argv) {
    const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    const waiters: (() => void)[] = [];
    const onData = (b: Buffer) => {
      text += b.toString();
      for (const w of waiters.splice(0)) w();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
      exited,
      kill: (sig = "SIGTERM") => void child.kill(sig),
      waitFor: (re, ms = 10_000) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${text.slice(-2000)}`)), ms);
          const check = () => {
            const m = re.exec(text);
            if (m) {
              clearTimeout(timer);
              resolve(m[0]);
            } else waiters.push(check);
          };
          check();
          void exited.then(() => {
            clearTimeout(timer);
            if (!re.test(text)) reject(new Error(`postgres exited: ${text.slice(-2000)}`));
          });
        }),
    };
  },
};

/** The schema owner's URL, with its password. */
export function ownerUrl(s: PgServer): string {
  const u = new URL(s.url);
  u.password = s.password;
  return u.toString();
}

/**
 * A host's own login: role `role` (password `<role>-pw`) created by the owner and registered as host `host`
 * the way `rampart guard share-migrate --host` does it (which also migrates the schema). Returns its URL.
 */
export async function hostUrl(s: PgServer, role: string, host = role): Promise<string> {
  const owner = new pg.Client({ connectionString: ownerUrl(s) });
  await owner.connect();
  try {
    const exists = await owner.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
    if (exists.rowCount === 0) await owner.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${role}-pw'`);
  } finally {
    await owner.end();
  }
  await shareSetup(resolveConnection({ postgres: ownerUrl(s) }), [{ role, host }]);
  const u = new URL(s.url);
  u.username = role;
  u.password = `${role}-pw`;
  return u.toString();
}
