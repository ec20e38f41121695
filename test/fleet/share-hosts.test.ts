// A host writes fleet decisions only in its own name, against a real PostgreSQL on loopback: each guard logs in
// with its own role (registered by the owner through `rampart guard share-migrate --host`), the database fills
// `writer` and refuses a row in another host's name, a host can neither set `writer` nor change or remove any
// row, and receivers take the origin from the writer — so `guard.share.accept.origins` trusts what the
// database proved, not what a row claims. A host role needs no CREATE privilege once the schema is current,
// and is told who must migrate when it is not; rows from before host roles are shown as unverified.
// Needs root (the server runs as the postgres user) and PostgreSQL.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { createLogger } from "../../src/core/logger.js";
import { MIGRATIONS, migrate } from "../../src/guard/share/migrations.js";
import { runCli } from "../helpers/cli.js";
import { type Node, startNode, until } from "./nodes.js";
import { hostUrl, makePostgres, machine, ownerUrl, PG_BIN, type PgServer } from "./postgres-server.js";

const skip = process.getuid?.() !== 0 ? "needs root" : !PG_BIN ? "PostgreSQL is not installed" : undefined;
if (skip && process.env.CI === "true") throw new Error(`fleet host-role test cannot run in CI: ${skip}`);

let dir = "";
let server: PgServer;
const nodes: Node[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), "rampart-fleet-hosts-"));
  chmodSync(dir, 0o755);
  server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", 20_000 + ((process.pid + 7919) % 20_000));
  await server.start();
  // PostgreSQL 15 already keeps CREATE on public from everyone but its owner; older servers do not
  await sql(ownerUrl(server), "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
});

after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query<T>(text, values);
  } finally {
    await c.end();
  }
}

/** What a PostgreSQL statement answered: "ok <rows>" or the error text. */
async function attempt(url: string, text: string, values: unknown[] = []): Promise<string> {
  try {
    return `ok ${(await sql(url, text, values)).rowCount}`;
  } catch (e) {
    return (e as Error).message;
  }
}

const INSERT =
  "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense) " +
  "VALUES ($1, 'ban', $2, 'sshd', 'forged', $3, 'n-forged', now(), now() + interval '10 minutes', 1)";
const insertNotify = (url: string, uid: string, target: string, origin: string) =>
  sql(url, `WITH x AS (${INSERT} RETURNING id) SELECT pg_notify('rampart_decisions', id::text) FROM x`, [uid, target, origin]);

function captured(): { log: ReturnType<typeof createLogger>; text: () => string } {
  let text = "";
  return { log: createLogger({ write: (l) => void (text += l) }), text: () => text };
}

