// A whole URL in the share's credentials file replaces the policy's: the guard checks the URL it will really use.
// In the lab: a real PostgreSQL without TLS on its own host (a remote address, not loopback) and a guard whose
// policy names a verify-full URL elsewhere while its credentials file holds a plain URL to that server.
//   - without guard.share.insecure the guard refuses to start, naming the credentials file and the fix, never the
//     password, and the database sees no connection from it;
//   - with insecure: true it connects, and the database it really uses (not the policy's host) is kept
//     reachable: a ban on it is refused.
import assert from "node:assert/strict";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { makePostgres, PG_BIN } from "./postgres-server.js";

const SECRET = "/etc/rampart/db.secret";

const policy = (insecure: boolean) => `firewall:
  backend: nftables
  inbound:
    - { service: ssh }
guard:
  ignore: [127.0.0.0/8, "::1"]
  # the policy's URL names another host, with TLS; the credentials file's URL replaces it
  share: { postgres: "postgres://rampart@203.0.113.200:5432/postgres?sslmode=verify-full", credentialsFile: ${SECRET}, insecure: ${insecure} }
  jails:
    sshd: { maxretry: 3, findtime: 10m, bantime: 10m, backend: file, logpath: /var/log/auth.log }
`;

labTest(
  "fleet: a URL in the credentials file passes the sslmode rule, and its host is kept reachable",
  async (lab) => {
    assert.ok(PG_BIN, "PostgreSQL is not installed (apt-get install postgresql)");
    const db = await lab.host("db", { role: "server" });
    const pgDir = "/var/lib/rampart-lab-pg";
    const pgServer = await makePostgres(db, pgDir, db.v4, 5432, ["log_connections=on"]);
    await pgServer.start();
    await db.writeFile("/root/db-owner.secret", `${pgServer.password}\n`, { mode: 0o600 });
    const migrated = await db.rampart(["guard", "share-migrate", "--database", pgServer.url, "--credentials", "/root/db-owner.secret"]);
    assert.equal(migrated.code, 0, migrated.stderr);

    const h = await lab.host("h1", { role: "server" });
    const u = new URL(pgServer.url);
    u.password = pgServer.password;
    await h.writeFile(SECRET, `${u.toString()}\n`, { mode: 0o600 }); // plain: no sslmode
    await h.writeFile("/var/log/auth.log", "");
    const rendered = await h.rampart(["firewall", "render", "--json"]);
    assert.equal(rendered.code, 0, rendered.stderr);
    for (const f of (JSON.parse(rendered.stdout) as { files: { name: string; text: string }[] }).files)
      await h.exec(["nft", "-f", "-"], { input: f.text });

    // 1. the policy passes `policy check` (its own URL has verify-full) but the URL really used has no TLS
    await h.writeFile("/etc/rampart/policy.yaml", policy(false), { mode: 0o600 });
    const refused = h.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    const exit = await Promise.race([refused.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000))]);
    refused.kill("SIGKILL");
    assert.ok(exit !== undefined, `the guard started with a plain URL to a remote database: ${refused.stderr.slice(-2000)}`);
    assert.equal(exit.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`fleet database ${db.v4.replace(/\./g, "\\.")} is reached without sslmode`));
    assert.match(refused.stderr, new RegExp(SECRET), "the error names the credentials file");
    assert.match(refused.stderr, /sslmode=verify-full/, "and says how to fix it");
    assert.doesNotMatch(refused.stderr + refused.stdout, new RegExp(pgServer.password), "the password is never printed");
    const fromGuard = new RegExp(`connection received: host=${h.v4.replace(/\./g, "\\.")}`);
    await assert.rejects(pgServer.waitForLog(fromGuard, 1000), /within 1000 ms|timed out/, "the database saw no connection from the guard");

    // 2. insecure: true accepts it; the database really used is kept reachable, the policy's host is not it
    await h.writeFile("/etc/rampart/policy.yaml", policy(true), { mode: 0o600 });
    const guard = h.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    await until(
      "the guard to connect to the database of the credentials file",
      async () => {
        const r = await h.rampart(["guard", "status", "--json"]);
        return r.code === 0 && (JSON.parse(r.stdout) as { share?: { connected: boolean } }).share?.connected === true;
      },
      30_000,
      200,
    );
    await pgServer.waitForLog(fromGuard, 1000); // the check above can see a connection
    const ban = await h.rampart(["guard", "ban", db.v4]);
    assert.notEqual(ban.code, 0, `the fleet database was banned: ${ban.stdout}`);
    assert.match(ban.stderr, /fleet database/);
    const other = await h.rampart(["guard", "ban", "203.0.113.200"]);
    assert.equal(other.code, 0, `the policy's unused host is no keep-alive address: ${other.stderr}`);
    await guard.stop();
    assert.doesNotMatch(guard.stderr + guard.stdout, new RegExp(pgServer.password), "the password is never logged");
  },
  { timeout: 120_000, needs: ["nft"] },
);
