// The dev-sec linux-baseline checks (and the Lynis tests that share their facts): each passes on the hardened
// fixture root under both profiles and, with one weakness planted, reports what its definition says —
// fail, or under the baseline profile a warn/pass for thresholds only `audit.profile: strict` holds. An
// image planted with one weakness per check fails exactly those checks. Parsers are tested on their own.
import assert from "node:assert/strict";
import { chmod, readFile } from "node:fs/promises";
import { after, describe, it } from "node:test";
import { parseLoginDefs } from "../../src/facts/login-defs.js";
import { disablesModule, parseModprobe } from "../../src/facts/modprobe.js";
import { parseFstab, parseMountinfo } from "../../src/facts/mounts.js";
import { hardLimitForAll, parseLimits } from "../../src/facts/limits.js";
import { currentDirEntries } from "../../src/audit/checks/system/path-dot.js";
import {
  audit,
  check,
  dpkgEntry,
  type FixtureRoot,
  goodRoot,
  HOST_HARDENING_IDS,
  IS_ROOT,
  MY_CHECKS,
  MODPROBE_GOOD,
  MOUNTINFO_GOOD,
} from "./helpers/root.js";

// goodRoot is built for every check but the Lynis findings' ones (host-hardening.test.ts has their host)
const JUDGED = MY_CHECKS.filter((c) => !HOST_HARDENING_IDS.includes(c.id));
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
const STRICT = "audit:\n  profile: strict\n";
/** change a fixture file in place (plants stack: several may edit one file) */
async function edit(r: FixtureRoot, target: string, change: (text: string) => string, mode?: number): Promise<void> {
  await r.write(target, change(await readFile(r.p(target), "utf8")), mode === undefined ? {} : { mode });
}
const dropModule = (m: string) => (r: FixtureRoot) =>
  edit(r, "/etc/modprobe.d/dev-sec.conf", (t) => t.replace(`install ${m} /bin/true\n`, ""));

type Status = "pass" | "fail" | "warn";
interface Case {
  id: string;
  /** one weakness */
  plant: (r: FixtureRoot) => Promise<void>;
  baseline: Status;
  strict: Status;
}

