// bench/guard-latency: in a lab host (real nft, real log file, the daemon as its own process):
//  1. line-to-ban latency — failure lines for N distinct attacker addresses are appended to the sshd log in
//     bursts; the guard reports, per ban, the time from reading the deciding line to the kernel holding the
//     ban (p50/p99 over all bans; target p99 < 50 ms);
//  2. restore of 100,000 bans at start with 1% bad rows: the bad ones quarantined, the rest in one nft
//     transaction (the time printed).
// With --report-down, guard.report is on and its endpoint unreachable (every ban is offered to a reporter
// that fails and retries): the latency must not change, since reports are queued off the ban path.
// Run as root: node --import tsx bench/guard-latency.ts [N] [--report-down]
import { appendFileSync } from "node:fs";
import { CLI_ARGV, REPO } from "../test/helpers/cli.js";
import { Lab } from "../test/lab/index.js";

const args = process.argv.slice(2);
const reportDown = args.includes("--report-down");
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
const lab = await Lab.create();
try {
  const srv = await lab.host("srv", { role: "server" });
  await srv.writeFile("/var/log/auth.log", "");
  await srv.writeFile(
    "/etc/rampart/policy.yaml",
    `guard:\n  jails:\n    sshd: { maxretry: 3, bantime: 1h, backend: file, logpath: /var/log/auth.log }\n${
      reportDown
        ? // nobody listens on 192.0.2.99: every report fails and waits for its retry
          '  report: { webhook: { url: "https://192.0.2.99:9/report" }, reportDocumentationRanges: true, retry: { initial: 1, max: 5 } }\n'
        : ""
    }`,
  );
  const fw = await srv.rampart(["firewall", "render"]);
  await srv.exec(["nft", "-f", "-"], { input: fw.stdout });

  const start = async () => {
    const g = srv.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    for (let i = 0; i < 150; i++) {
      if ((await srv.rampart(["guard", "status", "--json"])).code === 0) return g;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`guard did not start:\n${g.stderr}`);
  };

  // 1. latency
  let guard = await start();
  const log = srv.path("/var/log/auth.log");
  const stamp = () => new Date().toISOString().replace("Z", "+00:00");
  for (let i = 0; i < N; i++) {
    const ip = `198.51.100.${i % 250}`.replace(/\.(\d+)$/, (_, n) => `.${n}`);
    const addr = i < 250 ? ip : `2001:db8:bad:${i}::1`;
    for (let k = 0; k < 3; k++)
      appendFileSync(log, `${stamp()} srv sshd[${1000 + i}]: Failed password for invalid user u${k} from ${addr} port ${40000 + k} ssh2\n`);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 20)); // bursts of 10 attackers
  }
  let status: { activeBans: number; latencyMs: { p50?: number; p99?: number } } = { activeBans: 0, latencyMs: {} };
  for (let i = 0; i < 100 && status.activeBans < N; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = JSON.parse((await srv.rampart(["guard", "status", "--json"])).stdout);
  }

  console.log(
    `line-to-ban latency${reportDown ? " (guard.report on, endpoint down)" : ""} over ${status.activeBans} bans: p50 ${status.latencyMs.p50} ms, p99 ${status.latencyMs.p99} ms (target p99 < 50 ms)`,
  );

  guard.kill("SIGTERM");
  await guard.exited;

  // 2. restore 100,000 bans, 1% of the rows bad (damaged text, a /0, an end that is not a time): the bad
  //    ones are quarantined by the gate, every valid one goes back in one transaction
  const now = Date.now();
  const TOTAL = 100_000;
  const sql = ["BEGIN;"];
  let bad = 0;
  for (let i = 0; i < TOTAL; i++) {
    let target = `2001:db8:${((i >> 16) + 0xb00).toString(16)}:${(i & 0xffff).toString(16)}::/64`;
    let expires = String(now + 3_600_000);
    if (i % 100 === 7) {
      bad++;
      [target, expires] = [
        [`garbage-${i}`, expires],
        [`10.${(i >> 8) & 255}.${i & 255}.0/${i % 8}`, expires],
        [`2001:db8:ffff:${(i & 0xffff).toString(16)}::/64`, "'infinity'"],
      ][i % 3] as [string, string];
    }
    sql.push(
      `INSERT OR REPLACE INTO bans (target, jail, reason, origin, started, expires, offense) VALUES ('${target}', 'sshd', 'bench', 'bench', ${now}, ${expires}, 1);`,
    );
  }
  sql.push("COMMIT;");
  await srv.exec(["sqlite3", "/var/lib/rampart/state.db"], { input: sql.join("\n") });
  await srv.exec(["nft", "flush", "set", "inet", "rampart", "rampart_ban_v6"]);
  await srv.exec(["nft", "flush", "set", "inet", "rampart", "rampart_ban_net_v6"]);
  await srv.exec(["nft", "flush", "set", "inet", "rampart", "rampart_ban_p64_v6"]);
  const t0 = Date.now();
  guard = await start();
  const startMs = Date.now() - t0;
  const m = /restored (\d+) ban\(s\) into the kernel in (\d+) ms/.exec(guard.stderr);
  const q = /(\d+) stored ban\(s\) quarantined/.exec(guard.stderr);
  // the rows are IPv6 /64s: the /64 set holds them (firewall/sets.ts), as network addresses
  const v6 = (await srv.exec(["nft", "-j", "list", "set", "inet", "rampart", "rampart_ban_p64_v6"])).stdout.split('"val"').length - 1;
  console.log(
    m
      ? `restore: ${m[1]} of ${TOTAL} bans into the kernel in ${m[2]} ms (one transaction); ${q?.[1] ?? 0} bad rows quarantined (${bad} planted); ` +
          `the guard answered ${startMs} ms after its start; the /64 set now holds ${v6} /64s`
      : `restore: no figure in the guard's log:\n${guard.stderr}`,
  );
  guard.kill("SIGTERM");
  await guard.exited;
} finally {
  await lab.destroy();
}
