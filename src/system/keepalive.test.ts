// The keep-alive readers: resolv.conf, NTP configurations, the fleet database URL, and the merged answer with a
// fake resolver (a failed lookup is a warning, never an error).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { HostFs } from "./hostfs.js";
import { databaseHost, keepAliveAddresses, parseNtpConf, parseResolvConf } from "./keepalive.js";

test("resolv.conf, timesyncd, chrony and ntpd lines; database hosts", () => {
  assert.deepEqual(parseResolvConf("# c\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver bogus\nsearch x\n"), [
    "192.0.2.53",
    "fe80::1",
  ]);
  assert.deepEqual(parseNtpConf("[Time]\nNTP=a.example b.example\n#NTP=c\nFallbackNTP=0.debian.pool.ntp.org\n", "timesyncd"), [
    "a.example",
    "b.example",
    "0.debian.pool.ntp.org",
  ]);
  assert.deepEqual(parseNtpConf("pool 2.debian.pool.ntp.org iburst\nserver 192.0.2.123 # ours\n# server x\npeer p.example\n", "ntp"), [
    "2.debian.pool.ntp.org",
    "192.0.2.123",
    "p.example",
  ]);
  assert.equal(databaseHost("postgres://u@db.example:5432/r?sslmode=verify-full"), "db.example");
  assert.equal(databaseHost("postgresql://u@[2001:db8::5]/r"), "2001:db8::5");
  assert.equal(databaseHost("postgres://u@/r?host=10.0.0.5"), "10.0.0.5");
  assert.equal(databaseHost("not a url"), undefined);
});

test("keepAliveAddresses: everything with its reason; a failed lookup warns", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "rampart-keepalive-"));
  try {
    mkdirSync(path.join(root, "etc/chrony/sources.d"), { recursive: true });
    mkdirSync(path.join(root, "run/systemd/resolve"), { recursive: true });
    writeFileSync(path.join(root, "etc/resolv.conf"), "nameserver 127.0.0.53\n");
    writeFileSync(path.join(root, "run/systemd/resolve/resolv.conf"), "nameserver 198.51.100.53\n");
    writeFileSync(path.join(root, "etc/chrony/sources.d/local.sources"), "server time.lab iburst\nserver gone.lab\n");
    const warnings: string[] = [];
    const got = await keepAliveAddresses({
      fs: new HostFs(root),
      fleetDatabase: "postgres://r@db.lab/r",
      hosts: [{ host: "203.0.113.5", reason: "a list server" }],
      resolve: async (h) => {
        if (h === "gone.lab") throw new Error("NXDOMAIN");
        return h === "time.lab" ? ["198.51.100.123", "2001:db8::123"] : ["198.51.100.54"];
      },
      warn: (m) => warnings.push(m),
    });
    assert.deepEqual(
      got.map((k) => `${k.address} ${k.reason}`),
      [
        "127.0.0.53 a resolver in /etc/resolv.conf",
        "198.51.100.53 an upstream resolver of systemd-resolved",
        "198.51.100.123 NTP server time.lab",
        "2001:db8::123 NTP server time.lab",
        "198.51.100.54 the fleet database db.lab (guard.share)",
        "203.0.113.5 a list server",
      ],
    );
    assert.deepEqual(warnings, ["could not resolve gone.lab (NTP server gone.lab): NXDOMAIN"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
