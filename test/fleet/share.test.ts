// Fleet share end to end in the lab: a real PostgreSQL (Debian's server, password auth) on its own host and
// three server hosts each running sshd, the nftables firewall and `rampart guard run` with guard.share
// pointing at it (credentials in a root-only file). Password guessing against h1 gets the attacker dropped on
// h2 and h3 within 2 s of h1's ban; an unban on h2 lifts it on every host; with the database stopped h1 still
// bans, and once the database is back h2 and h3 receive that ban. Each host logs in with its own database role
// (created by the owner, registered with `rampart guard share-migrate --host`): h2 cannot write in h1's name.
import assert from "node:assert/strict";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { type LabHost, labTest } from "../lab/index.js";
import type { ShareStatus } from "../../src/guard/share/types.js";
import { makePostgres, PG_BIN } from "./postgres-server.js";
import { until } from "../helpers/wait.js";

/** the admins' address (documentation range), in every host's ignore list */
const ADMIN = "203.0.113.10";

const shareOf = async (h: LabHost): Promise<(ShareStatus & { refused?: number }) | undefined> => {
  const r = await h.rampart(["guard", "status", "--json"]);
  return r.code === 0 ? (JSON.parse(r.stdout) as { share?: ShareStatus & { refused?: number } }).share : undefined;
};

const inKernel = async (h: LabHost, ip: string) =>
  (await h.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout.includes(ip);

const dropped = async (atk: LabHost, h: LabHost) => (await atk.tcpProbe(h.v4, 22, { timeoutMs: 150 })) === "timeout";

async function guessPasswords(atk: LabHost, h: LabHost): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await atk.ssh({ user: "alice", host: h.v4, password: `guess-${i}`, options: { NumberOfPasswordPrompts: "1" } });
    assert.equal(r.ok, false);
  }
}

const guards: { stderr: string }[] = [];