const CASES: Case[] = [
  {
    id: "ACC-LOGIN-DEFS",
    plant: (r) => edit(r, "/etc/login.defs", (t) => t.replace("UMASK\t\t027", "UMASK\t\t022")),
    baseline: "warn",
    strict: "fail",
  },
  {
    id: "ACC-UNIQUE-IDS",
    plant: (r) => r.write("/etc/group", "root:x:0:\nshadow:x:42:\nsudo:x:27:alice\nalice:x:1000:\ndup:x:1000:\n"),
    baseline: "fail",
    strict: "fail",
  },
  {
    id: "ACC-PASSWD-NO-HASH",
    plant: (r) => edit(r, "/etc/passwd", (t) => t.replace("daemon:x:", "daemon:$6$salt$hashhashhash:")),
    baseline: "fail",
    strict: "fail",
  },
  { id: "KERN-PTRACE-SCOPE", plant: (r) => r.write(proc("kernel.yama.ptrace_scope"), "1\n"), baseline: "pass", strict: "fail" },
  { id: "KERN-TCP-RFC1337", plant: (r) => r.write(proc("net.ipv4.tcp_rfc1337"), "0\n"), baseline: "fail", strict: "fail" },
  { id: "KERN-ICMP-RATELIMIT", plant: (r) => r.write(proc("net.ipv4.icmp_ratemask"), "6168\n"), baseline: "fail", strict: "fail" },
  { id: "KERN-SHARED-MEDIA", plant: (r) => r.write(proc("net.ipv4.conf.all.shared_media"), "0\n"), baseline: "fail", strict: "fail" },
  { id: "KERN-SYSRQ", plant: (r) => r.write(proc("kernel.sysrq"), "438\n"), baseline: "fail", strict: "fail" },
  { id: "KERN-IPV6-RA", plant: (r) => r.write(proc("net.ipv6.conf.default.accept_ra"), "1\n"), baseline: "pass", strict: "fail" },
  { id: "KERN-ARP", plant: (r) => r.write(proc("net.ipv4.conf.all.arp_announce"), "0\n"), baseline: "warn", strict: "fail" },
  { id: "KERN-TCP-TIMESTAMPS", plant: (r) => r.write(proc("net.ipv4.tcp_timestamps"), "1\n"), baseline: "pass", strict: "fail" },
  { id: "KERN-MODULES-DISABLED", plant: (r) => r.write(proc("kernel.modules_disabled"), "0\n"), baseline: "pass", strict: "fail" },
  { id: "KERN-NX", plant: (r) => r.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme pae\n"), baseline: "fail", strict: "fail" },
  {
    id: "KERN-CPU-VULNERABILITIES",
    plant: (r) => r.write("/sys/devices/system/cpu/vulnerabilities/spec_store_bypass", "Vulnerable\n"),
    baseline: "fail",
    strict: "fail",
  },
  {
    id: "KERN-UNUSED-FILESYSTEMS",
    plant: dropModule("cramfs"),
    baseline: "warn",
    strict: "fail",
  },
  {
    id: "KERN-USB-STORAGE",
    plant: dropModule("usb-storage"),
    baseline: "warn",
    strict: "fail",
  },
  {
    id: "KERN-FIREWIRE",
    plant: dropModule("firewire-core"),
    baseline: "warn",
    strict: "fail",
  },
  {
    id: "KERN-RARE-PROTOCOLS",
    plant: dropModule("sctp"),
    baseline: "warn",
    strict: "fail",
  },
  {
    id: "FILE-SUID-BLACKLIST",
    plant: async (r) => {
      await r.write("/usr/bin/mtr", "\x7fELF");
      await chmod(r.p("/usr/bin/mtr"), 0o4755); // after the chown in write(), which clears the setuid bit
    },
    baseline: "fail",
    strict: "fail",
  },
  {
    id: "FILE-TRUST-FILES",
    plant: (r) => r.write("/home/alice/.netrc", "machine ftp.example.org login alice password hunter2\n", { mode: 0o600 }),
    baseline: "fail",
    strict: "fail",
  },
  { id: "FILE-VAR-LOG", plant: (r) => r.dir_("/var/log", { mode: 0o777 }), baseline: "fail", strict: "fail" },
  { id: "FILE-CRON-PERMS", plant: (r) => r.dir_("/etc/cron.d", { mode: 0o755 }), baseline: "warn", strict: "fail" },
  {
    id: "FILE-MOUNT-OPTIONS",
    plant: (r) => r.write("/proc/self/mountinfo", MOUNTINFO_GOOD.replace("/tmp rw,nosuid,nodev,noexec", "/tmp rw,nodev")),
    baseline: "fail",
    strict: "fail",
  },
  { id: "SYS-PATH-DOT", plant: (r) => r.write("/root/.profile", 'PATH="$PATH:."\n'), baseline: "fail", strict: "fail" },
  { id: "SYS-CORE-DUMPS", plant: (r) => r.write("/etc/security/limits.conf", "# nothing\n"), baseline: "warn", strict: "fail" },
  {
    id: "SYS-PRELINK",
    plant: (r) =>
      r.write(
        "/var/lib/dpkg/status",
        [
          dpkgEntry("openssh-server", "1:9.2p1-2"),
          dpkgEntry("apparmor", "3.0.8-3"),
          dpkgEntry("auditd", "1:3.0.9-1"),
          dpkgEntry("prelink", "0.0.20131005-1"),
        ].join(""),
      ),
    baseline: "fail",
    strict: "fail",
  },
  {
    id: "LOG-AUDITD",
    plant: async (r) => {
      const { AUDITD_CONF_GOOD } = await import("./helpers/root.js");
      await r.write("/etc/audit/auditd.conf", AUDITD_CONF_GOOD.replace("max_log_file_action = keep_logs", "max_log_file_action = ROTATE"), {
        mode: 0o640,
      });
    },
    baseline: "warn",
    strict: "fail",
  },
];

describe("dev-sec linux-baseline checks: one weakness each", () => {
  it("the hardened root passes every check under both profiles", async () => {
    const r = await root("lb-good");
    for (const policy of [undefined, STRICT]) {
      const report = await audit(r, policy ? { policy, checks: JUDGED } : { checks: JUDGED });
      const bad = report.checks.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error");
      assert.deepEqual(
        bad.map((c) => `${c.id} ${c.status} ${c.reason ?? ""} ${JSON.stringify(c.evidence.observed)}`),
        [],
        `profile ${policy ? "strict" : "baseline"}`,
      );
      for (const k of CASES) assert.equal(report.checks.find((c) => c.id === k.id)?.status, "pass", k.id);
    }
  });
  for (const k of CASES) {
    it(`${k.id}: ${k.baseline} under baseline, ${k.strict} under strict`, async () => {
      const r = await root(`lb-${k.id}`, k.plant);
      const base = await check(r, k.id);
      assert.equal(base.status, k.baseline, JSON.stringify(base));
      const strict = await check(r, k.id, { policy: STRICT });
      assert.equal(strict.status, k.strict, JSON.stringify(strict));
      if (k.baseline === "warn") assert.match(base.reason ?? "", /strict|not set|readable|022|ROTATE/, "a softened finding says why");
    });
  }
  it("an image planted with one weakness per check fails exactly those checks (strict profile)", async () => {
    const r = await root("lb-planted");
    for (const k of CASES) await k.plant(r);
    const report = await audit(r, { policy: STRICT, checks: JUDGED });
    const failing = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
    assert.deepEqual(failing.sort(), CASES.map((k) => k.id).sort());
  });
});

describe("linux-baseline details", () => {
  it("ACC-LOGIN-DEFS fails (any profile) when others can write the file", async () => {
    const r = await root("ld-writable", (r) => r.own("/etc/login.defs", {}, 0o666));
    const c = await check(r, "ACC-LOGIN-DEFS");
    assert.equal(c.status, "fail");
    assert.match(c.reason ?? "", /writable by others/);
  });
  it("ACC-LOGIN-DEFS names the line of each wrong value", async () => {
    const c = await check(await root("ld-lines", (r) => r.write("/etc/login.defs", "UMASK 022\n")), "ACC-LOGIN-DEFS", { policy: STRICT });
    assert.match(c.evidence.source, /\/etc\/login\.defs:1/);
  });
  it("ACC-SHADOW-MODES: /etc/passwd must stay readable (dev-sec os-03)", async () => {
    const c = await check(await root("passwd-0600", (r) => r.own("/etc/passwd", {}, 0o600)), "ACC-SHADOW-MODES");
    assert.equal(c.status, "fail");
  });
  it("ACC-SHADOW-MODES: 0600 root:root shadow passes baseline, strict wants root:shadow 0640 (dev-sec os-02)", {
    skip: !IS_ROOT,
  }, async () => {
    const r = await root("shadow-0600", (r) => r.own("/etc/shadow", { gid: 0 }, 0o600));
    assert.equal((await check(r, "ACC-SHADOW-MODES")).status, "pass");
    assert.equal((await check(r, "ACC-SHADOW-MODES", { policy: STRICT })).status, "fail");
  });
  it("KERN-IP-FORWARD reads net.ipv4.conf.all.forwarding too (dev-sec sysctl-01)", async () => {
    const c = await check(await root("fwd-conf", (r) => r.write(proc("net.ipv4.conf.all.forwarding"), "1\n")), "KERN-IP-FORWARD");
    assert.equal(c.status, "fail");
  });
  it("KERN-RP-FILTER: loose mode warns under baseline and fails under strict", async () => {
    const r = await root("rp-strict", (r) => r.write(proc("net.ipv4.conf.all.rp_filter"), "2\n"));
    assert.equal((await check(r, "KERN-RP-FILTER")).status, "warn");
    assert.equal((await check(r, "KERN-RP-FILTER", { policy: STRICT })).status, "fail");
  });
  it("KERN-UNUSED-FILESYSTEMS: a blacklist line is not enough for dev-sec; squashfs is exempt with snapd, vfat on EFI", async () => {
    const r = await root("fs-blacklist", async (r) => {
      await r.write(
        "/etc/modprobe.d/dev-sec.conf",
        MODPROBE_GOOD.replace("install cramfs /bin/true", "blacklist cramfs")
          .replace("install squashfs /bin/true\n", "")
          .replace("install vfat /bin/true\n", ""),
      );
      await r.write("/usr/lib/snapd/snapd", "\x7fELF");
      await r.write("/sys/firmware/efi/fw_platform_size", "64\n");
    });
    const c = await check(r, "KERN-UNUSED-FILESYSTEMS", { policy: STRICT });
    assert.equal(c.status, "fail");
    assert.deepEqual(c.reason, "not disabled: cramfs");
    const obs = c.evidence.observed as Record<string, string>;
    assert.equal(obs.cramfs, "blacklist cramfs only");
    assert.match(obs.squashfs ?? "", /snapd/);
    assert.match(obs.vfat ?? "", /EFI/);
  });
  it("KERN-USB-STORAGE: Lynis accepts a blacklist line (usb_storage spelled with _)", async () => {
    const r = await root("usb-bl", (r) =>
      r.write("/etc/modprobe.d/dev-sec.conf", MODPROBE_GOOD.replace("install usb-storage /bin/true", "blacklist usb_storage")),
    );
    const c = await check(r, "KERN-USB-STORAGE", { policy: STRICT });
    assert.equal(c.status, "pass");
    assert.equal(c.evidence.source, "/etc/modprobe.d/dev-sec.conf:10");
  });
  it("FILE-MOUNT-OPTIONS judges /etc/fstab under --root; noexec missing on /tmp only warns under baseline", async () => {
    const r = await root("mnt-root", (r) => r.write("/etc/fstab", "UUID=0a1b / ext4 defaults 0 1\ntmpfs /tmp tmpfs nosuid,nodev 0 0\n"));
    const c = await check(r, "FILE-MOUNT-OPTIONS", { live: false });
    assert.equal(c.status, "warn");
    assert.equal(c.evidence.source, "/etc/fstab:2");
    assert.equal((await check(r, "FILE-MOUNT-OPTIONS", { live: false, policy: STRICT })).status, "fail");
  });
  it("FILE-TRUST-FILES finds .RHOSTS in any case, and never below depth 3", async () => {
    const r = await root("trust-case", async (r) => {
      await r.write("/root/.RHOSTS", "+ +\n");
      await r.write("/home/alice/deep/.netrc", "machine x\n");
    });
    const c = await check(r, "FILE-TRUST-FILES");
    assert.deepEqual(c.evidence.observed, ["/root/.RHOSTS"]);
  });
  it("SYS-CORE-DUMPS: with fs.suid_dumpable = 2 a relative core_pattern fails (dev-sec sysctl-31b); systemd-coredump off counts", async () => {
    const rel = await root("core-rel", async (r) => {
      await r.write(proc("fs.suid_dumpable"), "2\n");
      await r.write(proc("kernel.core_pattern"), "core\n");
    });
    const c = await check(rel, "SYS-CORE-DUMPS");
    assert.equal(c.status, "fail");
    assert.equal(c.evidence.source, "/proc/sys/kernel/core_pattern");
    const sd = await root("core-systemd", async (r) => {
      await r.write("/etc/security/limits.conf", "# none\n");
      await r.write("/etc/systemd/coredump.conf.d/50-off.conf", "[Coredump]\nStorage=none\nProcessSizeMax=0\n");
    });
    assert.equal((await check(sd, "SYS-CORE-DUMPS", { policy: STRICT })).status, "pass");
  });
  it("LOG-AUDITD: not installed warns under baseline; installed but not running fails under strict", async () => {
    const none = await root("auditd-none", async (r) => {
      await r.write("/var/lib/dpkg/status", dpkgEntry("openssh-server", "1:9.2p1-2"));
      await r.remove("/etc/audit");
    });
    assert.equal((await check(none, "LOG-AUDITD")).status, "warn");
    const stopped = await root("auditd-stopped", (r) => r.remove("/proc/812"));
    const c = await check(stopped, "LOG-AUDITD", { policy: STRICT });
    assert.equal(c.status, "fail");
    assert.match(c.reason ?? "", /not running/);
  });
});

describe("linux-baseline fact parsers", () => {
  it("login.defs: first word is the value, the last line for a key wins", () => {
    const d = parseLoginDefs("# c\nUMASK 022 # old\nUMASK\t027\nENV_PATH PATH=/usr/bin:/bin\n", "/etc/login.defs");
    assert.deepEqual(d.get("UMASK"), { value: "027", source: "/etc/login.defs:3" });
    assert.equal(d.get("ENV_PATH")?.value, "PATH=/usr/bin:/bin");
    assert.equal(parseLoginDefs(undefined, "x").present, false);
  });
  it("modprobe.d: the first install line wins, - and _ are one, continuation lines join", () => {
    const cfg = parseModprobe([
      { file: "/etc/modprobe.d/a.conf", text: "install usb_storage /bin/false\nblacklist dccp\ninstall sctp \\\n  /bin/true\n" },
      { file: "/etc/modprobe.d/b.conf", text: "install usb-storage /sbin/modprobe --ignore-install usb-storage\n" },
    ]);
    assert.deepEqual(cfg.install("usb-storage"), { command: "/bin/false", source: "/etc/modprobe.d/a.conf:1" });
    assert.equal(cfg.install("sctp")?.command, "/bin/true");
    assert.equal(cfg.blacklist("dccp")?.source, "/etc/modprobe.d/a.conf:2");
    assert.ok(disablesModule("/usr/bin/true") && disablesModule("false") && !disablesModule("/usrtrue") && !disablesModule("/bin/echo"));
  });
  it("mountinfo: per-mount and superblock options merge, octal escapes decode, the top mount wins", () => {
    const m = parseMountinfo(
      "30 1 0:5 / /tmp rw,relatime - tmpfs tmpfs rw\n31 30 0:6 / /tmp rw,nosuid shared:1 - tmpfs tmpfs rw,nodev\n32 1 0:7 / /mnt/my\\040disk rw - ext4 /dev/sdb rw\n",
      "/proc/self/mountinfo",
    );
    assert.deepEqual([...(m.at("/tmp")?.options ?? [])].sort(), ["nodev", "nosuid", "rw"]);
    assert.equal(m.at("/tmp")?.source, "/proc/self/mountinfo:2");
    assert.equal(m.at("/mnt/my disk")?.fstype, "ext4");
    const f = parseFstab("# c\n/dev/sda2 none swap sw 0 0\ntmpfs /tmp tmpfs\n", "/etc/fstab");
    assert.equal(f.at("none"), undefined);
    assert.deepEqual([...(f.at("/tmp")?.options ?? [])], ["defaults"]);
  });
  it("limits: the last * hard (or -) core line wins", () => {
    const l = parseLimits("* soft core 0\n*  hard core unlimited\n* - core 0 # all\n@adm hard core 10\n", "/etc/security/limits.conf");
    assert.deepEqual(hardLimitForAll(l, "core"), {
      domain: "*",
      type: "-",
      item: "core",
      value: "0",
      source: "/etc/security/limits.conf:3",
    });
  });
  it("PATH: empty components and . mean the current directory", () => {
    assert.deepEqual(currentDirEntries("/usr/bin:/bin"), []);
    assert.deepEqual(currentDirEntries(":/bin"), [""]);
    assert.deepEqual(currentDirEntries("/bin::/usr/bin"), [""]);
    assert.deepEqual(currentDirEntries("$PATH:."), ["."]);
  });
});
