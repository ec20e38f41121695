// The updates audit checks against recorded real outputs of `apt-get -s dist-upgrade` and `apt-config dump`
// (this Debian 12 machine; see test/fixtures/audit/updates/README.md) and fixture roots with the real
// 20auto-upgrades / 50unattended-upgrades files of the unattended-upgrades package.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checks } from "../../src/audit/checks/updates/index.js";
import { updPending } from "../../src/audit/checks/updates/pending.js";
import { updRebootRequired } from "../../src/audit/checks/updates/reboot-required.js";
import { updSecurityOrigin } from "../../src/audit/checks/updates/security-origin.js";
import { updSecurityPending } from "../../src/audit/checks/updates/security-pending.js";
import { updUnattendedEnabled } from "../../src/audit/checks/updates/unattended.js";
import { isSecurityOrigin, parseAptSimulation } from "../../src/facts/apt.js";
import { type FileSpec, fakeRunner, recorded, runCheck } from "./firewall.fixture.js";

const SIM = "apt-get -s -o Debug::NoLocking=1 dist-upgrade";
const status = (...pkgs: string[]) =>
  pkgs
    .map((p) => `Package: ${p}\nStatus: install ok installed\nPriority: optional\nVersion: 2.9.1+nmu3\nDescription: x\n multi-line\n`)
    .join("\n");

async function uuRoot(opts: {
  periodic?: boolean;
  timers?: boolean;
  installed?: boolean;
  origins?: string;
}): Promise<Record<string, FileSpec>> {
  const files: Record<string, FileSpec> = {
    "/var/lib/dpkg/status": status("apt", ...(opts.installed === false ? [] : ["unattended-upgrades"])),
    "/etc/apt/apt.conf.d/50unattended-upgrades": opts.origins ?? (await recorded("updates/etc-apt/50unattended-upgrades")),
    "/etc/apt/apt.conf.d/70debconf":
      '// Pre-configure all packages with debconf before they are installed.\nDPkg::Pre-Install-Pkgs {"/usr/sbin/dpkg-preconfigure --apt || true";};\n',
  };
  if (opts.periodic !== false) files["/etc/apt/apt.conf.d/20auto-upgrades"] = await recorded("updates/etc-apt/20auto-upgrades");
  if (opts.timers !== false) {
    files["/etc/systemd/system/timers.target.wants/apt-daily.timer"] = { symlink: "/lib/systemd/system/apt-daily.timer" };
    files["/etc/systemd/system/timers.target.wants/apt-daily-upgrade.timer"] = { symlink: "/lib/systemd/system/apt-daily-upgrade.timer" };
  }
  return files;
}

test("the updates area has at least 4 checks", () => {
  assert.ok(checks.length >= 4);
  for (const c of checks) assert.match(c.id, /^UPD-/);
});

test("apt simulation parsing: Inst lines, versions and security origins", async () => {
  const pending = parseAptSimulation(await recorded("updates/apt-get-s-dist-upgrade-debian12.txt"));
  assert.equal(pending.length, 120);
  const gcrypt = pending.find((p) => p.name === "libgcrypt20");
  assert.deepEqual(gcrypt, {
    name: "libgcrypt20",
    from: "1.10.1-3",
    to: "1.10.1-3+deb12u1",
    origins: ["Debian:12.15/oldstable", "Debian-Security:12/oldstable-security"],
    security: true,
  });
  assert.equal(pending.find((p) => p.name === "base-files")?.security, false);
  assert.ok(isSecurityOrigin("Ubuntu:24.04/noble-security"));
  assert.ok(!isSecurityOrigin("Ubuntu:24.04/noble-updates"));
});