async function serverHost(h: LabHost, ownerUrl: string): Promise<LabHost> {
  const name = h.name;
  const u = new URL(ownerUrl);
  u.username = name;
  const dbUrl = u.toString();
  const password = `${name}-pw`;
  await h.addUser("alice", { password: "correct horse" });
  await h.startSshd({ config: "PasswordAuthentication yes\nMaxAuthTries 6" });
  await h.writeFile("/etc/rampart/db.secret", `${password}\n`, { mode: 0o600 });
  await h.writeFile(
    "/etc/rampart/policy.yaml",
    `firewall:
  backend: nftables
  inbound:
    - { service: ssh }
guard:
  ignore: [127.0.0.0/8, "::1", ${ADMIN}]
  # plaintext inside the lab's own network namespaces: policy check refuses it without insecure: true
  share: { postgres: "${dbUrl}", credentialsFile: /etc/rampart/db.secret, insecure: true }
  jails:
    sshd: { maxretry: 3, findtime: 10m, bantime: 10m, backend: file, logpath: /var/log/auth.log }
`,
    { mode: 0o600 },
  );
  const rendered = await h.rampart(["firewall", "render", "--json"]);
  assert.equal(rendered.code, 0, rendered.stderr);
  for (const f of (JSON.parse(rendered.stdout) as { files: { name: string; text: string }[] }).files)
    await h.exec(["nft", "-f", "-"], { input: f.text });
  // each guard under its own hostname (the lab has no UTS namespace of its own): origins differ
  guards.push(h.spawn(["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', name, ...CLI_ARGV, "guard", "run"], { cwd: REPO }));
  return h;
}

labTest(
  "fleet: a ban on one host reaches the others through PostgreSQL; unbans too; an outage loses nothing",
  async (lab) => {
    assert.ok(PG_BIN, "PostgreSQL is not installed (apt-get install postgresql)");
    const db = await lab.host("db", { role: "server" });
    const pgServer = await makePostgres(db, "/var/lib/rampart-lab-pg", db.v4, 5432);
    await pgServer.start();
    // the owner creates the schema and one role per host, as the README tells an administrator to
    for (const n of ["h1", "h2", "h3"])
      await db.exec(
        [
          "psql",
          "-v",
          "ON_ERROR_STOP=1",
          "-h",
          db.v4,
          "-U",
          "rampart",
          "-d",
          "postgres",
          "-c",
          `CREATE ROLE ${n} LOGIN PASSWORD '${n}-pw'`,
        ],
        {
          env: { PGPASSWORD: pgServer.password },
        },
      );
    await db.writeFile("/root/db-owner.secret", `${pgServer.password}\n`, { mode: 0o600 });
    const setup = await db.rampart([
      "guard",
      "share-migrate",
      "--database",
      pgServer.url,
      "--credentials",
      "/root/db-owner.secret",
      "--host",
      "h1",
      "--host",
      "h2",
      "--host",
      "h3",
    ]);
    assert.equal(setup.code, 0, setup.stderr);
    // hosts are created one by one (the lab numbers their links), then set up side by side
    const hosts: LabHost[] = [];
    for (const n of ["h1", "h2", "h3"]) hosts.push(await lab.host(n, { role: "server" }));
    const [h1, h2, h3] = await Promise.all(hosts.map((h) => serverHost(h, pgServer.url)));
    if (!h1 || !h2 || !h3) throw new Error("unreachable");
    const atk = await lab.host("atk", { role: "attacker" });
    const atk2 = await lab.host("atkb", { role: "attacker" });
    for (const h of [h1, h2, h3]) await until(`${h.name}'s guard to connect`, async () => (await shareOf(h))?.connected, 30_000, 200);
    for (const h of [h1, h2, h3]) assert.equal(await atk.tcpConnect(h.v4, 22, { timeoutMs: 1000 }), true);

    // 1. guessing on h1 → dropped on h2 and h3 within 2 s of h1's ban
    await guessPasswords(atk, h1);
    await until("h1 to ban", () => inKernel(h1, atk.v4), 5000, 20);
    const bannedAt = Date.now();
    await until("h2 and h3 to drop the attacker", async () => (await dropped(atk, h2)) && (await dropped(atk, h3)), 2000, 20);
    const tookMs = Date.now() - bannedAt;
    assert.ok(tookMs < 2000, `dropped on h2 and h3 ${tookMs} ms after h1's ban`);
    console.log(`# dropped on h2 and h3 ${tookMs} ms after h1 banned`);
    const bans = JSON.parse((await h3.rampart(["guard", "bans", "--json"])).stdout) as {
      target: string;
      origin: string;
      expiresAt: number;
    }[];
    const got = bans.find((b) => b.target === atk.v4);
    assert.equal(got?.origin, "h1", "shown with its origin");
    assert.ok((got?.expiresAt ?? 0) - Date.now() > 500_000, "with the remaining time of h1's ban");

    // 2. an unban on h2 lifts it everywhere
    const un = await h2.rampart(["guard", "unban", atk.v4]);
    assert.equal(un.code, 0, un.stderr);
    for (const h of [h1, h3]) await until(`${h.name} to lift the ban`, async () => !(await inKernel(h, atk.v4)), 5000, 50);
    for (const h of [h1, h2, h3]) assert.equal(await atk.tcpConnect(h.v4, 22, { timeoutMs: 1000 }), true);

    // 3. database stopped: h1 still bans locally (queued); once it is back, h2 and h3 receive the ban
    await pgServer.stop();
    await until("h1 to see the outage", async () => (await shareOf(h1))?.connected === false, 15_000, 200);
    await guessPasswords(atk2, h1);
    await until("h1 to ban locally during the outage", () => inKernel(h1, atk2.v4), 5000, 20);
    assert.equal((await shareOf(h1))?.outbox, 1, "the decision waits in h1's outbox");
    assert.equal(await inKernel(h2, atk2.v4), false);
    await pgServer.start();
    for (const h of [h2, h3]) await until(`${h.name} to receive the queued ban`, () => inKernel(h, atk2.v4), 20_000, 100);
    assert.equal(await dropped(atk2, h2), true);
    await until("h1's outbox to drain", async () => (await shareOf(h1))?.outbox === 0, 5000, 200);
    const status = await h2.rampart(["guard", "status"]);
    assert.match(status.stdout, /share postgres:\/\/h2:\*\*\*@.*: connected as host h2, last id \d+, outbox 0/);
    assert.doesNotMatch(status.stdout + status.stderr, /h2-pw/);

    // 4. a hostile peer writes rows straight into the table: wide ranges, a host's admin address, the
    //    database itself, an endless ban, garbage — then one honest ban. The honest one lands everywhere
    //    within 2 s; none of the others is loaded anywhere.
    const hostile = ["0.0.0.0/1", "64.0.0.0/3", "2000::/3", db.v4, ADMIN, "not-an-address"];
    const row = (target: string, expires: string) =>
      `('forged-${target}-${Date.now()}', 'ban', '${target}', 'sshd', 'forged', 'evil', 'evil-node', now(), ${expires}, 1)`;
    const insert = (rows: string[]) =>
      db.exec(
        [
          "psql",
          "-v",
          "ON_ERROR_STOP=1",
          "-h",
          db.v4,
          "-U",
          "rampart",
          "-d",
          "postgres",
          "-c",
          `INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires, offense) VALUES ${rows.join(", ")}; NOTIFY rampart_decisions, '0';`,
        ],
        { env: { PGPASSWORD: pgServer.password } },
      );
    await insert([...hostile.map((t) => row(t, "now() + interval '1 hour'")), row("198.51.100.200", "'infinity'")]);
    await insert([row("198.51.100.201", "now() + interval '10 minutes'")]);
    const insertedAt = Date.now();
    for (const h of [h1, h2, h3]) await until(`${h.name} to load the honest row`, () => inKernel(h, "198.51.100.201"), 2000, 20);
    console.log(`# the honest row after hostile ones reached every host ${Date.now() - insertedAt} ms after it was written`);
    for (const h of [h1, h2, h3]) {
      const sets = (await h.exec(["nft", "list", "table", "inet", "rampart"])).stdout;
      for (const t of ["0.0.0.0/1", "64.0.0.0/3", "2000::/3", `${db.v4} `, ADMIN, "198.51.100.200"])
        assert.ok(!sets.includes(t), `${h.name} loaded hostile ${t}`);
      const share = await shareOf(h);
      assert.ok((share?.refused ?? 0) >= 7, `${h.name} counted the refused rows: ${JSON.stringify(share)}`);
    }

    // 5. h2's own login cannot write a row in h1's name
    const forged = await db.exec(
      [
        "psql",
        "-h",
        db.v4,
        "-U",
        "h2",
        "-d",
        "postgres",
        "-c",
        "INSERT INTO rampart_decisions (uid, action, target, jail, reason, origin, node, started, expires) VALUES ('x', 'ban', '198.51.100.202', 'sshd', 'forged', 'h1', 'n', now(), now() + interval '1 hour')",
      ],
      { env: { PGPASSWORD: "h2-pw" }, okCodes: "any" },
    );
    assert.notEqual(forged.code, 0);
    assert.match(forged.stderr, /role h2 writes decisions as host h2, not as h1/);

    for (const g of guards) {
      // each guard under its own login (guards started side by side: the order is not h1, h2, h3)
      assert.match(g.stderr, /share: connected to postgres:\/\/(h\d):\*\*\*@\S+ as host \1 /);
      assert.doesNotMatch(g.stderr, /h\d-pw/, "the password is never logged");
    }
  },
  { timeout: 180_000, needs: ["nft", "setpriv", "unshare"] },
);
