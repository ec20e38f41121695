// Kernel checks: every runtime sysctl group passes on a hardened fixture /proc/sys and fails when one of
// its keys is wrong (naming the /proc/sys path); ip_forward is judged with context; persistence follows
// systemd-sysctl's file order and names the file:line that sets each key.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, describe, it } from "node:test";
import { SYSCTL_GROUPS } from "../../src/audit/checks/kernel/recommended.js";
import { buildPersisted } from "../../src/facts/sysctl.js";
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
const proc = (key: string) => `/proc/sys/${key.replace(/\./g, "/")}`;

describe("runtime sysctl groups", () => {
  for (const g of SYSCTL_GROUPS) {
    it(`${g.id} passes on hardened values and fails when ${g.keys[0]?.key} is wrong`, async () => {
      const ok = await check(await root(`${g.id}-ok`), g.id);
      assert.equal(ok.status, "pass", JSON.stringify(ok.evidence));
      assert.equal(Object.keys(ok.evidence.observed as object).length, g.keys.length);
      const key = g.keys[0]?.key as string;
      const bad = await check(await root(`${g.id}-bad`, (r) => r.write(proc(key), "7\n")), g.id);
      assert.equal(bad.status, "fail");
      assert.equal((bad.evidence.observed as Record<string, string>)[key], "7");
      assert.equal(bad.evidence.source, proc(key));
    });
  }
  it("KERN-RP-FILTER warns on loose mode (2)", async () => {
    const r = await root("rp-loose", async (r) => {
      await r.write(proc("net.ipv4.conf.all.rp_filter"), "2\n");
      await r.write(proc("net.ipv4.conf.default.rp_filter"), "2\n");
    });
    const c = await check(r, "KERN-RP-FILTER");
    assert.equal(c.status, "warn");
  });
  it("leaves out keys the kernel lacks, and skips a group with none", async () => {
    const r = await root("no-yama", async (r) => {
      await r.remove("/proc/sys/kernel/yama");
      await r.remove("/proc/sys/net/ipv6");
    });
    const yama = await check(r, "KERN-PTRACE-SCOPE");
    assert.equal(yama.status, "skip");
    assert.match(yama.reason ?? "", /kernel\.yama\.ptrace_scope/);
    const redirects = await check(r, "KERN-REDIRECTS");
    assert.equal(redirects.status, "pass");
    assert.match(redirects.reason ?? "", /not in this kernel: net\.ipv6\.conf\.all\.accept_redirects/);
  });
  it("judges against the policy's own value (sysctl.set)", async () => {
    const r = await root("policy-set", (r) => r.write(proc("net.ipv4.tcp_syncookies"), "0\n"));
    const c = await check(r, "KERN-SYNCOOKIES", { policy: "sysctl:\n  set:\n    net.ipv4.tcp_syncookies: 0\n" });
    assert.equal(c.status, "pass");
    assert.deepEqual(c.evidence.expected, { "net.ipv4.tcp_syncookies": "0" });
  });
  it("a strict-only group wants its own values whatever the policy's sysctl settings say", async () => {
    const r = await root("strict-only-policy", (r) => r.write(proc("net.ipv4.tcp_timestamps"), "1\n"));
    const policy = "audit:\n  profile: strict\nsysctl:\n  profile: none\n  set:\n    net.ipv4.tcp_timestamps: 1\n";
    const c = await check(r, "KERN-TCP-TIMESTAMPS", { policy });
    assert.equal(c.status, "fail");
    assert.deepEqual(c.evidence.expected, { "net.ipv4.tcp_timestamps": "0" });
    assert.equal((await check(r, "KERN-SYSRQ", { policy })).status, "skip", "a recommended group follows `sysctl: none`");
  });
  it("is skipped under --root (needs the running system)", async () => {
    const c = await check(await root("aslr-root"), "KERN-ASLR", { live: false });
    assert.equal(c.status, "skip");
    assert.match(c.reason ?? "", /needs the running system/);
  });
});

describe("KERN-IP-FORWARD", () => {
  it("passes when forwarding is off on a plain server", async () => {
    const c = await check(await root("fwd-off"), "KERN-IP-FORWARD");
    assert.equal(c.status, "pass");
    assert.deepEqual(c.evidence.observed, {
      "net.ipv4.ip_forward": "0",
      "net.ipv4.conf.all.forwarding": "0",
      "net.ipv6.conf.all.forwarding": "0",
    });
  });
  it("fails when a plain server forwards", async () => {
    const c = await check(await root("fwd-on", (r) => r.write(proc("net.ipv4.ip_forward"), "1\n")), "KERN-IP-FORWARD");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/proc/sys/net/ipv4/ip_forward");
  });
  it("passes with a note on a Docker host", async () => {
    const r = await root("fwd-docker", async (r) => {
      await r.write(proc("net.ipv4.ip_forward"), "1\n");
      await r.write("/var/lib/dpkg/status", dpkgEntry("openssh-server") + dpkgEntry("docker.io", "24.0.5"));
    });
    const c = await check(r, "KERN-IP-FORWARD");
    assert.equal(c.status, "pass");
    assert.match(c.reason ?? "", /container\/VM host: docker\.io \(\/var\/lib\/dpkg\/status:8\)/);
  });
  it("passes when the policy routes, and warns when it routes but forwarding is off", async () => {
    const on = await check(await root("fwd-policy", (r) => r.write(proc("net.ipv4.ip_forward"), "1\n")), "KERN-IP-FORWARD", {
      policy: "firewall:\n  forward: true\n",
    });
    assert.equal(on.status, "pass");
    const off = await check(await root("fwd-policy-off"), "KERN-IP-FORWARD", { policy: "firewall:\n  forward: true\n" });
    assert.equal(off.status, "warn");
  });
});

