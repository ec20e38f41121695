// `rampart guard import-fail2ban` on a jail.local like the first guide's: the old `ssh` / `ssh-ddos` jails,
// `filter = sshd-ddos`, ignoreip 127.0.0.1/8, bantime 600, maxretry 3 (6 per jail), backend auto,
// action_mwl. It must map fully: built-in sshd (normal, ddos), ban sets, mail with whois and lines.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { loadFail2banJails } from "../../src/guard/fail2ban/jails.js";
import { parsePolicy } from "../../src/policy/load.js";
import { HostFs } from "../../src/system/hostfs.js";
import { runCli } from "../helpers/cli.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const skip = existsSync("/etc/fail2ban/jail.conf")
  ? false
  : "fail2ban is not installed (/etc/fail2ban/jail.conf): apt-get install fail2ban";

/** a fail2ban directory: the package's jail.conf, paths and filters, plus the guide's jail.local */
function guideDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "rampart-f2b-guide-"));
  for (const f of ["jail.conf", "paths-common.conf", "paths-debian.conf", "filter.d", "action.d"])
    cpSync(`/etc/fail2ban/${f}`, `${dir}/${f}`, { recursive: true });
  cpSync(path.join(here, "fixtures/guide/jail.local"), `${dir}/jail.local`);
  return dir;
}
const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test("the guide's jail.local maps fully onto rampart jails", { skip }, async () => {
  const dir = guideDir();
  made.push(dir);
  const r = await loadFail2banJails(dir, new HostFs("/"));
  assert.deepEqual(r.problems, []);
  assert.deepEqual(
    r.jails.map((j) => [j.name, j.filterSpec, j.maxretry, j.bantime, j.findtime, j.source, j.ignore]),
    [
      ["ssh", "sshd", 6, 600, 600, "auto", ["127.0.0.0/8"]],
      ["ssh-ddos", "sshd[mode=ddos]", 6, 600, 600, "auto", ["127.0.0.0/8"]],
    ],
  );
  for (const j of r.jails) {
    assert.deepEqual(j.notMapped, [], `${j.name}: ${j.notMapped.join("; ")}`);
    assert.deepEqual(
      j.actions.map((a) => a.kind),
      ["ban", "mail"],
    );
    const mail = j.actions[1];
    assert.ok(mail && mail.kind === "mail");
    assert.equal(mail.to, "admin@example.com");
    assert.equal(mail.sender, "fail2ban@example.com");
    assert.ok(mail.whois && mail.lines);
  }
});

test("rampart guard import-fail2ban writes a guard: snippet the policy schema accepts", { skip }, async () => {
  const dir = guideDir();
  made.push(dir);
  const out = path.join(dir, "guard.yaml");
  const res = await runCli(["guard", "import-fail2ban", dir, "--json", "--output", out]);
  assert.equal(res.code, 0, res.stderr);
  const report = JSON.parse(res.stdout);
  assert.equal(report.complete, true, JSON.stringify(report.jails.map((j: { notMapped: string[] }) => j.notMapped)));
  const snippet = parse(readFileSync(out, "utf8"));
  assert.deepEqual(snippet.guard.ignore, ["127.0.0.0/8"]);
  assert.deepEqual(snippet.guard.notify, { email: { to: "admin@example.com", from: "fail2ban@example.com", whois: true } });
  assert.deepEqual(snippet.guard.jails.ssh, {
    filter: "sshd",
    mode: "normal",
    maxretry: 6,
    findtime: 600,
    bantime: 600,
    logpath: "/var/log/auth.log",
    backend: "auto",
  });
  assert.equal(snippet.guard.jails["ssh-ddos"].mode, "ddos");
  const policy = parsePolicy(readFileSync(out, "utf8"), out);
  assert.deepEqual(policy.errors, []);
  assert.equal(policy.policy?.guard.jails["ssh-ddos"]?.mode, "ddos");
  const human = await runCli(["guard", "import-fail2ban", dir]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /jail \[ssh-ddos\]/);
  assert.match(human.stdout, /filter sshd-ddos → sshd\[mode=ddos\] \(old name\)|filter = sshd\[mode=ddos\]/);
  assert.match(human.stdout, /everything was mapped/);
});

test("abuseipdb and blocklist_de actions map to guard.report, for their jail only, without copying the keys", { skip }, async () => {
  const dir = guideDir();
  made.push(dir);
  cpSync(path.join(here, "fixtures/report/jail.local"), `${dir}/jail.local`);
  const out = path.join(dir, "guard.yaml");
  const res = await runCli(["guard", "import-fail2ban", dir, "--json", "--output", out]);
  assert.equal(res.code, 0, res.stderr);
  const text = readFileSync(out, "utf8");
  for (const secret of ["bl-secret-0001", "ab-secret-0002"]) {
    assert.ok(!text.includes(secret) && !res.stdout.includes(secret), `${secret} copied out`);
  }
  const snippet = parse(text);
  assert.deepEqual(snippet.guard.report, {
    abuseipdb: { keyFile: "/etc/rampart/abuseipdb.key", categories: [18, 22] },
    blocklistDe: { email: "fail2ban@example.com", keyFile: "/etc/rampart/blocklist-de.key", service: "ssh" },
    jails: ["sshd"],
  });
  const report = JSON.parse(res.stdout) as { jails: { name: string; mapped: string[]; notMapped: string[] }[] };
  const sshd = report.jails.find((j) => j.name === "sshd");
  assert.ok(sshd);
  assert.ok(sshd.mapped.some((m) => /abuseipdb → guard\.report\.abuseipdb \(categories 18,22\)/.test(m)));
  assert.ok(sshd.mapped.some((m) => /blocklist_de → guard\.report\.blocklistDe \(server fail2ban@example\.com, service ssh\)/.test(m)));
  assert.ok(sshd.notMapped.some((m) => m.includes("write it to /etc/rampart/abuseipdb.key")));
  assert.ok(!sshd.notMapped.some((m) => /no rampart equivalent/.test(m)), sshd.notMapped.join("; "));
  const policy = parsePolicy(text, out);
  assert.deepEqual(policy.errors, []);
  assert.deepEqual(policy.policy?.guard.report.jails, ["sshd"]);
});

test("guard test accepts a fail2ban filter name with parameters, and a filter file", { skip }, async () => {
  const log = "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/nginx-http-auth";
  if (!existsSync(log)) return;
  const a = await runCli(["guard", "test", "nginx-http-auth", log, "--json", "--counts"]);
  assert.equal(a.code, 0, a.stderr);
  assert.ok(JSON.parse(a.stdout).matched > 5);
  const b = await runCli(["guard", "test", "/etc/fail2ban/filter.d/nginx-http-auth.conf", log, "--json", "--counts"]);
  assert.equal(JSON.parse(b.stdout).matched, JSON.parse(a.stdout).matched);
  const c = await runCli([
    "guard",
    "test",
    "fail2ban:sshd[mode=aggressive]",
    "/usr/lib/python3/dist-packages/fail2ban/tests/files/logs/sshd",
    "--json",
    "--counts",
  ]);
  assert.equal(c.code, 0, c.stderr);
  const d = await runCli(["guard", "test", "no-such-filter", log]);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /unknown filter/);
});