describe("UPD-PENDING / UPD-SECURITY-PENDING", () => {
  test("pass: nothing pending", async () => {
    const run = fakeRunner({ [SIM]: { stdout: await recorded("updates/apt-get-s-dist-upgrade-none.txt") } });
    for (const c of [updPending, updSecurityPending]) {
      const o = await runCheck(c, {}, { run });
      assert.equal(o.status, "pass", c.id);
      assert.equal(o.observed, "0 pending");
      // no package lists in this fixture: apt itself is asked, and the evidence says why
      assert.equal(o.source, `${SIM} (apt asked: no package lists in /var/lib/apt/lists)`);
    }
  });
  test("warn / fail: 120 pending of which security ones, simulation run once", async () => {
    const run = fakeRunner({ [SIM]: { stdout: await recorded("updates/apt-get-s-dist-upgrade-debian12.txt") } });
    const o = await runCheck(updPending, {}, { run });
    assert.equal(o.status, "warn");
    assert.match(String(o.observed), /^120 pending: /);
    const s = await runCheck(updSecurityPending, {}, { run });
    assert.equal(s.status, "fail");
    assert.match(String(s.observed), /^\d+ pending: .*libgcrypt20 1\.10\.1-3 → 1\.10\.1-3\+deb12u1/);
    assert.match(String(s.reason), /Debian-Security:12\/oldstable-security/);
  });
  test("error, not a pass, when apt-get fails or prints something unexpected", async () => {
    const bad = fakeRunner({ [SIM]: { code: 100, stderr: "E: Could not open lock file" } });
    assert.equal((await runCheck(updSecurityPending, {}, { run: bad })).status, "error");
    const odd = fakeRunner({ [SIM]: { stdout: "hello\n" } });
    const o = await runCheck(updPending, {}, { run: odd });
    assert.equal(o.status, "error");
    assert.match(String(o.reason), /unexpected output/);
  });
});

describe("UPD-UNATTENDED-ENABLED", () => {
  test("pass: installed, periodic values set (file:line), timers enabled — under --root", async () => {
    const o = await runCheck(updUnattendedEnabled, await uuRoot({}), { live: false });
    assert.equal(o.status, "pass", JSON.stringify(o));
    const obs = o.observed as Record<string, unknown>;
    assert.equal(obs["APT::Periodic::Unattended-Upgrade"], "1");
    assert.match(String(o.source), /\/etc\/apt\/apt.conf.d\/20auto-upgrades:1, \/etc\/apt\/apt.conf.d\/20auto-upgrades:2/);
  });
  test("fail: installed but 20auto-upgrades missing (the common 'installed, never runs' case)", async () => {
    const o = await runCheck(updUnattendedEnabled, await uuRoot({ periodic: false }), { live: false });
    assert.equal(o.status, "fail");
    assert.match(String(o.reason), /APT::Periodic::Update-Package-Lists is not set; APT::Periodic::Unattended-Upgrade is not set/);
  });
  test("fail: timers masked/absent and no cron fallback; a later file turning it off wins", async () => {
    const files = await uuRoot({ timers: false });
    files["/etc/apt/apt.conf.d/99local"] = 'APT::Periodic { Unattended-Upgrade "0"; };\n';
    const o = await runCheck(updUnattendedEnabled, files, { live: false });
    assert.equal(o.status, "fail");
    assert.match(String(o.reason), /APT::Periodic::Unattended-Upgrade is "0"/);
    assert.match(String(o.reason), /not enabled: apt-daily.timer, apt-daily-upgrade.timer/);
    assert.match(String(o.source), /99local:1/);
  });
  test("live, files this reader follows: they are what apt reads, no apt-config run", async () => {
    const run = fakeRunner({ "apt-config dump": { stdout: await recorded("updates/apt-config-dump-debian12-no-uu.txt") } });
    const o = await runCheck(updUnattendedEnabled, await uuRoot({}), { run, live: true });
    assert.equal(o.status, "pass", JSON.stringify(o));
    assert.match(String(o.source), /20auto-upgrades:1/);
    assert.deepEqual(run.calls, []);
  });
  test("live, a file with #include: apt-config dump is what counts", async () => {
    const files = await uuRoot({});
    files["/etc/apt/apt.conf.d/90local"] = '#include "/etc/apt/local.conf";\n';
    const run = fakeRunner({ "apt-config dump": { stdout: await recorded("updates/apt-config-dump-debian12-no-uu.txt") } });
    const o = await runCheck(updUnattendedEnabled, files, { run, live: true });
    // the files say "1" but apt (recorded dump of a host without 20auto-upgrades) does not see them
    assert.equal(o.status, "fail");
    assert.match(String(o.reason), /Update-Package-Lists is not set/);
    assert.deepEqual(run.calls, ["apt-config dump"]);
    const ok = fakeRunner({ "apt-config dump": { stdout: await recorded("updates/apt-config-dump-debian12-uu.txt") } });
    const p = await runCheck(updUnattendedEnabled, files, { run: ok, live: true });
    assert.equal(p.status, "pass");
    assert.match(String(p.source), /20auto-upgrades:1/);
  });
});

