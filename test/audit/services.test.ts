// Legacy-service checks: each fails when its server package is installed (dpkg status, under --root too)
// or its port listens (/proc/net, live), warns on a client alone, and passes on a clean host.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseProcNet } from "../../src/facts/listening.js";
import { parseDpkgStatus } from "../../src/facts/packages.js";
import { checks as serviceChecks } from "../../src/audit/checks/services/index.js";
import { LEGACY_SERVER_PACKAGES } from "../../src/facts/legacy-services.js";
import { defaultPolicy } from "../../src/policy/load.js";
import { check, dpkgEntry, type FixtureRoot, goodRoot, PROC_NET_HEADER, tcpListenLine } from "./helpers/root.js";

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
const withPackages =
  (...names: string[]) =>
  (r: FixtureRoot) =>
    r.write("/var/lib/dpkg/status", [dpkgEntry("openssh-server"), ...names.map((n) => dpkgEntry(n))].join(""));

const CASES = [
  { id: "SVC-TELNET", server: "telnetd", client: "telnet" },
  { id: "SVC-RSH", server: "rsh-server", client: "rsh-client" },
  { id: "SVC-FTP", server: "vsftpd", client: "ftp" },
  { id: "SVC-TFTP", server: "tftpd-hpa", client: "tftp-hpa" },
  { id: "SVC-XINETD", server: "xinetd", client: undefined },
  { id: "SVC-NIS", server: "nis", client: "yp-tools" },
  { id: "SVC-TALK", server: "talkd", client: "talk" },
];

describe("legacy services", () => {
  for (const c of CASES) {
    it(`${c.id}: passes on a clean host, fails with ${c.server} installed (also under --root)`, async () => {
      const ok = await check(await root(`${c.id}-ok`), c.id);
      assert.equal(ok.status, "pass", JSON.stringify(ok.evidence));
      const r = await root(`${c.id}-bad`, withPackages(c.server));
      for (const live of [true, false]) {
        const bad = await check(r, c.id, { live });
        assert.equal(bad.status, "fail");
        assert.equal(bad.evidence.source, "/var/lib/dpkg/status:8");
        assert.deepEqual((bad.evidence.observed as { servers: string[] }).servers, [`${c.server} 1.0-1`]);
      }
    });
    if (c.client) {
      it(`${c.id}: warns when only ${c.client} is installed`, async () => {
        const w = await check(await root(`${c.id}-client`, withPackages(c.client as string)), c.id);
        assert.equal(w.status, "warn");
        assert.match(w.reason ?? "", /client is installed/);
      });
    }
  }
  it("one table (#16): every server package the policy removes by default fails exactly one check, and vice versa", async () => {
    const removed = defaultPolicy().services.remove;
    assert.deepEqual(removed, [...LEGACY_SERVER_PACKAGES]);
    // the packages the default once lacked while the audit flagged them
    for (const p of ["talkd", "inetutils-talkd", "ypserv", "openbsd-inetd", "inetutils-inetd", "rlinetd", "inetutils-tftpd"])
      assert.ok(removed.includes(p), p);
    for (const pkg of LEGACY_SERVER_PACKAGES) {
      const r = await root(`table-${pkg}`, withPackages(pkg));
      const failing: string[] = [];
      for (const c of serviceChecks) if ((await check(r, c.id, { live: false })).status === "fail") failing.push(c.id);
      assert.equal(failing.length, 1, `${pkg}: ${failing.join(", ")}`);
    }
  });
  it("SVC-TELNET fails when port 23 listens (live), naming the /proc/net line", async () => {
    const r = await root("telnet-port", (r) => r.write("/proc/net/tcp", PROC_NET_HEADER + tcpListenLine(0, 22) + tcpListenLine(1, 23)));
    const c = await check(r, "SVC-TELNET");
    assert.equal(c.status, "fail");
    assert.deepEqual((c.evidence.observed as { listening: string[] }).listening, ["0.0.0.0:23/tcp"]);
    assert.equal(c.evidence.source, "/proc/net/tcp:3");
    const underRoot = await check(r, "SVC-TELNET", { live: false });
    assert.equal(underRoot.status, "pass");
    assert.equal((underRoot.evidence.observed as { listening: string }).listening, "not checked (--root)");
  });
  it("SVC-RSH fails on /etc/hosts.equiv", async () => {
    const c = await check(await root("rsh-equiv", (r) => r.write("/etc/hosts.equiv", "+\n")), "SVC-RSH");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/etc/hosts.equiv");
  });
  it("a package the policy keeps passes with a note", async () => {
    const c = await check(await root("ftp-keep", withPackages("vsftpd")), "SVC-FTP", { policy: "services:\n  keep: [vsftpd]\n" });
    assert.equal(c.status, "pass");
    assert.match(c.reason ?? "", /kept by the policy/);
  });
  it("skips under --root without a dpkg database", async () => {
    const c = await check(await root("no-dpkg", (r) => r.remove("/var/lib/dpkg")), "SVC-FTP", { live: false });
    assert.equal(c.status, "skip");
  });
  it("parses /proc/net tables (IPv6 words are little-endian; UDP listens unconnected)", () => {
    const v6 = parseProcNet(
      `${PROC_NET_HEADER}   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1\n`,
      "/proc/net/tcp6",
      "tcp",
      6,
    );
    assert.deepEqual(
      v6.map((s) => `${s.address} ${s.port} ${s.inode}`),
      ["::1 22 99"],
    );
    const udp = parseProcNet(
      `${PROC_NET_HEADER}   1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 7 2\n   2: 0100007F:0036 0200007F:0035 01 00000000:00000000 00:00000000 00000000   101        0 8 2\n`,
      "/proc/net/udp",
      "udp",
      4,
    );
    assert.deepEqual(
      udp.map((s) => `${s.address}:${s.port} uid ${s.uid} ${s.source}`),
      ["127.0.0.1:53 uid 101 /proc/net/udp:2"],
    );
  });
  it("reads only fully installed packages from dpkg status", () => {
    const db = parseDpkgStatus(dpkgEntry("a") + dpkgEntry("b", "2", "deinstall ok config-files") + dpkgEntry("c:amd64"), "/s");
    assert.equal(db.get("a")?.installed, true);
    assert.equal(db.get("b")?.installed, false);
    assert.equal(db.get("c")?.source, "/s:15");
  });
});
