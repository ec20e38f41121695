// The fleet share against a real PostgreSQL on loopback, with three in-process guards (in-memory kernels):
// bans and unbans reach the others with their origin and remaining time, never over the ignore list, never
// bounce back; with the database down bans go on and queue in the outbox, and arrive exactly once after it
// returns; the schema is migrated once. Each guard logs in with its own host role (least privilege: read,
// append its own rows), as the README tells a fleet to; share-hosts.test.ts tests what such a role may not do. Needs root (the server runs as the postgres user) and PostgreSQL.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { selfSignedCert } from "../helpers/tls.js";
import { hostUrl, makePostgres, machine, ownerUrl, PG_BIN, type PgServer } from "./postgres-server.js";
import { type Node, startNode, until } from "./nodes.js";

const skip = process.getuid?.() !== 0 ? "needs root" : !PG_BIN ? "PostgreSQL is not installed" : undefined;
if (skip && process.env.CI === "true") throw new Error(`fleet loopback test cannot run in CI: ${skip}`);

let dir = "";
let server: PgServer;
let url = "";
let cert = "";
const nodes: Node[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), "rampart-fleet-"));
  chmodSync(dir, 0o755); // the postgres user traverses it to its own 0700 directory
  const port = 20_000 + (process.pid % 20_000);
  // TLS: a self-signed certificate for 127.0.0.1 (the guard verifies it with sslmode=verify-full)
  const tls = path.join(dir, "tls");
  await machine.exec(["mkdir", "-p", tls]);
  await selfSignedCert({ cert: `${tls}/cert.pem`, key: `${tls}/key.pem`, ip: "127.0.0.1", name: "127.0.0.1" });
  await machine.exec(["chown", "-R", "postgres:postgres", tls]);
  await machine.exec(["chmod", "600", `${tls}/key.pem`]);
  cert = `${tls}/cert.pem`;
  server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", port, [
    "ssl=on",
    `ssl_cert_file=${cert}`,
    `ssl_key_file=${tls}/key.pem`,
  ]);
  await server.start();
  url = ownerUrl(server);
});

after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const query = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
};

