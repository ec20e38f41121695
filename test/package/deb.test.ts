// The Debian package, end to end: `scripts/package.mjs` builds it once, lintian reads it, and a lab host —
// overlays on /etc, /usr, /var, with the machine's Node.js deleted and the checkout (/work) hidden under an
// empty tmpfs — installs it with dpkg, runs it, upgrades it to a rebuilt version keeping an edited policy,
// removes and purges it. After the purge no file of the package is left (dpkg -L before and after, and a
// find over /etc, /usr and /var). The package size and the install time are printed.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import type { LabHost } from "../lab/host.js";
import { labTest } from "../lab/index.js";

const VERSION = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;
// what dpkg, man-db and the test itself change besides the package: its database, logs, the man index
const CHURN = /^\/var\/(lib\/dpkg|log|cache\/man|cache\/debconf|cache\/ldconfig)(\/|$)/;

function sh(cmd: string, args: string[], cwd = REPO): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Every path under /etc, /usr and /var as the host sees it, without dpkg's own bookkeeping. */
async function tree(h: LabHost): Promise<Set<string>> {
  const r = await h.exec(["find", "/etc", "/usr", "/var"], { timeoutMs: 120_000 });
  return new Set(r.stdout.split("\n").filter((p) => p && !CHURN.test(p)));
}

function diff(before: Set<string>, after: Set<string>): { added: string[]; removed: string[] } {
  return { added: [...after].filter((p) => !before.has(p)), removed: [...before].filter((p) => !after.has(p)) };
}

/** Run a program without blocking the test (lintian takes its time). */
function runAsync(cmd: string, args: string[]): Promise<{ status: number | null; output: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (b) => (output += b));
    child.stderr.on("data", (b) => (output += b));
    child.on("error", (e) => resolve({ status: null, output: String(e), ms: Date.now() - t0 }));
    child.on("close", (status) => resolve({ status, output, ms: Date.now() - t0 }));
  });
}

/** The lab shares the machine's PID namespace: /proc tells whether a host's process still runs. */
function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
}

async function waitGone(pid: number): Promise<void> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid), false, `process ${pid} stopped`);
}