describe("UPD-SECURITY-ORIGIN", () => {
  test("pass: Debian's stock 50unattended-upgrades has the -security pattern", async () => {
    const o = await runCheck(updSecurityOrigin, await uuRoot({}), { live: false });
    assert.equal(o.status, "pass");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${distro_codename} is apt's own variable syntax
    assert.ok((o.observed as string[]).includes("origin=Debian,codename=${distro_codename}-security,label=Debian-Security"));
    assert.match(String(o.source), /50unattended-upgrades:\d+/);
  });
  test("fail: only the main suite", async () => {
    const origins =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${distro_codename} is apt's own variable syntax
      'Unattended-Upgrade::Origins-Pattern {\n  "origin=Debian,codename=${distro_codename},label=Debian";\n//  "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";\n};\n';
    const o = await runCheck(updSecurityOrigin, await uuRoot({ origins }), { live: false });
    assert.equal(o.status, "fail");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${distro_codename} is apt's own variable syntax
    assert.deepEqual(o.observed, ["origin=Debian,codename=${distro_codename},label=Debian"]);
    assert.equal(o.source, "/etc/apt/apt.conf.d/50unattended-upgrades:2");
  });
});

describe("UPD-REBOOT-REQUIRED", () => {
  test("pass: no flag", async () => {
    const o = await runCheck(updRebootRequired, { "/run/.keep": "" }, { live: false });
    assert.equal(o.status, "pass");
  });
  test("fail: flag with the packages that asked (through the /var/run -> /run symlink)", async () => {
    const o = await runCheck(
      updRebootRequired,
      {
        "/var/run": { symlink: "/run" },
        "/run/reboot-required": "*** System restart required ***\n",
        "/run/reboot-required.pkgs": "linux-image-6.1.0-40-amd64\nlibc6\nlibc6\n",
      },
      { live: false },
    );
    assert.equal(o.status, "fail");
    assert.match(String(o.observed), /reboot required since \d{4}-\d\d-\d\d by: linux-image-6.1.0-40-amd64, libc6$/);
  });
});

test("the apt simulation is cached across audits until one of apt's inputs changes", async () => {
  const { buildRoot, ctxFor } = await import("./firewall.fixture.js");
  const { utimes } = await import("node:fs/promises");
  const { root, cleanup } = await buildRoot({
    "/var/lib/dpkg/status": status("apt"),
    "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_InRelease": "x",
  });
  try {
    const run = fakeRunner({ [SIM]: { stdout: await recorded("updates/apt-get-s-dist-upgrade-debian12.txt") } });
    const first = await updSecurityPending.run(ctxFor({ root, run }));
    const second = await updSecurityPending.run(ctxFor({ root, run }));
    assert.equal(run.calls.filter((c) => c === SIM).length, 1);
    assert.deepEqual(second.observed, first.observed);
    assert.match(String(second.source), /cached in \/var\/cache\/rampart\/apt-simulation.json/);
    const later = new Date(Date.now() + 60_000);
    await utimes(`${root}/var/lib/dpkg/status`, later, later);
    await updSecurityPending.run(ctxFor({ root, run }));
    assert.equal(run.calls.filter((c) => c === SIM).length, 2);
  } finally {
    await cleanup();
  }
});
