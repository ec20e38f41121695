// bench/fleet-hostile: what a hostile writer's rows cost a guard joining the fleet. A real PostgreSQL on
// loopback (started here as the postgres user, removed at the end) holds N ban rows a peer wrote with long
// reasons (default: 300,000 rows of 0.0.0.0/1 with 2 KB reasons; `3 150000000` for three 150 MB reasons),
// written into a schema at version 2 (before the text bounds of migration 3, as an older database holds
// them). Then a guard (an in-process GuardDaemon wired to the share as `guard run` wires it, in-memory kernel,
// logging to /dev/null) starts with empty state and catches up; its peak RSS (VmHWM), CPU time and wall time
// until its last id reaches the newest row are printed. Each guard runs in a child process of its own, from
// each repository root given (e.g. this branch and /work/main, alternating), so the figures compare code, not
// processes. Run as root:
//   node --import tsx bench/fleet-hostile.ts [ROWS] [REASON_CHARS] [--roots DIR,DIR] [--runs N]
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);

if (args[0] === "--child") {
  const [, root = "", url = "", stateDir = "", max = ""] = args;
  const { startNode, until } = await import(path.join(root, "test/fleet/nodes.ts"));
  const { createLogger } = await import(path.join(root, "src/core/logger.ts"));
  const devnull = openSync("/dev/null", "w");
  const log = createLogger({ write: (l: string) => void writeSync(devnull, l) });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const n = await startNode(stateDir, "victim", url, { log });
  let done = true;
  try {
    await until("the catch-up to reach the newest row", () => n.share.status().lastId === max, 300_000, 20);
    await n.share.idle();
  } catch {
    done = false;
  }
  const cpu = process.cpuUsage(c0);
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
  const s = n.share.status();
  console.log(
    JSON.stringify({
      root,
      caughtUp: done,
      peakRssMiB: Math.round(hwm / 1024),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      wallMs: Math.round(performance.now() - t0),
      received: s.received,
      lastError: s.lastError,
    }),
  );
  await n.stop().catch(() => undefined);
  process.exit(0);
}

const flags = new Map<string, string>();
const positional: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a.startsWith("--")) flags.set(a, args[++i] ?? "");
  else positional.push(a);
}
const ROWS = Number(positional[0] ?? 300_000);
const REASON = Number(positional[1] ?? 2048);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const roots = (flags.get("--roots") ?? here).split(",");
const runs = Number(flags.get("--runs") ?? 1);

const pg = (await import("pg")).default;
const { makePostgres, machine, ownerUrl } = await import("../test/fleet/postgres-server.js");
const { MIGRATIONS, migrate } = await import("../src/guard/share/migrations.js");

const dir = mkdtempSync(path.join(tmpdir(), "rampart-fleet-hostile-"));
chmodSync(dir, 0o755);
const server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", 20_000 + ((process.pid + 4099) % 20_000));
try {
  await server.start();
  const url = ownerUrl(server);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let max = "0";
  try {
    await migrate(
      c,
      MIGRATIONS.filter((m) => m.version <= 2),
    );
    const t0 = performance.now();
    for (let from = 1; from <= ROWS; from += 50_000) {
      await c.query(
        "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense) " +
          "SELECT 'hostile-' || i, 'ban', '0.0.0.0/1', 'sshd', repeat('x', $3), 'evil', 'n-evil', now(), now() + interval '1 day', 1 " +
          "FROM generate_series($1::int, $2::int) AS i",
        [from, Math.min(ROWS, from + 49_999), REASON],
      );
    }
    max = (await c.query<{ max: string }>("SELECT max(id)::text AS max FROM rampart_decisions")).rows[0]?.max ?? "0";
    console.log(`${ROWS} rows of 0.0.0.0/1 with ${REASON}-character reasons written in ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await c.end();
  }
  console.log(`load: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  for (let r = 0; r < runs; r++) {
    for (const root of roots) {
      const state = mkdtempSync(path.join(dir, "guard-"));
      const child = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--child", root, url, state, max], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 1 << 26,
      });
      const line = child.stdout.trim().split("\n").pop();
      console.log(line || `child failed (${child.status}): ${child.stderr.slice(-2000)}`);
    }
  }
} finally {
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
