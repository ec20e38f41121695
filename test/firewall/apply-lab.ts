// The lab proof of `rampart apply --only firewall`, shared by the nftables and the iptables test files
// (one file per backend so the two run in parallel). A server host with a real sshd and a small TCP
// service on several ports, an admin host and an attacker host; a Docker-shaped foreign table loaded
// before anything. rampart runs INSIDE the server host with its real default paths. Proven, in order, on
// the same hosts (each step starts from the state the previous one left, which is what it compares to):
//   refusal   keepAdminSession: false and no rule admits the admin → refused, nothing changed; so is
//             firewall.ipv6: false while the admin's session comes over IPv6
//   (a)       no confirm → the detached timer restores the ruleset (no table before: none after)
//   (b)       the applying process killed with SIGHUP while it waits → restored
//   confirm   apply with the admin's session, traffic v4+v6 as the policy says, foreign table identical,
//             `rampart confirm` over a NEW ssh connection keeps it; persisted for boot; a 2nd apply: no change
//   (c)       kill -9 of the applying process → the detached timer restores the confirmed ruleset
//   (d)       "reboot": every process of the host killed, the kernel state reset to what a boot brings
//             (foreign tables only), the boot unit's commands run (they load the UNCONFIRMED saved
//             ruleset), then the boot hook `rampart rollback --rearm` → back to the confirmed ruleset
// "Exactly as before" compares `nft list ruleset` (and iptables-save/ip6tables-save/ipset save for the
// iptables backend) with packet counters zeroed — the only thing traffic changes on its own — and, for
// the iptables backend, the chains of each nft table in name order (see sortChains).
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import path from "node:path";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import type { Lab, LabHost } from "../lab/index.js";
import { tree } from "../lab/tree.js";
import { DOCKER_SHAPED } from "./fixtures.js";

export type Backend = "nftables" | "iptables";

const SERVICE_PORTS = [80, 443, 5432, 8080];
const PROBE_MS = 600;
const ADMIN_SESSION = (srv: LabHost, adm: LabHost) => `${adm.v4} 50000 ${srv.v4} 22`;

const policy = (backend: Backend, extra = "") => `firewall:
  backend: ${backend}
  inbound:
    - { ports: [80, 443] }
    - { ports: [5432], from: [203.0.113.0/24, 2001:db8:0:ad::/64] }
${extra}`;
/** P2: something else to apply and roll back (reject instead of drop, a rate-limited extra port) */
const policy2 = (backend: Backend) => `firewall:
  backend: ${backend}
  reject: true
  inbound:
    - { ports: [8080], rateLimit: 5/minute }
`;
const refusedPolicy = (backend: Backend) => `firewall:
  backend: ${backend}
  keepAdminSession: false
  inbound:
    - { service: ssh, from: [198.51.100.0/24] }
`;

async function loadForeign(srv: LabHost, backend: Backend): Promise<void> {
  if (backend === "nftables") await srv.exec(["nft", "-f", "-"], { input: DOCKER_SHAPED.nftables });
  else await srv.exec(["iptables-restore"], { input: DOCKER_SHAPED.iptables });
}

// a ban's remaining time runs down on its own: compared as "some time left" (a permanent element stays 0)
const zeroNft = (t: string) => t.replace(/counter packets \d+ bytes \d+/g, "counter packets 0 bytes 0").replace(/ expires \S+/g, "");
const zeroTimeouts = (t: string) => t.replace(/^(add rampart_\S+ \S+ timeout )[1-9]\d*$/gm, "$1T");
const zeroSave = (t: string) =>
  t
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .map((l) => l.replace(/\[\d+:\d+\]/, "[0:0]"))
    .join("\n");

/**
 * The chains of each table in name order. iptables-restore re-creates a table's chains in iptables-save's
 * order (built-ins, then user chains by name), not in the order they were first made, so with iptables-nft
 * the same ruleset lists its chains in another order in `nft list ruleset`; iptables-save (compared
 * byte for byte) is the iptables backend's own view.
 */