test("fleet share: each host writes only in its own name", { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const owner = ownerUrl(server);
  const urls = {
    alpha: await hostUrl(server, "alpha"),
    bravo: await hostUrl(server, "bravo"),
    // a role whose name is not the host name: rampart_hosts maps it
    charlie: await hostUrl(server, "rampart_charlie", "charlie"),
    delta: await hostUrl(server, "delta"),
  };
  const aLog = captured();
  const cLog = captured();
  const a = await startNode(dir, "alpha", urls.alpha, { log: aLog.log });
  const b = await startNode(dir, "bravo", urls.bravo);
  const c = await startNode(dir, "charlie", urls.charlie, { origins: ["alpha"], log: cLog.log });
  const d = await startNode(dir, "delta", urls.delta);
  nodes.push(a, b, c, d);
  await until("all connected", () => [a, b, c, d].every((n) => n.share.status().connected));

  await t.test("a host role starts against an up-to-date schema without any CREATE privilege", async () => {
    const r = await sql<{ create: boolean; owner: boolean }>(
      owner,
      "SELECT has_schema_privilege('alpha', 'public', 'CREATE') AS create, has_database_privilege('alpha', current_database(), 'CREATE') AS owner",
    );
    assert.deepEqual(r.rows, [{ create: false, owner: false }]);
    assert.equal(a.share.status().lastError, undefined);
    assert.equal(a.share.status().host, "alpha", "the database knows alpha's login as host alpha");
    assert.equal(c.share.status().host, "charlie", "role rampart_charlie is host charlie");
    assert.match(aLog.text(), /share: connected to postgres:\/\/alpha:\*\*\*@127\.0\.0\.1:\d+\/postgres as host alpha/);
    assert.doesNotMatch(aLog.text(), /alpha-pw/, "the password is never logged");
  });

  await t.test("a role granted access by hand but not registered as a host is stopped, with who fixes it", async () => {
    await sql(owner, "CREATE ROLE stray LOGIN PASSWORD 'stray-pw'");
    await sql(
      owner,
      "GRANT SELECT, INSERT ON rampart_decisions TO stray; GRANT SELECT ON rampart_migrations TO stray; GRANT USAGE ON SEQUENCE rampart_decisions_id_seq TO stray",
    );
    const u = new URL(urls.alpha);
    u.username = "stray";
    u.password = "stray-pw";
    assert.match(await attempt(u.toString(), INSERT, ["s1", "198.51.100.24", "stray"]), /role stray is not a rampart host/);
    const sLog = captured();
    const s = await startNode(dir, "stray", u.toString(), { log: sLog.log });
    nodes.push(s);
    await until("stray to be refused", () => (s.share.status().lastError ?? "") !== "");
    assert.equal(s.share.status().connected, false);
    assert.match(s.share.status().lastError ?? "", /database role stray is not registered as a rampart host/);
    assert.match(sLog.text(), /share-migrate --database <owner URL> --host stray=<host name>/);
    await s.stop();
    nodes.splice(nodes.indexOf(s), 1);
  });

  await t.test("bravo cannot write a row in alpha's name, nor set the writer", async () => {
    assert.match(
      await attempt(urls.bravo, INSERT, ["f1", "198.51.100.21", "alpha"]),
      /role bravo writes decisions as host bravo, not as alpha/,
    );
    assert.match(
      await attempt(
        urls.bravo,
        "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, writer) VALUES ('f2', 'ban', '198.51.100.22', 'j', 'r', 'bravo', 'n', now(), now(), 'alpha')",
      ),
      /permission denied/,
    );
    assert.match(await attempt(urls.bravo, "SELECT rampart_grant_host('bravo', 'alpha')"), /permission denied/);
    assert.match(await attempt(urls.bravo, "INSERT INTO rampart_hosts VALUES ('bravo', 'alpha')"), /permission denied/);
    // in its own name it may: the row is stamped with the writer the database knows
    assert.equal(await attempt(urls.bravo, INSERT, ["own-1", "198.51.100.23", "bravo"]), "ok 1");
    const rows = await sql<{ uid: string; writer: string }>(
      owner,
      "SELECT uid, writer FROM rampart_decisions WHERE target = '198.51.100.23'",
    );
    assert.deepEqual(rows.rows, [{ uid: "bravo/own-1", writer: "bravo" }], "uids are the writer's own: no host can take another's first");
    const none = await sql(owner, "SELECT 1 FROM rampart_decisions WHERE target IN ('198.51.100.21', '198.51.100.22')");
    assert.equal(none.rowCount, 0);
  });

  await t.test("accept.origins [alpha]: charlie takes alpha's bans, never bravo's forgeries", async () => {
    // bravo's guard asks to publish in alpha's name: it goes out as bravo (the database would refuse alpha)
    const now = Date.now();
    b.share.publish([
      {
        action: "ban",
        target: "198.51.100.31",
        jail: "sshd",
        reason: "r",
        origin: "alpha",
        startedAt: now,
        expiresAt: now + 600_000,
        offense: 1,
      },
    ]);
    // straight SQL from bravo claiming alpha: refused (above); from the owner role claiming alpha: unverified
    await insertNotify(owner, "owner-1", "198.51.100.32", "alpha");
    await a.daemon.ban("198.51.100.33", "sshd", 600);
    await until("delta to hold all three", () => ["198.51.100.31", "198.51.100.32", "198.51.100.33"].every((x) => d.kernel.kernel.has(x)));
    await until("charlie to hold alpha's ban", () => c.kernel.kernel.has("198.51.100.33"));
    await c.share.idle();
    const origins = Object.fromEntries(d.daemon.bans().map((x) => [x.target, x.origin]));
    assert.equal(origins["198.51.100.31"], "bravo", "stored under bravo's name, whatever bravo claimed");
    assert.equal(origins["198.51.100.32"], "alpha (unverified)", "the owner role's claim is not proof");
    assert.equal(origins["198.51.100.33"], "alpha");
    assert.equal(c.kernel.kernel.has("198.51.100.31"), false, "bravo may not ban on charlie");
    assert.equal(c.kernel.kernel.has("198.51.100.32"), false, "an unverified alpha is not alpha");
    assert.equal(c.kernel.kernel.has("198.51.100.23"), false);
    assert.equal(c.daemon.bans().find((x) => x.target === "198.51.100.33")?.origin, "alpha");
    assert.ok((c.daemon.status().share?.refused ?? 0) >= 3, JSON.stringify(c.daemon.status().share));
    assert.match(cLog.text(), /from bravo: bravo may not ban here \(guard\.share\.accept\.origins\)/);
    assert.match(cLog.text(), /from alpha \(unverified\): its origin is not authenticated/);
  });

  await t.test("bravo can neither delete nor expire alpha's rows, nor lift alpha's ban on charlie", async () => {
    const alphaRows = "SELECT count(*)::int AS n, max(expires) AS e FROM rampart_decisions WHERE writer = 'alpha'";
    const before = (await sql<{ n: number; e: Date }>(owner, alphaRows)).rows[0];
    assert.ok((before?.n ?? 0) >= 1);
    assert.match(await attempt(urls.bravo, "DELETE FROM rampart_decisions WHERE writer = 'alpha'"), /permission denied/);
    assert.match(await attempt(urls.bravo, "UPDATE rampart_decisions SET expires = now() WHERE writer = 'alpha'"), /permission denied/);
    assert.match(await attempt(urls.bravo, "TRUNCATE rampart_decisions"), /permission denied/);
    // even if an administrator grants too much, row-level security leaves every row alone
    await sql(owner, "GRANT UPDATE, DELETE ON rampart_decisions TO bravo");
    try {
      assert.equal(await attempt(urls.bravo, "DELETE FROM rampart_decisions WHERE writer = 'alpha'"), "ok 0");
      assert.equal(await attempt(urls.bravo, "UPDATE rampart_decisions SET expires = now() WHERE writer = 'alpha'"), "ok 0");
      assert.equal(await attempt(urls.bravo, "UPDATE rampart_decisions SET expires = now() WHERE writer = 'bravo'"), "ok 0", "nor its own");
    } finally {
      await sql(owner, "REVOKE UPDATE, DELETE ON rampart_decisions FROM bravo");
    }
    assert.deepEqual((await sql<{ n: number; e: Date }>(owner, alphaRows)).rows[0], before);
    // an unban is a new row in bravo's name: charlie (origins [alpha]) keeps alpha's ban; delta (any origin)
    // lifts it, as an admin's `guard unban` on any host does
    await b.daemon.unban("198.51.100.33", false);
    await until("delta to lift", () => !d.kernel.kernel.has("198.51.100.33"));
    await c.share.idle();
    assert.equal(c.kernel.kernel.has("198.51.100.33"), true, "bravo may not unban on charlie");
    assert.match(cLog.text(), /from bravo: bravo may not unban here/);
  });

  await t.test("a host role on a schema that is behind is told who migrates; older rows stay unverified", async () => {
    await sql(owner, "CREATE DATABASE behind");
    const ownerBehind = new URL(owner);
    ownerBehind.pathname = "/behind";
    const zuluUrl = new URL(urls.alpha);
    zuluUrl.pathname = "/behind";
    // the database as an older rampart left it: migration 1, a row from before host roles, alpha allowed to read
    const c1 = new pg.Client({ connectionString: ownerBehind.toString() });
    await c1.connect();
    try {
      await migrate(c1, MIGRATIONS.slice(0, 1));
      await c1.query(INSERT, ["old-1", "198.51.100.41", "echo"]);
      await c1.query("GRANT SELECT ON rampart_decisions, rampart_migrations TO alpha");
    } finally {
      await c1.end();
    }
    const zLog = captured();
    const z = await startNode(dir, "zulu", zuluUrl.toString(), { log: zLog.log });
    nodes.push(z);
    await until("zulu to fail the migration", () => (z.share.status().lastError ?? "") !== "");
    assert.equal(z.share.status().connected, false);
    assert.match(z.share.status().lastError ?? "", /migration 2 \(host roles\) failed: must be owner/);
    assert.match(zLog.text(), /rampart guard share-migrate --database/);
    // the owner migrates (the command line, as an administrator would) and registers the role
    const cli = await runCli(["guard", "share-migrate", "--database", ownerBehind.toString(), "--host", "alpha=zulu"]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /schema at version 3 \(applied now: 2, 3\)/);
    assert.match(cli.stdout, /host zulu: role alpha may read decisions and append its own/);
    assert.doesNotMatch(cli.stdout + cli.stderr, new RegExp(server.password));
    await until("zulu to connect", () => z.share.status().connected, 10_000, 50);
    assert.equal(z.share.status().host, "zulu");
    await until("zulu to hold the older row", () => z.kernel.kernel.has("198.51.100.41"));
    assert.equal(z.daemon.bans().find((x) => x.target === "198.51.100.41")?.origin, "echo (unverified)");
    const again = await runCli(["guard", "share-migrate", "--database", ownerBehind.toString(), "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { version: 3, applied: [], hosts: [] });
  });
});
