// bench/fleet: 10,000 ban decisions published by one guard reach two others through a real PostgreSQL on
// loopback (started here as the postgres user, removed at the end). The three guards are in-process
// GuardDaemons wired to the share exactly as `guard run` does, with in-memory kernels (the lab test proves
// the nft part). Published in bursts of 500 per event-loop turn, as a flood of bans would be; the share
// batches them (outbox → multi-row INSERT → NOTIFY → catch-up by id). Each guard logs in with its own host
// role, as a fleet should (the database stamps and checks every row's writer). Prints time and rate.
// Run as root: node --import tsx bench/fleet.ts [N]
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hostUrl, makePostgres, machine } from "../test/fleet/postgres-server.js";
import { type Node, startNode, until } from "../test/fleet/nodes.js";

const N = Number(process.argv[2] ?? 10_000);
const dir = mkdtempSync(path.join(tmpdir(), "rampart-fleet-bench-"));
chmodSync(dir, 0o755);
const server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", 20_000 + (process.pid % 20_000));
const nodes: Node[] = [];
try {
  await server.start();
  for (const name of ["pub", "sub1", "sub2"]) nodes.push(await startNode(dir, name, await hostUrl(server, name)));
  const [pub, ...subs] = nodes as [Node, Node, Node];
  await until("connected", () => nodes.every((n) => n.share.status().connected));

  const now = Date.now();
  const target = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const t0 = performance.now();
  for (let i = 0; i < N; i += 500) {
    const burst = [];
    for (let k = i; k < Math.min(N, i + 500); k++) {
      burst.push({
        action: "ban" as const,
        target: target(k),
        jail: "sshd",
        reason: "bench",
        origin: "pub",
        startedAt: now,
        expiresAt: now + 3_600_000,
        offense: 1,
      });
    }
    pub.share.publish(burst);
    await new Promise((r) => setImmediate(r));
  }
  const tQueued = performance.now();
  await until("the outbox to drain", () => pub.share.status().outbox === 0, 120_000, 5);
  const tSent = performance.now();
  await until("every subscriber to hold every ban", () => subs.every((s) => s.kernel.kernel.size >= N), 120_000, 5);
  const tDone = performance.now();
  const ms = (x: number) => Math.round(x);
  console.log(`fleet share: ${N} decisions from 1 guard to 2 others through PostgreSQL (loopback)`);
  console.log(`  queued in the outbox: ${ms(tQueued - t0)} ms`);
  console.log(`  committed to PostgreSQL: ${ms(tSent - t0)} ms (${Math.round(N / ((tSent - t0) / 1000))} decisions/s)`);
  console.log(`  in both subscribers' kernels: ${ms(tDone - t0)} ms (${Math.round(N / ((tDone - t0) / 1000))} decisions/s end to end)`);
  console.log(
    `  subscriber status: ${JSON.stringify(subs.map((s) => ({ received: s.share.status().received, lastId: s.share.status().lastId })))}`,
  );
} finally {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await server.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
