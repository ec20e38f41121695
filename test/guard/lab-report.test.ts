// guard.report end to end in the lab: a real sshd, a password-guessing attacker, the guard as its own process
// reporting to a local HTTPS endpoint (its own self-signed CA, trusted through guard.report.caFile) that checks
// every request against the shape AbuseIPDB and blocklist.de document. Proves: one report per ban at each
// service, the comment without this host's addresses or account names; an ignored address that guesses
// passwords is neither banned nor reported; with the endpoint down the ban still lands at once, the reports
// are retried and delivered once it is back, each exactly once; `guard status` and the metrics count them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { selfSignedCert } from "../helpers/tls.js";
import { until } from "../helpers/wait.js";
import { labTest } from "../lab/index.js";
import { guardReady, setup } from "./lab-guard.js";

interface Seen {
  api: string;
  method: string;
  path: string;
  ok: boolean;
  problems: string[];
  fields: Record<string, string>;
  key: string | null;
}

interface ReportsStatus {
  skipped: number;
  reporters: { name: string; sent: number; failed: number; throttled: number; queued: number; lastError?: string }[];
}

const ABUSE_KEY = "lab-abuseipdb-key-0123456789";
const BL_KEY = "lab-blocklist-key-9876";
const BL_EMAIL = "reports@srv.example.org";
const PORT = "8443";