function sortChains(nft: string): string {
  const out: string[] = [];
  let chains: string[][] = [];
  let cur: string[] | undefined;
  for (const line of nft.split("\n")) {
    if (/^\tchain \S+ \{$/.test(line)) cur = [line];
    else if (cur) {
      cur.push(line);
      if (line === "\t}") {
        chains.push(cur);
        cur = undefined;
      }
    } else if (line === "}") {
      chains.sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
      out.push(...chains.flat(), line);
      chains = [];
    } else if (line !== "") out.push(line);
  }
  return out.join("\n");
}

/** Everything of the kernel's firewall state the test compares. */
async function kernel(srv: LabHost, backend: Backend): Promise<string> {
  const nft = zeroNft((await srv.exec(["nft", "list", "ruleset"])).stdout);
  const parts = [`## nft list ruleset\n${backend === "iptables" ? sortChains(nft) : nft}`];
  if (backend === "iptables") {
    for (const prog of ["iptables-save", "ip6tables-save"]) parts.push(`## ${prog}\n${zeroSave((await srv.exec([prog])).stdout)}`);
    // initval: the hash seed the kernel picks when a set is created (a reboot creates them again)
    parts.push(`## ipset save\n${zeroTimeouts((await srv.exec(["ipset", "save"])).stdout.replace(/ initval 0x[0-9a-f]+/g, ""))}`);
  }
  return parts.join("\n");
}

/** The foreign (Docker-shaped) state alone, rampart's lines left out. */
async function foreign(srv: LabHost, backend: Backend): Promise<string> {
  if (backend === "nftables") {
    const nat = await srv.exec(["nft", "list", "table", "ip", "nat"]);
    const filter = await srv.exec(["nft", "list", "table", "ip", "filter"]);
    return zeroNft(nat.stdout + filter.stdout);
  }
  const nat = zeroSave((await srv.exec(["iptables-save", "-t", "nat"])).stdout);
  const filter = zeroSave((await srv.exec(["iptables-save", "-t", "filter"])).stdout)
    .split("\n")
    .filter((l) => !l.includes("RAMPART"))
    .join("\n");
  return `${nat}\n${filter}`;
}

/** The files an apply of the firewall writes (name → content, "-" when absent). */
async function persisted(srv: LabHost): Promise<string> {
  const files = [
    "/etc/rampart/firewall.nft",
    "/etc/rampart/firewall.ipset",
    "/etc/rampart/firewall.rules.v4",
    "/etc/rampart/firewall.rules.v6",
    "/etc/systemd/system/rampart-firewall.service",
    "/etc/systemd/system/sysinit.target.wants/rampart-firewall.service",
  ];
  const out: string[] = [];
  for (const f of files) {
    const r = await srv.exec(["cat", f], { okCodes: "any" });
    out.push(`== ${f}\n${r.code === 0 ? r.stdout : "-"}`);
  }
  return out.join("\n");
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pendingGone = (srv: LabHost) => async () =>
  !(await srv.exists("/var/lib/rampart/pending.json")) && !(await srv.exists("/var/lib/rampart/rollback.json"));

/** Every process in the host's network namespace except its anchor (what a power cut kills). */
function hostPids(srv: LabHost): number[] {
  const ns = readlinkSync(`/proc/${srv.anchorPid}/ns/net`);
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === srv.anchorPid) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) === ns) out.push(pid);
    } catch {}
  }
  return out;
}

const BAN = "198.51.100.77";
const BAN_SECONDS = 600;
const BLOCK = "203.0.113.128/25";

async function addElements(srv: LabHost, backend: Backend): Promise<void> {
  if (backend === "nftables") {
    await srv.exec(["nft", "add", "element", "inet", "rampart", "rampart_ban_v4", `{ ${BAN} timeout ${BAN_SECONDS}s }`]);
    await srv.exec(["nft", "add", "element", "inet", "rampart", "rampart_block_v4", `{ ${BLOCK} }`]);
  } else {
    await srv.exec(["ipset", "add", "rampart_ban_v4", BAN, "timeout", String(BAN_SECONDS)]);
    await srv.exec(["ipset", "add", "rampart_block_v4", BLOCK]);
  }
  await assertElements(srv, backend, "just added");
}