describe("KERN-SYSCTL-PERSISTED", () => {
  it("passes when a sysctl.d file sets every key, naming its file:line", async () => {
    const c = await check(await root("persist-ok"), "KERN-SYSCTL-PERSISTED", { live: false });
    assert.equal(c.status, "pass", JSON.stringify(c.evidence));
    assert.match(
      String((c.evidence.observed as Record<string, string>)["net.ipv4.tcp_syncookies"]),
      /^1 \(\/etc\/sysctl\.d\/60-rampart\.conf:\d+\)$/,
    );
    assert.equal(c.evidence.source, "/etc/sysctl.d/60-rampart.conf");
  });
  it('on a kernel without Yama, kernel.yama.ptrace_scope is left out (named), not reported as "not set"', async () => {
    const r = await root("persist-no-yama", async (r) => {
      await r.remove("/proc/sys/kernel/yama");
      const text = await readFile(r.p("/etc/sysctl.d/60-rampart.conf"), "utf8");
      await r.write("/etc/sysctl.d/60-rampart.conf", text.replace(/^kernel\.yama\.ptrace_scope.*\n/m, ""));
    });
    const c = await check(r, "KERN-SYSCTL-PERSISTED", { live: true });
    assert.equal(c.status, "pass", JSON.stringify(c));
    assert.ok(!("kernel.yama.ptrace_scope" in (c.evidence.observed as object)));
    assert.match(c.reason ?? "", /not in this kernel, not judged: \/proc\/sys\/kernel\/yama\/ptrace_scope missing/);
    // the same image judged from its files only (--root): the kernel is unknown, so the key still counts
    const offline = await check(r, "KERN-SYSCTL-PERSISTED", { live: false });
    assert.equal(offline.status, "fail");
    assert.equal((offline.evidence.observed as Record<string, string>)["kernel.yama.ptrace_scope"], "not set");
  });
  it("fails when nothing persists the values (kernel defaults still count)", async () => {
    const c = await check(await root("persist-none", (r) => r.remove("/etc/sysctl.d/60-rampart.conf")), "KERN-SYSCTL-PERSISTED", {
      live: false,
    });
    assert.equal(c.status, "fail");
    const o = c.evidence.observed as Record<string, string>;
    assert.equal(o["net.ipv4.conf.all.accept_redirects"], "not set");
    assert.equal(o["kernel.randomize_va_space"], "2 (kernel default)");
  });
  it("fails when a later file sets a key back, naming that file:line", async () => {
    const r = await root("persist-later", (r) => r.write("/etc/sysctl.d/99-local.conf", "# local\nnet.ipv4.conf.all.send_redirects = 1\n"));
    const c = await check(r, "KERN-SYSCTL-PERSISTED", { live: false });
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/sysctl.d/99-local.conf:2");
    assert.match(c.reason ?? "", /net\.ipv4\.conf\.all\.send_redirects/);
  });
  it("reads /etc/sysctl.conf last, once, and masks /usr/lib files of the same name", async () => {
    const r = await root("persist-conf", async (r) => {
      await r.write("/usr/lib/sysctl.d/60-rampart.conf", "net.ipv4.tcp_syncookies = 0\n");
      await r.write("/etc/sysctl.conf", "kernel.kptr_restrict = 0\n");
      await r.link("/etc/sysctl.d/99-sysctl.conf", "../sysctl.conf");
    });
    const c = await check(r, "KERN-SYSCTL-PERSISTED", { live: false });
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/sysctl.d/99-sysctl.conf:1");
    assert.match(String((c.evidence.observed as Record<string, string>)["net.ipv4.tcp_syncookies"]), /60-rampart\.conf/);
  });
  it("applies systemd globs and -key exclusions", () => {
    const p = buildPersisted([
      {
        file: "/usr/lib/sysctl.d/50-default.conf",
        text: "net.ipv4.conf.default.rp_filter = 2\nnet.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.all.rp_filter\n",
      },
      { file: "/etc/sysctl.d/60-x.conf", text: "net/ipv4/tcp_syncookies=1\n" },
    ]);
    assert.equal(p.get("net.ipv4.conf.eth0.rp_filter")?.source, "/usr/lib/sysctl.d/50-default.conf:2");
    assert.equal(p.get("net.ipv4.conf.all.rp_filter"), undefined);
    assert.equal(p.get("net.ipv4.tcp_syncookies")?.value, "1");
  });
});
