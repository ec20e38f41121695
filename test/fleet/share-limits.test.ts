// What one hostile or broken peer (anyone who can write rows) can cost every guard, against a real PostgreSQL
// on loopback: no received text is longer than its bound however long the row (the database cuts it), the
// database refuses oversize new rows while a database already holding some still migrates, a guard's own
// long text is clipped rather than stuck in its outbox, the first catch-up reads in pages and resumes after a
// restart, one origin holds at most guard.share.accept.maxBans bans here, a page of refused rows is one log
// line, a received ban never raises a local repeat-offender count, and a host role on a database without
// the optional migration 3 goes on sharing. Each part runs in its own database, so a first catch-up sees only
// its rows. Needs root (the server runs as the postgres user) and PostgreSQL.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { createLogger } from "../../src/core/logger.js";
import { resolveConnection } from "../../src/guard/share/credentials.js";
import { TEXT } from "../../src/guard/share/limits.js";
import { MIGRATIONS, migrate } from "../../src/guard/share/migrations.js";
import { shareSetup } from "../../src/guard/share/setup.js";
import type { Decision } from "../../src/guard/share/types.js";
import { type Node, type NodeOptions, startNode, until } from "./nodes.js";
import { hostUrl, makePostgres, machine, ownerUrl, PG_BIN, type PgServer } from "./postgres-server.js";

const skip = process.getuid?.() !== 0 ? "needs root" : !PG_BIN ? "PostgreSQL is not installed" : undefined;
if (skip && process.env.CI === "true") throw new Error(`fleet limits test cannot run in CI: ${skip}`);

let dir = "";
let server: PgServer;
const nodes: Node[] = [];

before(async () => {
  if (skip) return;
  dir = mkdtempSync(path.join(tmpdir(), "rampart-fleet-limits-"));
  chmodSync(dir, 0o755);
  server = await makePostgres(machine, path.join(dir, "pg"), "127.0.0.1", 20_000 + ((process.pid + 15_331) % 20_000));
  await server.start();
  // the roles exist cluster-wide; each database below registers them again
  for (const r of ["alpha", "bravo"]) await hostUrl(server, r);
});

after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await server?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `url` pointed at database `db`. */
function inDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query<T>(text, values);
  } finally {
    await c.end();
  }
}

/** A new database: migrated (all migrations, or up to `upTo`) with alpha and bravo registered; their URLs. */
async function database(name: string, upTo?: number): Promise<{ owner: string; alpha: string; bravo: string }> {
  await sql(ownerUrl(server), `CREATE DATABASE ${name}`);
  const owner = inDb(ownerUrl(server), name);
  if (upTo === undefined) {
    await shareSetup(resolveConnection({ postgres: owner }), [
      { role: "alpha", host: "alpha" },
      { role: "bravo", host: "bravo" },
    ]);
  } else {
    const c = new pg.Client({ connectionString: owner });
    await c.connect();
    try {
      await migrate(
        c,
        MIGRATIONS.filter((m) => m.version <= upTo),
      );
      for (const r of ["alpha", "bravo"]) await c.query("SELECT rampart_grant_host($1::name, $2::text)", [r, r]);
    } finally {
      await c.end();
    }
  }
  return { owner, alpha: inDb(await hostUrl(server, "alpha"), name), bravo: inDb(await hostUrl(server, "bravo"), name) };
}

async function node(name: string, url: string, o: NodeOptions = {}): Promise<Node> {
  const n = await startNode(dir, name, url, o);
  nodes.push(n);
  await until(`${name} to connect`, () => n.share.status().connected);
  return n;
}

function captured(): { log: ReturnType<typeof createLogger>; text: () => string } {
  let text = "";
  return { log: createLogger({ write: (l) => void (text += l) }), text: () => text };
}

/** Owner rows (unverified: no host role wrote them), then one NOTIFY. `values` are SQL expressions per row. */
const ownerRows = (owner: string, rows: string[]) =>
  sql(
    owner,
    `INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense) VALUES ${rows.join(", ")}; ` +
      "NOTIFY rampart_decisions, '0'",
  );