/** The ban is there with part of its time left (not reset, not permanent), and so is the blocklist entry. */
async function assertElements(srv: LabHost, backend: Backend, when: string): Promise<void> {
  if (backend === "nftables") {
    const ban = (await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_ban_v4"])).stdout;
    assert.match(ban, new RegExp(`${BAN.replaceAll(".", "\\.")} timeout 10m expires \\d`), `${when}: the ban with time left`);
    const block = (await srv.exec(["nft", "list", "set", "inet", "rampart", "rampart_block_v4"])).stdout;
    assert.ok(block.includes(BLOCK), `${when}: the blocklist entry\n${block}`);
    return;
  }
  const saved = (await srv.exec(["ipset", "save"])).stdout;
  const left = Number(new RegExp(`^add rampart_ban_v4 ${BAN.replaceAll(".", "\\.")} timeout (\\d+)$`, "m").exec(saved)?.[1]);
  assert.ok(left > 0 && left <= BAN_SECONDS, `${when}: the ban with time left (${left})\n${saved}`);
  assert.match(saved, new RegExp(`^add rampart_block_v4 ${BLOCK.replaceAll(".", "\\.")}$`, "m"), `${when}: the blocklist entry`);
}

type Probe = "open" | "refused" | "timeout" | "unreachable" | "error";

async function matrix(clients: LabHost[], srv: LabHost, ports: number[]): Promise<Record<string, Probe>> {
  const jobs: Promise<[string, Probe]>[] = [];
  for (const c of clients) {
    for (const fam of ["v4", "v6"] as const) {
      for (const port of ports) jobs.push(c.tcpProbe(srv[fam], port, { timeoutMs: PROBE_MS }).then((r) => [`${c.name} ${fam} ${port}`, r]));
    }
  }
  return Object.fromEntries(await Promise.all(jobs));
}

/** The whole sequence for one backend (see the top of this file). */
export async function firewallApplySuite(lab: Lab, backend: Backend, log: (s: string) => void): Promise<void> {
  const t0 = Date.now();
  const step = (s: string) => log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${s}`);
  const srv = await lab.host("srv", { role: "server" });
  const adm = await lab.host("adm", { role: "admin" });
  const atk = await lab.host("atk", { role: "attacker" });
  const rootKey = await lab.keyPair("root@admin");
  await srv.writeFile("/root/.ssh/authorized_keys", `${rootKey.publicKey}\n`, { mode: 0o600 });
  await srv.startSshd();
  const listener = srv.spawn([process.execPath, path.join(REPO, "test/firewall/listen.mjs"), SERVICE_PORTS.join(",")]);
  await listener.waitFor("ready");
  await loadForeign(srv, backend);
  await srv.writeFile("/etc/rampart/p1.yaml", policy(backend));
  await srv.writeFile("/etc/rampart/p2.yaml", policy2(backend));
  await srv.writeFile("/etc/rampart/p0.yaml", refusedPolicy(backend));
  const session = { SSH_CONNECTION: ADMIN_SESSION(srv, adm) };
  const apply = (p: string, timeout: number, extra: string[] = [], env: Record<string, string> = {}) =>
    srv.rampart(
      ["apply", "--only", "firewall", "--policy", `/etc/rampart/${p}.yaml`, "--yes", "--confirm-timeout", String(timeout), ...extra],
      {
        env,
      },
    );
  const spawnApply = (p: string, timeout: number) =>
    srv.spawn(
      [...CLI_ARGV, "apply", "--only", "firewall", "--policy", `/etc/rampart/${p}.yaml`, "--yes", "--confirm-timeout", String(timeout)],
      {
        cwd: REPO,
      },
    );
  const pristine = await kernel(srv, backend);
  const pristineFiles = await persisted(srv);
  const foreignBefore = await foreign(srv, backend);
  step("hosts ready");

  // ---- refusal: keepAdminSession false, and nothing admits the admin's address
  const refused = await apply("p0", 30, ["--no-wait"], session);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(
    refused.stderr,
    new RegExp(`new SSH connections from your address ${adm.v4.replaceAll(".", "\\.")} to tcp/22 would be dropped`),
  );
  assert.match(refused.stderr, /nothing was changed/);
  assert.equal(await kernel(srv, backend), pristine, "refusal: kernel unchanged");
  assert.equal(await srv.exists("/var/lib/rampart/backups"), false, "refusal: no backup, nothing started");
  step("refusal");

  // ---- refusal: firewall.ipv6: false while the admin's session comes over IPv6
  await srv.writeFile("/etc/rampart/p0v6.yaml", `firewall:\n  backend: ${backend}\n  ipv6: false\n`);
  const v6Session = { SSH_CONNECTION: `${adm.v6} 50000 ${srv.v6} 22` };
  const refusedV6 = await apply("p0v6", 30, ["--no-wait"], v6Session);
  assert.equal(refusedV6.code, 1, refusedV6.stdout + refusedV6.stderr);
  assert.match(refusedV6.stderr, new RegExp(`connected over IPv6 \\(${adm.v6}\\) and the policy's firewall\\.ipv6: false`));
  assert.match(refusedV6.stderr, /Connect over IPv4 and apply again, or keep firewall\.ipv6: true/);
  assert.equal(await kernel(srv, backend), pristine, "IPv6 refusal: kernel unchanged");
  assert.equal(await srv.exists("/var/lib/rampart/backups"), false, "IPv6 refusal: no backup, nothing started");
  step("refusal (ipv6: false, admin over IPv6)");

  // ---- (a) no confirm: the detached timer rolls back
  const etcBefore = await tree(srv, "/etc");
  const varLibBefore = await tree(srv, "/var/lib", "/var/lib/rampart");
  const a = await apply("p1", 3, ["--no-wait"]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, /applied \S+\. From a NEW ssh connection/);
  assert.notEqual(await kernel(srv, backend), pristine, "(a) the ruleset was loaded");
  await waitFor("(a) timeout rollback", pendingGone(srv), 20_000);
  assert.equal(await kernel(srv, backend), pristine, "(a) timeout rollback: kernel exactly as before");
  assert.equal(await persisted(srv), pristineFiles, "(a) boot files removed again");
  // all of /etc (the boot hook rampart-rollback.service, its wants link, cron.d/rampart-rollback included)
  // and /var/lib but rampart's own backups: byte for byte as before
  assert.equal(await tree(srv, "/etc"), etcBefore, "(a) rollback: /etc exactly as before");
  assert.equal(await tree(srv, "/var/lib", "/var/lib/rampart"), varLibBefore, "(a) rollback: /var/lib exactly as before");
  const idA = /applied (\S+?)\./.exec(a.stdout)?.[1];
  assert.equal(JSON.parse(await srv.readFile(`/var/lib/rampart/backups/${idA}/manifest.json`)).state, "rolled-back");
  step("(a) timeout rollback");

  // ---- (b) SIGHUP to the applying process while it waits
  const b = spawnApply("p1", 3);
  await waitFor(
    "(b) pending",
    async () => (await srv.exists("/var/lib/rampart/pending.json")) && (await kernel(srv, backend)) !== pristine,
    20_000,
  );
  b.kill("SIGHUP");
  await waitFor("(b) rollback", pendingGone(srv), 20_000);
  assert.equal(await kernel(srv, backend), pristine, "(b) SIGHUP: kernel exactly as before");
  assert.equal(await persisted(srv), pristineFiles, "(b) boot files removed again");
  step("(b) SIGHUP rollback");

  // ---- confirmed apply from the admin's session; traffic as the policy says
  const plan = await srv.rampart(["plan", "--only", "firewall", "--policy", "/etc/rampart/p1.yaml"], { env: session });
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /load table inet rampart|load RAMPART-\* chains/);
  assert.match(plan.stdout, /tcp\/8080 \(listening on [^)]*\) would be unreachable/);
  assert.match(plan.stdout, new RegExp(`tcp/22 \\(listening on [^)]*IPv4\\) stays reachable only from ${adm.v4.replaceAll(".", "\\.")}`));
  const c = await apply("p1", 60, ["--no-wait"], session);
  assert.equal(c.code, 0, c.stderr);
  const probes = await matrix([adm, atk], srv, [22, ...SERVICE_PORTS]);
  const want: Record<string, Probe> = {};
  for (const h of ["adm", "atk"]) {
    for (const fam of ["v4", "v6"]) {
      want[`${h} ${fam} 22`] = h === "adm" && fam === "v4" ? "open" : "timeout"; // anti-lockout: the session's address only
      want[`${h} ${fam} 80`] = "open";
      want[`${h} ${fam} 443`] = "open";
      want[`${h} ${fam} 5432`] = h === "adm" ? "open" : "timeout";
      want[`${h} ${fam} 8080`] = "timeout";
    }
  }
  assert.deepEqual(probes, want, "traffic as the policy says (v4 and v6)");
  assert.equal(await foreign(srv, backend), foreignBefore, "foreign table identical after apply");
  const confirm = await adm.ssh({
    user: "root",
    host: srv.v4,
    key: rootKey.privateKey,
    command: ["cd", REPO, "&&", ...CLI_ARGV, "confirm"],
    timeoutMs: 30_000,
  });
  assert.equal(confirm.code, 0, confirm.stderr + confirm.stdout);
  assert.match(confirm.stdout, /confirmed/);
  await waitFor("confirm settles", pendingGone(srv), 5000);
  // the guard's ban and a blocklist entry, added after the apply: every rollback below must keep them
  await addElements(srv, backend);
  const confirmed = await kernel(srv, backend);
  assert.notEqual(confirmed, pristine);
  const confirmedFiles = await persisted(srv);
  assert.match(confirmedFiles, /ExecStart=\/usr\/sbin\/(nft -f|ipset restore)/, "boot unit installed");
  assert.match(
    confirmedFiles,
    /== \/etc\/systemd\/system\/sysinit.target.wants\/rampart-firewall.service\n# Installed by rampart/,
    "and enabled",
  );
  const again = await apply("p1", 60, ["--no-wait"], session);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to change/, "a second apply of the same policy changes nothing");
  step("confirmed apply, traffic, idempotence");

  // ---- (c) kill -9 of the applying process: the detached timer still restores the confirmed ruleset
  const k = spawnApply("p2", 3);
  await waitFor(
    "(c) pending",
    async () => (await srv.exists("/var/lib/rampart/pending.json")) && (await kernel(srv, backend)) !== confirmed,
    20_000,
  );
  k.kill("SIGKILL");
  await waitFor("(c) rollback", pendingGone(srv), 20_000);
  assert.equal(await kernel(srv, backend), confirmed, "(c) kill -9: kernel exactly as before");
  assert.equal(await persisted(srv), confirmedFiles, "(c) boot files as before");
  assert.equal(await foreign(srv, backend), foreignBefore, "foreign table identical after rollback");
  step("(c) kill -9 rollback");

  // ---- (d) reboot while unconfirmed
  const d = spawnApply("p2", 6);
  await waitFor(
    "(d) pending",
    async () => (await srv.exists("/var/lib/rampart/pending.json")) && (await kernel(srv, backend)) !== confirmed,
    20_000,
  );
  await waitFor("(d) boot files written", async () => (await persisted(srv)) !== confirmedFiles, 10_000);
  for (const pid of hostPids(srv)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await d.exited;
  await waitFor("(d) host processes gone", async () => hostPids(srv).length === 0, 5000);
  // the kernel after a power cycle: nothing but what Docker puts back
  await srv.exec(["nft", "flush", "ruleset"]);
  if (backend === "iptables") await srv.exec(["ipset", "destroy"]);
  await loadForeign(srv, backend);
  // boot: the unit loads the saved (unconfirmed) ruleset, then the boot hook of the apply machinery runs
  const unit = await srv.readFile("/etc/systemd/system/rampart-firewall.service");
  for (const line of unit.split("\n")) {
    const m = /^(ExecStartPre|ExecStart)=(-?)(.*)$/.exec(line);
    if (m) await srv.exec((m[3] as string).split(" "), m[2] === "-" ? { okCodes: "any" } : {});
  }
  assert.notEqual(await kernel(srv, backend), confirmed, "(d) at boot the unconfirmed ruleset was loaded");
  const rearm = await srv.rampart(["rollback", "--rearm"]);
  assert.equal(rearm.code, 0, rearm.stderr);
  assert.match(rearm.stdout, /re-armed|rolled back/);
  await waitFor("(d) rollback after the reboot", pendingGone(srv), 20_000);
  assert.equal(await kernel(srv, backend), confirmed, "(d) reboot: kernel exactly as before");
  assert.equal(await persisted(srv), confirmedFiles, "(d) boot files as before");
  await assertElements(srv, backend, "(d) after the reboot rollback");
  step(`(d) reboot rollback (${rearm.stdout.trim()})`);
}