test("fleet share over PostgreSQL (loopback)", { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const [a, b, c] = [
    await startNode(dir, "alpha", await hostUrl(server, "alpha")),
    await startNode(dir, "bravo", await hostUrl(server, "bravo")),
    await startNode(dir, "charlie", await hostUrl(server, "charlie"), { ignore: ["198.51.100.99"] }),
  ] as [Node, Node, Node];
  nodes.push(a, b, c);
  await until("all connected", () => nodes.every((n) => n.share.status().connected));

  await t.test("a ban reaches the others with its origin and remaining time; it does not bounce back", async () => {
    await a.daemon.ban("198.51.100.7", "sshd", 600);
    await until("bravo and charlie to ban", () => b.kernel.kernel.has("198.51.100.7") && c.kernel.kernel.has("198.51.100.7"));
    const got = b.daemon.bans().find((x) => x.target === "198.51.100.7");
    assert.equal(got?.origin, "alpha", "the origin the database authenticated");
    assert.equal(got?.jail, "sshd");
    const left = b.kernel.kernel.get("198.51.100.7") ?? 0;
    assert.ok(left > 590 && left <= 600, `remaining ${left}`);
    await a.share.idle();
    assert.equal(a.share.status().received, 0, "alpha's own decision is not applied again");
    assert.equal(a.share.status().outbox, 0);
  });

  await t.test("the ignore list wins over a received ban (address, and a prefix holding it)", async () => {
    await a.daemon.ban("198.51.100.99", "sshd", 600);
    await a.daemon.ban("198.51.100.96/29", "sshd", 600);
    // bravo holds both; the kernel set takes the /29 only (an nft interval set holds no overlaps: the address
    // inside is loaded again if the /29 ends first)
    await until("bravo to ban both", () => {
      const held = b.daemon.bans().map((x) => x.target);
      return held.includes("198.51.100.99") && held.includes("198.51.100.96/29") && b.kernel.kernel.has("198.51.100.96/29");
    });
    await until("charlie to refuse both", () => c.share.status().ignored === 2);
    assert.equal(c.kernel.kernel.has("198.51.100.99"), false);
    assert.equal(c.kernel.kernel.has("198.51.100.96/29"), false);
  });

  await t.test("an unban on one host lifts it everywhere", async () => {
    await b.daemon.unban("198.51.100.7", false);
    await until("alpha and charlie to lift", () => !a.kernel.kernel.has("198.51.100.7") && !c.kernel.kernel.has("198.51.100.7"));
    assert.equal(
      a.daemon.bans().some((x) => x.target === "198.51.100.7"),
      false,
    );
  });

  await t.test("database down: bans go on locally and queue; after it returns they arrive exactly once", async () => {
    await server.stop();
    await until("alpha to notice", () => !a.share.status().connected);
    await a.daemon.ban("198.51.100.50", "sshd", 600);
    await a.daemon.ban("2001:db8:bad::/64", "sshd", 600);
    assert.equal(a.kernel.kernel.has("198.51.100.50"), true, "the local ban does not wait for the database");
    assert.equal(a.share.status().outbox, 2);
    await server.start();
    await until("bravo and charlie to receive", () =>
      [b, c].every((n) => n.kernel.kernel.has("198.51.100.50") && n.kernel.kernel.has("2001:db8:bad::/64")),
    );
    await until("alpha's outbox to drain", () => a.share.status().outbox === 0);
    const rows = await query<{ n: string; d: string }>(
      "SELECT count(*)::text AS n, count(DISTINCT (target, action))::text AS d FROM rampart_decisions WHERE target IN ('198.51.100.50', '2001:db8:bad::/64')",
    );
    assert.deepEqual(rows, [{ n: "2", d: "2" }]);
  });

  await t.test("a burst of 1,500 decisions arrives exactly once, in order (batched)", async () => {
    const before = b.share.status().received;
    const now = Date.now();
    const burst = Array.from({ length: 1500 }, (_, i) => ({
      action: "ban" as const,
      target: `10.9.${i >> 8}.${i & 255}`,
      jail: "sshd",
      reason: "burst",
      origin: "alpha",
      startedAt: now,
      expiresAt: now + 600_000,
      offense: 1,
    }));
    a.share.publish(burst.slice(0, 700));
    a.share.publish(burst.slice(700));
    await until("bravo to hold the burst", () => b.daemon.bans().filter((x) => x.reason === "burst").length === 1500);
    // one more decision after the burst: the catch-up must start after the burst's last id, not inside it
    await a.daemon.ban("198.51.100.77", "sshd", 600);
    await until("bravo to ban the next one", () => b.kernel.kernel.has("198.51.100.77"));
    await b.share.idle();
    assert.equal(b.share.status().received - before, 1501, "each decision delivered once");
    const rows = await query<{ n: string }>("SELECT count(*)::text AS n FROM rampart_decisions WHERE reason = 'burst'");
    assert.deepEqual(rows, [{ n: "1500" }]);
  });

  await t.test("TLS: sslmode=verify-full with the server's CA connects encrypted; a wrong CA is refused", async () => {
    const tlsUrl = `${await hostUrl(server, "delta")}?sslmode=verify-full&sslrootcert=${encodeURIComponent(cert)}`;
    const d = await startNode(dir, "delta", tlsUrl);
    nodes.push(d);
    await until("delta to connect over TLS", () => d.share.status().connected);
    const rows = await query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'rampart-guard' AND s.ssl",
    );
    assert.deepEqual(rows, [{ n: "1" }]);
    await a.daemon.ban("198.51.100.88", "sshd", 600);
    await until("delta to receive over TLS", () => d.kernel.kernel.has("198.51.100.88"));
    const wrongCa = path.join(dir, "wrong-ca.pem");
    await machine.exec([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=other",
      "-keyout",
      path.join(dir, "wrong-key.pem"),
      "-out",
      wrongCa,
    ]);
    const e = await startNode(
      dir,
      "echo",
      `${await hostUrl(server, "echo")}?sslmode=verify-full&sslrootcert=${encodeURIComponent(wrongCa)}`,
    );
    nodes.push(e);
    await until("echo to fail the certificate check", () => (e.share.status().lastError ?? "") !== "");
    assert.equal(e.share.status().connected, false);
    assert.match(e.share.status().lastError ?? "", /certificate/i);
  });

  await t.test("the schema is versioned and migrated once", async () => {
    const rows = await query<{ version: number }>("SELECT version FROM rampart_migrations");
    assert.deepEqual(rows, [{ version: 1 }, { version: 2 }, { version: 3 }]);
  });
});