labTest(
  "the .deb installs without the machine's Node, runs, upgrades keeping the policy, and purges clean",
  async (lab) => {
    // ---- build once; the upgrade is the same tree repacked with a higher version
    const out = path.join(lab.dir, "deb");
    let t0 = Date.now();
    const built = sh(process.execPath, [path.join(REPO, "scripts/package.mjs"), "--out", out]);
    console.log(built.trim());
    const v1 = path.join(out, `rampart_${VERSION}_${sh("dpkg", ["--print-architecture"]).trim()}.deb`);
    const size = statSync(v1).size;
    console.log(`package: size ${(size / 1024 / 1024).toFixed(1)} MiB, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const v2Version = `${VERSION}+upgrade1`;
    const tree2 = path.join(out, "v2");
    sh("dpkg-deb", ["-R", v1, tree2]);
    const control = path.join(tree2, "DEBIAN/control");
    writeFileSync(control, readFileSync(control, "utf8").replace(/^Version: .*$/m, `Version: ${v2Version}`));
    const v2 = path.join(out, "rampart_upgrade.deb");
    sh("dpkg-deb", ["--root-owner-group", "-Zgzip", "-z1", "--build", tree2, v2]);

    // ---- lintian, in the background while the host works (its output goes to the test log at the end).
    // Every level, pedantic included, fails the run; overridden tags (each explained in
    // packaging/deb/lintian-overrides) do not.
    const lint = spawnSync("lintian", ["--version"]).error
      ? undefined
      : runAsync("lintian", ["--pedantic", "--fail-on", "error,warning,info,pedantic", v1]);
    if (!lint) {
      assert.notEqual(process.env.CI, "true", "lintian is missing (scripts/setup-test-deps.mjs installs it)");
      console.log("lintian: not installed, skipped");
    }

    // ---- a clean host: no Node.js of the machine, no checkout reachable
    const h = await lab.host("deb", { role: "server" });
    await h.exec(["rm", "-f", "/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node", "/usr/bin/npm", "/usr/bin/npx"]);
    await h.exec(["mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "rampart-no-checkout", "/work"]);
    // a host that never ran rampart: what earlier runs of a checkout left on this machine is hidden (overlays:
    // the machine's own files are untouched)
    await h.exec(["rm", "-rf", "/var/cache/rampart", "/var/lib/rampart", "/var/log/rampart", "/etc/rampart"]);
    assert.notEqual((await h.exec(["sh", "-c", "command -v node"], { okCodes: "any" })).code, 0, "the machine's node is hidden");
    assert.equal((await h.exec(["ls", "-A", "/work"])).stdout, "", "the checkout is hidden");
    assert.notEqual((await h.exec(["dpkg", "-L", "rampart"], { okCodes: "any" })).code, 0, "not installed before");
    const before = await tree(h);

    // ---- install: enables nothing
    t0 = Date.now();
    const inst = await h.exec(["dpkg", "-i", v1], { timeoutMs: 300_000 });
    const installMs = Date.now() - t0;
    console.log(`package: dpkg -i took ${(installMs / 1000).toFixed(1)} s\n${inst.stdout}${inst.stderr}`);
    const files = (await h.exec(["dpkg", "-L", "rampart"])).stdout.split("\n").filter(Boolean);
    for (const f of [
      "/usr/bin/rampart",
      "/usr/lib/rampart/node",
      "/usr/share/man/man8/rampart.8.gz",
      "/usr/share/bash-completion/completions/rampart",
      "/usr/share/zsh/vendor-completions/_rampart",
      "/usr/share/rampart/policy.schema.json",
      "/lib/systemd/system/rampart-guard.service",
      "/usr/share/doc/rampart/README.Debian",
      "/etc/rampart/policy.yaml",
    ]) {
      assert.ok(files.includes(f), `the package holds ${f}`);
    }
    const enabled = await h.exec(["find", "/etc/systemd/system", "/etc/cron.d", "-name", "*rampart*"], { okCodes: "any" });
    assert.equal(enabled.stdout.trim(), "", "installing enables nothing");
    assert.equal(await h.exists("/run/rampart/guard.pid"), false, "installing starts nothing");

    // the man page renders without groff warnings; bash completion knows the command tree
    const man = await h.exec(["man", "--warnings", "-E", "UTF-8", "-l", "/usr/share/man/man8/rampart.8.gz"], { env: { MANWIDTH: "80" } });
    assert.match(man.stdout, /rampart guard ban/);
    assert.equal(man.stderr, "", "groff warnings");
    const completion = await h.exec([
      "bash",
      "-c",
      // (a bash snippet, not a template: the $ is bash's)
      `source /usr/share/bash-completion/completions/rampart; COMP_WORDS=(rampart guard b); COMP_CWORD=2; _rampart; echo "\${COMPREPLY[*]}"`,
    ]);
    assert.equal(completion.stdout.trim(), "bans ban");

    // ---- it runs, with its own node, from /usr/bin/rampart
    const ver = await h.exec(["rampart", "--version"]);
    assert.equal(ver.stdout.trim(), VERSION);
    const audit = await h.exec(["rampart", "audit", "--format", "json"], { okCodes: [0, 1], timeoutMs: 120_000 });
    const report = JSON.parse(audit.stdout) as { tool: { name: string; version: string }; checks: unknown[] };
    assert.equal(report.tool.name, "rampart");
    assert.ok(report.checks.length > 50, `audit ran its checks (${report.checks.length})`);
    // what apply would install calls /usr/bin/rampart, never the checkout, and the plan says so
    const plan = await h.exec(["rampart", "plan", "--only", "guard,integrity"], { okCodes: "any", timeoutMs: 120_000 });
    assert.match(plan.stdout, /installed jobs call \/usr\/bin\/rampart \(the installed package\)/, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /@reboot root cd \/ && \/usr\/bin\/rampart guard run --detach/);
    assert.doesNotMatch(plan.stdout, /\/work\/|bin\/rampart\.js/);

    // ---- the installed units are valid (systemd-analyze also finds man:rampart(8))
    if (spawnSync("systemd-analyze", ["--version"]).error) {
      assert.notEqual(process.env.CI, "true", "systemd-analyze is missing");
      console.log("systemd-analyze: not installed, units not verified");
    } else {
      const units = files.filter((f) => f.startsWith("/lib/systemd/system/"));
      const v = await h.exec(["systemd-analyze", "verify", ...units], { okCodes: "any", timeoutMs: 60_000 });
      const problems = `${v.stdout}${v.stderr}`.split("\n").filter((l) => l.includes("rampart"));
      assert.deepEqual(problems, [], `systemd-analyze verify:\n${v.stdout}${v.stderr}`);
      console.log(`systemd-analyze verify: ${units.length} units ok`);
    }

    // a guard running without systemd (this host has none, like the machine): the upgrade restarts it on the
    // new code, the removal stops it
    await h.writeFile("/var/log/auth.log", "");
    await h.exec(["rampart", "guard", "run", "--detach"], { timeoutMs: 60_000 });
    const guardPid = Number(await h.readFile("/run/rampart/guard.pid"));
    assert.ok(guardPid > 1);

    // ---- upgrade to a rebuilt package: the edited policy (conffile) and the state stay
    const policy = "# edited by the admin\nssh:\n  permitRootLogin: false\n";
    await h.writeFile("/etc/rampart/policy.yaml", policy);
    await h.writeFile("/var/lib/rampart/keep-me", "state\n");
    const up = await h.exec(["dpkg", "-i", v2], { timeoutMs: 300_000 });
    assert.equal((await h.exec(["dpkg-query", "--showformat=$" + "{Version}", "-W", "rampart"])).stdout, v2Version);
    assert.equal(await h.readFile("/etc/rampart/policy.yaml"), policy, `policy kept:\n${up.stdout}${up.stderr}`);
    assert.equal(await h.readFile("/var/lib/rampart/keep-me"), "state\n");
    assert.equal((await h.exec(["rampart", "policy", "check"], { okCodes: "any" })).code, 0);
    const newGuard = Number(await h.readFile("/run/rampart/guard.pid"));
    assert.notEqual(newGuard, guardPid, `the upgrade restarted the running guard:\n${up.stdout}${up.stderr}`);
    assert.equal(alive(guardPid), false, "the old guard is gone");
    assert.ok(alive(newGuard), "the new guard runs");

    // ---- remove: refused while an apply waits for confirm; then the program goes, the conffile stays
    await h.writeFile("/var/lib/rampart/pending.json", "{}\n");
    const refused = await h.exec(["dpkg", "-r", "rampart"], { okCodes: "any" });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /waiting for `rampart confirm`/);
    assert.ok(await h.exists("/usr/bin/rampart"), "still installed after the refused removal");
    await h.exec(["rm", "-f", "/var/lib/rampart/pending.json"]);
    // what an apply would have left: an sshd drop-in (kept, with a word) and a cron job calling rampart (purged)
    await h.writeFile("/etc/ssh/sshd_config.d/00-rampart.conf", "PasswordAuthentication no\n");
    await h.writeFile("/etc/cron.d/rampart-guard", "@reboot root cd / && /usr/bin/rampart guard run --detach\n");
    const rm = await h.exec(["dpkg", "-r", "rampart"]);
    console.log(`dpkg -r:\n${rm.stdout}${rm.stderr}`);
    assert.match(rm.stdout, /00-rampart\.conf[\s\S]*undo: rm \/etc\/ssh\/sshd_config\.d\/00-rampart\.conf/);
    assert.equal(await h.exists("/usr/bin/rampart"), false);
    await waitGone(newGuard);
    assert.equal(await h.exists("/usr/lib/rampart"), false);
    const kept = (await h.exec(["dpkg", "-L", "rampart"], { okCodes: "any" })).stdout.split("\n").filter(Boolean);
    assert.ok(
      kept.every((f) => ["/etc", "/etc/rampart", "/etc/rampart/policy.yaml"].includes(f)),
      `after dpkg -r only the conffile is left: ${kept.join(" ")}`,
    );
    assert.equal(await h.readFile("/etc/rampart/policy.yaml"), policy);

    // ---- purge: state, cache and rampart's jobs go; the sshd drop-in stays, and the message says so
    const purge = await h.exec(["dpkg", "-P", "rampart"]);
    console.log(`dpkg -P:\n${purge.stdout}${purge.stderr}`);
    assert.match(purge.stdout, /stay in force[\s\S]*00-rampart\.conf/);
    assert.ok(await h.exists("/etc/ssh/sshd_config.d/00-rampart.conf"), "purge never removes the sshd drop-in");
    for (const gone of ["/etc/cron.d/rampart-guard", "/var/lib/rampart", "/var/cache/rampart", "/etc/rampart"]) {
      assert.equal(await h.exists(gone), false, `${gone} removed by the purge`);
    }
    await h.exec(["rm", "-f", "/etc/ssh/sshd_config.d/00-rampart.conf"]);
    assert.notEqual((await h.exec(["dpkg", "-L", "rampart"], { okCodes: "any" })).code, 0, "dpkg knows no file of rampart");
    const left = diff(before, await tree(h));
    assert.deepEqual(left, { added: [], removed: [] }, "the purge leaves /etc, /usr and /var as they were");
    console.log(`package: ${(size / 1024 / 1024).toFixed(1)} MiB .deb, dpkg -i ${(installMs / 1000).toFixed(1)} s`);
    if (lint) {
      const l = await lint;
      console.log(`lintian --pedantic (${(l.ms / 1000).toFixed(1)} s, exit ${l.status}):\n${l.output}`);
      assert.equal(l.status, 0, "lintian tags that are neither fixed nor overridden (packaging/deb/lintian-overrides)");
    }
  },
  { timeout: 900_000, needs: ["dpkg-deb"] },
);