labTest(
  "guard.report: one report per ban at AbuseIPDB and blocklist.de shaped endpoints; none for an ignored address; retried while the endpoint is down, bans never delayed",
  async (lab) => {
    const s = await setup(lab, "nftables");
    const api = await lab.host("api", { role: "server" });
    // the endpoint's certificate, its own CA (files in the lab's directory: /tmp is shared with the hosts)
    const cert = path.join(lab.dir, "report-cert.pem");
    const certKey = path.join(lab.dir, "report-key.pem");
    await selfSignedCert({ cert, key: certKey, ip: api.v4, name: "rampart-lab-report" });
    const seenFile = path.join(lab.dir, "reports.jsonl");
    const sinkArgv = [
      process.execPath,
      path.join(REPO, "test/helpers/report-sink.mjs"),
      cert,
      certKey,
      api.v4,
      PORT,
      seenFile,
      ABUSE_KEY,
      BL_EMAIL,
      BL_KEY,
    ];
    let sink = api.spawn(sinkArgv);
    await sink.waitFor(/listening/);

    await s.server.writeFile("/etc/rampart/abuseipdb.key", `${ABUSE_KEY}\n`, { mode: 0o600 });
    await s.server.writeFile("/etc/rampart/blocklist-de.key", `${BL_KEY}\n`, { mode: 0o600 });
    const policy = (await s.server.readFile("/etc/rampart/policy.yaml")).replace(
      /^guard:\n/m,
      `guard:
  report:
    abuseipdb: { keyFile: /etc/rampart/abuseipdb.key, baseUrl: "https://${api.v4}:${PORT}/api/v2" }
    blocklistDe: { email: ${BL_EMAIL}, keyFile: /etc/rampart/blocklist-de.key, baseUrl: "https://${api.v4}:${PORT}" }
    caFile: ${cert}
    reportDocumentationRanges: true   # the lab's attackers are documentation addresses
    retry: { initial: 1, max: 2 }
`,
    );
    await s.server.writeFile("/etc/rampart/policy.yaml", policy, { mode: 0o600 });
    const checked = await s.server.rampart(["policy", "check", "/etc/rampart/policy.yaml"]);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);

    // the installed bundle: the reporters' HTTPS client (loaded on the first report) comes from dist/
    s.startGuard("built");
    await guardReady(s.server);
    const seen = (): Seen[] => {
      try {
        return readFileSync(seenFile, "utf8")
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Seen);
      } catch {
        return [];
      }
    };
    const status = async () =>
      (JSON.parse((await s.server.rampart(["guard", "status", "--json"])).stdout) as { reports: ReportsStatus }).reports;
    const guess = async (from: typeof s.attacker, n = 3) => {
      for (let i = 0; i < n; i++)
        await from.ssh({ user: "alice", host: s.server.v4, password: `guess-${i}`, options: { NumberOfPasswordPrompts: "1" } });
    };

    // 1. an attacker guesses: banned, reported once at each service, in the documented shape
    await guess(s.attacker);
    await until(
      "the attacker to be dropped",
      async () => (await s.attacker.tcpProbe(s.server.v4, 22, { timeoutMs: 150 })) === "timeout",
      3000,
      20,
    );
    await until("both reports", async () => seen().length >= 2 || undefined, 15_000, 100);
    const first = seen();
    assert.deepEqual(first.map((x) => x.api).sort(), ["abuseipdb", "blocklist.de"]);
    for (const x of first) {
      assert.equal(x.ok, true, `${x.api}: ${x.problems.join("; ")}`);
      assert.equal(x.method, "POST");
      assert.equal(x.fields.ip, s.attacker.v4);
    }
    const abuse = first.find((x) => x.api === "abuseipdb") as Seen;
    assert.equal(abuse.path, "/api/v2/report");
    assert.equal(abuse.key, ABUSE_KEY);
    assert.equal(abuse.fields.categories, "18,22");
    const comment = abuse.fields.comment as string;
    assert.match(comment, /Failed password for \[user\] from 198\.51\.100\.\d+/, comment);
    assert.doesNotMatch(comment, /alice/, "the account name is taken out");
    assert.ok(!comment.includes(s.server.v4), "this host's address is taken out");
    const bl = first.find((x) => x.api === "blocklist.de") as Seen;
    assert.equal(bl.path, "/en/httpreports.html");
    assert.deepEqual([bl.fields.server, bl.fields.apikey, bl.fields.service], [BL_EMAIL, BL_KEY, "ssh"]);
    assert.equal(bl.fields.logs, comment);

    // 2. the admin host is in guard.ignore: its failed passwords ban nothing and report nothing
    await guess(s.admin, 4);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(seen().length, 2, "no report for an ignored address");
    const bans = JSON.parse((await s.server.rampart(["guard", "bans", "--json"])).stdout) as { target: string }[];
    assert.deepEqual(
      bans.map((b) => b.target),
      [s.attacker.v4],
    );

    // 3. the endpoint goes down; a second attacker is banned at once all the same, its reports wait
    sink.kill("SIGKILL");
    await sink.exited;
    const second = await lab.host("atk2", { role: "attacker" });
    await guess(second);
    const decidedAt = Date.now();
    await until(
      "the second attacker to be dropped",
      async () => (await second.tcpProbe(s.server.v4, 22, { timeoutMs: 150 })) === "timeout",
      1500,
      20,
    );
    assert.ok(Date.now() - decidedAt < 1500, "the ban was not delayed by the unreachable endpoint");
    const waiting = await until(
      "the reports to fail and wait",
      async () => {
        const r = await status();
        return r.reporters.every((c) => c.queued === 1 && c.lastError) ? r : undefined;
      },
      15_000,
      200,
    );
    assert.ok(waiting.reporters.every((c) => c.failed === 0 && c.sent === 1));
    // no secret in the guard's status or log
    assert.doesNotMatch(JSON.stringify(waiting), new RegExp(`${ABUSE_KEY}|${BL_KEY}`));

    // 4. back up: both reports arrive, once each
    sink = api.spawn(sinkArgv);
    await sink.waitFor(/listening/);
    await until("the retried reports", async () => seen().filter((x) => x.fields.ip === second.v4).length >= 2 || undefined, 20_000, 100);
    await new Promise((r) => setTimeout(r, 2500)); // one more retry period: nothing is sent twice
    const all = seen();
    assert.equal(all.length, 4, JSON.stringify(all.map((x) => [x.api, x.fields.ip])));
    assert.ok(all.every((x) => x.ok));
    assert.deepEqual(
      all
        .filter((x) => x.fields.ip === second.v4)
        .map((x) => x.api)
        .sort(),
      ["abuseipdb", "blocklist.de"],
    );
    const after = await status();
    for (const c of after.reporters) assert.deepEqual([c.name, c.sent, c.failed, c.queued], [c.name, 2, 0, 0]);

    const text = await s.server.rampart(["guard", "status"]);
    assert.match(text.stdout, /report abuseipdb: 2 sent, 0 failed, 0 throttled, 0 waiting/);
    assert.match(text.stdout, /report blocklist\.de: 2 sent, 0 failed, 0 throttled, 0 waiting/);
    const metrics = await s.server.rampart(["guard", "metrics"]);
    assert.match(metrics.stdout, /rampart_guard_reports_total\{reporter="abuseipdb",result="sent"\} 2/);
    assert.match(metrics.stdout, /rampart_guard_reports_total\{reporter="blocklist\.de",result="throttled"\} 0/);
  },
  { timeout: 180_000, needs: ["nft", "openssl"] },
);
