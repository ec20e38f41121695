// MAC checks: AppArmor (or SELinux) enabled and enforcing, read from fixture /sys; the userspace package
// from dpkg status. Each passes, fails (or warns) and skips with a reason.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { check, dpkgEntry, type FixtureRoot, goodRoot } from "./helpers/root.js";

const roots: FixtureRoot[] = [];
after(async () => {
  for (const r of roots) await r.cleanup();
});
async function root(name: string, change?: (r: FixtureRoot) => Promise<void>): Promise<FixtureRoot> {
  const r = await goodRoot(name);
  roots.push(r);
  if (change) await change(r);
  return r;
}

describe("MAC-APPARMOR-ENABLED", () => {
  it("passes when AppArmor is enabled", async () => {
    const c = await check(await root("aa-on"), "MAC-APPARMOR-ENABLED");
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/sys/module/apparmor/parameters/enabled");
  });
  it("fails when AppArmor is built in but disabled", async () => {
    const c = await check(await root("aa-off", (r) => r.write("/sys/module/apparmor/parameters/enabled", "N\n")), "MAC-APPARMOR-ENABLED");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.observed, "AppArmor built in but disabled (N)");
  });
  it("judges SELinux when that is the framework", async () => {
    const r = await root("selinux", async (r) => {
      await r.remove("/sys/module/apparmor");
      await r.write("/sys/fs/selinux/enforce", "0\n");
    });
    const c = await check(r, "MAC-APPARMOR-ENABLED");
    assert.equal(c.status, "warn");
    assert.equal(c.evidence.source, "/sys/fs/selinux/enforce");
  });
  it("skips with the reason when the kernel has neither", async () => {
    const c = await check(await root("no-mac", (r) => r.remove("/sys")), "MAC-APPARMOR-ENABLED");
    assert.equal(c.status, "skip");
    assert.match(c.reason ?? "", /neither AppArmor/);
  });
});

describe("MAC-PROFILES-ENFORCING", () => {
  it("passes when profiles are loaded and enforcing", async () => {
    const c = await check(await root("prof-ok"), "MAC-PROFILES-ENFORCING");
    assert.equal(c.status, "pass");
    assert.deepEqual(c.evidence.observed, { enforce: 2 });
    assert.equal(c.evidence.source, "/sys/kernel/security/apparmor/profiles");
  });
  it("warns on complain-mode profiles, unless the policy accepts complain", async () => {
    const r = await root("prof-complain", (r) => r.write("/sys/kernel/security/apparmor/profiles", "a (enforce)\nb (complain)\n"));
    const c = await check(r, "MAC-PROFILES-ENFORCING");
    assert.equal(c.status, "warn");
    assert.deepEqual(c.evidence.observed, { enforce: 1, complain: 1 });
    assert.equal((await check(r, "MAC-PROFILES-ENFORCING", { policy: "mac:\n  apparmor: complain\n" })).status, "pass");
  });
  it("fails when no profile is loaded", async () => {
    const c = await check(await root("prof-none", (r) => r.write("/sys/kernel/security/apparmor/profiles", "")), "MAC-PROFILES-ENFORCING");
    assert.equal(c.status, "fail");
  });
  it("is skipped under --root", async () => {
    assert.equal((await check(await root("prof-root"), "MAC-PROFILES-ENFORCING", { live: false })).status, "skip");
  });
});

describe("MAC-INSTALLED", () => {
  it("passes with the apparmor package, naming its dpkg status line (also under --root)", async () => {
    const c = await check(await root("inst-ok"), "MAC-INSTALLED", { live: false });
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/var/lib/dpkg/status:8");
  });
  it("fails without it", async () => {
    const c = await check(await root("inst-bad", (r) => r.write("/var/lib/dpkg/status", dpkgEntry("openssh-server"))), "MAC-INSTALLED");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.observed, "not installed");
  });
});