let uid = 0;
const row = (o: { target?: string; jail?: string; reason?: string; origin?: string; node?: string; action?: string; expires?: string }) =>
  `('u-${uid++}', '${o.action ?? "ban"}', ${o.target ?? "'198.51.100.1'"}, ${o.jail ?? "'sshd'"}, ${o.reason ?? "'r'"}, ${o.origin ?? "'peer'"}, ` +
  `${o.node ?? "'n-peer'"}, now(), ${o.expires ?? "now() + interval '1 hour'"}, 1)`;

const ban = (target: string, over: Partial<Decision> = {}) => {
  const now = Date.now();
  return {
    action: "ban" as const,
    target,
    jail: "sshd",
    reason: "r",
    origin: "alpha",
    startedAt: now,
    expiresAt: now + 3_600_000,
    offense: 1,
    ...over,
  };
};

test("fleet share: what one peer can cost every guard is bounded", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  await t.test("megabyte fields are cut in the database; a database holding such rows still migrates, new ones are refused", async () => {
    // the database as an older rampart left it (version 2), with rows a hostile writer filled
    const db = await database("legacy", 2);
    const mb = (c: string) => `repeat('${c}', 1000000)`;
    await ownerRows(db.owner, [
      row({ target: "'198.51.100.10'", reason: mb("x") }),
      row({ target: "'198.51.100.11'", jail: mb("j") }),
      row({ target: `'198.51.100.12' || ${mb("0")}` }),
      row({ target: "'198.51.100.13'", origin: mb("o") }),
      row({ target: "'198.51.100.14'", node: mb("n") }),
    ]);
    const pages: Decision[][] = [];
    // the owner's login: this guard migrates the database (to 3) before it reads
    const n = await node("legacy", db.owner, { onApply: (ds) => pages.push([...ds]) });
    await until("the legacy rows to be read", () => pages.flat().length === 5);
    for (const d of pages.flat())
      for (const k of ["uid", "target", "jail", "reason", "origin", "node"] as const)
        assert.ok(d[k].length <= TEXT[k].read + 1, `${k} of ${d.target.slice(0, 20)} holds ${d[k].length} characters`);
    await n.share.idle();
    const held = Object.fromEntries(n.daemon.bans().map((b) => [b.target, b]));
    assert.equal(held["198.51.100.10"]?.reason.length, 200);
    assert.ok(held["198.51.100.10"]?.reason.endsWith("…"), "a cut reason says so");
    assert.equal(held["198.51.100.11"]?.jail, "fleet", "a jail name longer than 64 is not a jail name");
    assert.equal(held["198.51.100.12"], undefined, "an address with a megabyte tail is not an address");
    assert.match(held["198.51.100.13"]?.origin ?? "", /^o{47}… \(unverified\)$/);
    assert.ok(held["198.51.100.14"]);

    const versions = await sql<{ version: number }>(db.owner, "SELECT version FROM rampart_migrations ORDER BY version");
    assert.deepEqual(
      versions.rows.map((r) => r.version),
      [1, 2, 3],
    );
    const kept = await sql<{ n: number }>(db.owner, "SELECT count(*)::int AS n FROM rampart_decisions WHERE char_length(reason) > 1000");
    assert.equal(kept.rows[0]?.n, 1, "rows already there are kept (NOT VALID)");
    await assert.rejects(
      ownerRows(db.owner, [row({ target: "'198.51.100.15'", reason: "repeat('x', 1001)" })]),
      /violates check constraint "rampart_decisions_text_bounds"/,
    );
    await n.stop();
    nodes.splice(nodes.indexOf(n), 1);
  });

  await t.test("a guard's own long reason and jail are clipped on the way out, not stuck in its outbox", async () => {
    const db = await database("clip");
    const a = await node("clip-a", db.alpha);
    const b = await node("clip-b", db.bravo);
    a.share.publish([ban("198.51.100.20", { reason: "x".repeat(5000), jail: "j".repeat(150) })]);
    await until("bravo to hold it", () => b.kernel.kernel.has("198.51.100.20"));
    await until("alpha's outbox to drain", () => a.share.status().outbox === 0);
    const got = b.daemon.bans().find((x) => x.target === "198.51.100.20");
    assert.equal(got?.reason.length, 200);
    const stored = await sql<{ r: number; j: number }>(
      db.owner,
      "SELECT char_length(reason) AS r, char_length(jail) AS j FROM rampart_decisions WHERE target = '198.51.100.20'",
    );
    assert.deepEqual(stored.rows, [{ r: TEXT.reason.stored, j: TEXT.jail.stored }]);
  });

  await t.test("the first catch-up reads in pages and, stopped half way, resumes where it stopped", async () => {
    const db = await database("catchup");
    await ownerRows(db.owner, [
      ...Array.from({ length: 25 }, (_, i) => row({ target: `'198.51.100.${i + 1}'` })),
      row({ target: "'198.51.100.99'", expires: "now() - interval '1 minute'" }),
    ]);
    const pages: string[][] = [];
    let first: Node | undefined;
    let stopping: Promise<void> | undefined;
    const o: NodeOptions = {
      pageSize: 10,
      onApply: (ds) => {
        pages.push(ds.map((d) => d.target));
        // a restart after the first page (the page is still applied: the share stops reading after it)
        if (pages.length === 1) stopping = first?.stop();
      },
    };
    first = await startNode(dir, "catchup", db.bravo, o);
    await until("the first page", () => stopping !== undefined);
    await stopping;
    assert.equal(pages.length, 1, "no page after the stop");
    const again = await node("catchup", db.bravo, o);
    await until("the catch-up to end", () => again.share.status().lastId !== "0");
    await again.share.idle();
    assert.ok(
      pages.every((p) => p.length <= 10),
      `pages of at most 10 rows: ${pages.map((p) => p.length)}`,
    );
    const all = pages.flat();
    assert.deepEqual(
      all,
      Array.from({ length: 25 }, (_, i) => `198.51.100.${i + 1}`),
      "each running ban once, in id order, resumed after the first page",
    );
    const max = await sql<{ max: string }>(db.owner, "SELECT max(id)::text AS max FROM rampart_decisions");
    assert.equal(again.share.status().lastId, max.rows[0]?.max);
    assert.equal(again.daemon.bans().length, 25);
  });

  await t.test("one origin holds at most accept.maxBans bans here; all unverified origins count as one", async () => {
    const db = await database("cap");
    const bLog = captured();
    const a = await node("cap-a", db.alpha);
    const b = await node("cap-b", db.bravo, { accept: { maxBans: 5 }, log: bLog.log });
    a.share.publish(Array.from({ length: 8 }, (_, i) => ban(`198.51.100.${30 + i}`)));
    await until("bravo to read alpha's 8", () => b.share.status().received === 8);
    await b.share.idle();
    const fromAlpha = () => b.daemon.bans().filter((x) => x.origin === "alpha");
    assert.equal(fromAlpha().length, 5);
    assert.equal(b.daemon.status().share?.refused, 3);
    assert.match(
      bLog.text(),
      /share: not applying 3 of 8 received decisions \(3 maxBans\): 3 from alpha: 198\.51\.100\.35: alpha holds 5 bans/,
    );
    // at the cap: a new ban is refused, a longer one for a target alpha already holds is taken
    const held = fromAlpha()[0]?.target ?? "";
    a.share.publish([ban("198.51.100.40"), ban(held, { expiresAt: Date.now() + 7_200_000 })]);
    await until("bravo to read both", () => b.share.status().received === 10);
    await b.share.idle();
    assert.equal(fromAlpha().length, 5);
    assert.ok((fromAlpha().find((x) => x.target === held)?.expiresAt ?? 0) > Date.now() + 3_700_000, "extended");
    assert.equal(b.kernel.kernel.has("198.51.100.40"), false);
    // the owner login writes under any origin it likes: unverified ones share one count
    await ownerRows(
      db.owner,
      Array.from({ length: 7 }, (_, i) => row({ target: `'198.51.100.${50 + i}'`, origin: `'claim${i}'` })),
    );
    await until("bravo to read the claims", () => b.share.status().received === 17);
    await b.share.idle();
    assert.equal(b.daemon.bans().filter((x) => x.origin.endsWith("(unverified)")).length, 5);
  });

  await t.test("a page of refused rows is one log line, whatever it holds", async () => {
    const db = await database("flood");
    const bLog = captured();
    const b = await node("flood-b", db.bravo, { log: bLog.log });
    await b.share.idle();
    await sql(
      db.owner,
      "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense) " +
        "SELECT 'w' || i, 'ban', '0.0.0.0/1', 'sshd', 'wide', 'evil' || (i % 7), 'n-evil', now(), now() + interval '1 hour', 1 " +
        "FROM generate_series(1, 3000) AS i; NOTIFY rampart_decisions, '0'",
    );
    await until("bravo to read them", () => b.share.status().received === 3000);
    await b.share.idle();
    const lines = bLog
      .text()
      .split("\n")
      .filter((l) => l.includes("not applying"));
    assert.equal(lines.length, 1, lines.slice(0, 3).join("\n"));
    assert.match(
      lines[0] ?? "",
      /not applying 3000 of 3000 received decisions \(3000 minPrefix\): 429 from evil1 \(unverified\): 0\.0\.0\.0\/1 is wider/,
    );
    // evil1 … evil5 named; evil6 and evil0 (428 rows each) only counted
    assert.match(lines[0] ?? "", /; 856 more$/, "at most 5 groups named");
    assert.ok((lines[0]?.length ?? 0) < 1500, `a short line: ${lines[0]?.length}`);
  });

  await t.test("a received ban never raises this host's repeat-offender count", async () => {
    const db = await database("offence");
    const a = await node("off-a", db.alpha);
    const b = await node("off-b", db.bravo);
    const now = Date.now();
    // bravo's own third ban of .60 in jail sshd
    const local = b.daemon.book.commit({
      target: "198.51.100.60",
      jail: "sshd",
      reason: "3 failures",
      origin: "bravo",
      startedAt: now,
      expiresAt: now + 600_000,
      offense: 3,
    });
    assert.ok("landing" in local);
    await local.landing;
    // alpha (or anyone) claims offence 900, in another jail, for longer; and for an address new to bravo
    a.share.publish([
      ban("198.51.100.60", { jail: "web", offense: 900, expiresAt: now + 7_200_000 }),
      ban("198.51.100.61", { offense: 900 }),
    ]);
    await until("bravo to take both", () => b.share.status().received === 2);
    await b.share.idle();
    const held = Object.fromEntries(b.daemon.bans().map((x) => [x.target, x]));
    assert.equal(held["198.51.100.60"]?.expiresAt, now + 7_200_000, "the longer ban is taken");
    assert.equal(held["198.51.100.60"]?.offense, 3, "bravo's count stays");
    assert.equal(held["198.51.100.60"]?.jail, "sshd", "and stays with bravo's jail");
    assert.equal(held["198.51.100.61"]?.offense, 0, "not an offence seen here");
  });

  await t.test("a host role on a database without the optional migration 3 goes on sharing, and says who migrates", async () => {
    const db = await database("behind", 2);
    const bLog = captured();
    const b = await node("behind-b", db.bravo, { log: bLog.log });
    assert.match(bLog.text(), /lacks migration 3, which this login may not apply .*sharing goes on/);
    assert.match(bLog.text(), /rampart guard share-migrate --database/);
    await ownerRows(db.owner, [row({ target: "'198.51.100.70'" })]);
    await until("bravo to receive", () => b.kernel.kernel.has("198.51.100.70"));
    const versions = await sql<{ version: number }>(db.owner, "SELECT max(version) AS version FROM rampart_migrations");
    assert.equal(versions.rows[0]?.version, 2);
  });
});
