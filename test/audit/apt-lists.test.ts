// Pending updates read from the package lists and dpkg's status (no apt run): candidates by apt's default
// priorities, the security flag from the list's Release, holds, multi-arch, NotAutomatic suites; apt itself
// asked only when a pin can change the answer; and, on a Debian machine, the same answer as
// `apt-get -s dist-upgrade` for every package it would upgrade.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { updPending } from "../../src/audit/checks/updates/pending.js";
import { updSecurityPending } from "../../src/audit/checks/updates/security-pending.js";
import { APT_HELPER, pendingFromLists } from "../../src/facts/apt-lists.js";
import { APT_SIM_ARGV, parseAptSimulation } from "../../src/facts/apt.js";
import { run, type Runner } from "../../src/system/exec.js";
import { buildRoot, ctxFor, fakeRunner } from "./firewall.fixture.js";
import { testContext } from "./ssh-context.js";

const SIM = APT_SIM_ARGV.join(" ");

/** The lists are read by the real grep and apt-helper; every other program (apt-get) is the fake's, recorded. */
function listsRunner(fake: ReturnType<typeof fakeRunner>): Runner & { calls: string[] } {
  const fn: Runner = (argv, options) => (argv[0] === "grep" || argv[0] === APT_HELPER ? run(argv, options) : fake(argv, options));
  return Object.assign(fn, { calls: fake.calls });
}
const L = "/var/lib/apt/lists";
const installed = (name: string, version: string, arch = "amd64", want = "install") =>
  `Package: ${name}\nStatus: ${want} ok installed\nPriority: optional\nArchitecture: ${arch}\nVersion: ${version}\nDescription: ${name}\n more text\n`;
const offer = (name: string, version: string, arch = "amd64") =>
  `Package: ${name}\nVersion: ${version}\nInstalled-Size: 10\nArchitecture: ${arch}\nDescription: ${name}\n Package: not-a-field continuation\n`;
const release = (fields: string) =>
  `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${fields}Date: Sat, 01 Nov 2026 10:00:00 UTC\nSHA256:\n 0123 10 main/binary-amd64/Packages\n-----BEGIN PGP SIGNATURE-----\n`;

function files(extra: Record<string, string> = {}) {
  return {
    "/var/lib/dpkg/status": [
      installed("openssh-server", "1:9.2p1-2+deb12u2"),
      installed("libc6", "2.36-9+deb12u9"),
      installed("libc6", "2.36-9+deb12u9", "i386"),
      installed("tzdata", "2024a-0+deb12u1", "all"),
      installed("held-thing", "1.0-1", "amd64", "hold"),
      installed("gone-from-lists", "3.0-1"),
    ].join("\n"),
    [`${L}/deb.debian.org_debian_dists_bookworm_InRelease`]: release(
      "Origin: Debian\nLabel: Debian\nSuite: oldstable\nVersion: 12.12\nCodename: bookworm\n",
    ),
    [`${L}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages`]: [
      offer("openssh-server", "1:9.2p1-2+deb12u2"),
      offer("libc6", "2.36-9+deb12u10"),
      offer("tzdata", "2024a-0+deb12u1~1", "all"), // older: ~ sorts first
      offer("held-thing", "1.0-2"),
      offer("not-installed", "9.9-9"),
    ].join("\n"),
    [`${L}/deb.debian.org_debian_dists_bookworm_main_binary-i386_Packages`]: offer("libc6", "2.36-9+deb12u9", "i386"),
    [`${L}/deb.debian.org_debian-security_dists_bookworm-security_InRelease`]: release(
      "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nVersion: 12\nCodename: bookworm-security\n",
    ),
    [`${L}/deb.debian.org_debian_dists_bookworm-backports_InRelease`]: release(
      "Origin: Debian Backports\nLabel: Debian Backports\nSuite: oldstable-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
    ),
    [`${L}/deb.debian.org_debian_dists_bookworm-backports_main_binary-amd64_Packages`]: offer("libc6", "2.40-1~bpo12+1"),
    [`${L}/deb.debian.org_debian_dists_experimental_InRelease`]: release(
      "Origin: Debian\nLabel: Debian\nSuite: experimental\nNotAutomatic: yes\n",
    ),
    [`${L}/deb.debian.org_debian_dists_experimental_main_binary-amd64_Packages`]: offer("openssh-server", "1:10.0p1-1"),
    ...extra,
  };
}

/** the security list is gzip-compressed (read in-process), as apt stores it with Acquire::GzipIndexes */
async function rootWith(extra: Record<string, string> = {}) {
  const b = await buildRoot(files(extra));
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    `${b.root}${L}/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.gz`,
    gzipSync(offer("openssh-server", "1:9.2p1-2+deb12u3")),
  );
  return b;
}

describe("pending updates from the package lists", () => {
  test("candidates by apt's default priorities; security from the list's Release; no apt run", async () => {
    const { root, cleanup } = await rootWith();
    try {
      const run = listsRunner(fakeRunner({}));
      const ctx = ctxFor({ root, run });
      const r = await pendingFromLists(ctx, undefined);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(
        r.pending.map((p) => [p.name, p.from, p.to, p.security, p.origins.join(" "), p.held ?? false]),
        [
          ["held-thing", "1.0-1", "1.0-2", false, "Debian:12.12/oldstable", true],
          // backports (priority 100) and the i386 list do not count; the main list's newer version does
          ["libc6", "2.36-9+deb12u9", "2.36-9+deb12u10", false, "Debian:12.12/oldstable", false],
          // experimental (NotAutomatic, priority 1) does not count; the security list (gzip) does
          ["openssh-server", "1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3", true, "Debian-Security:12/oldstable-security", false],
        ],
      );
      const sec = await updSecurityPending.run(ctx);
      assert.equal(sec.status, "fail");
      assert.match(String(sec.observed), /^1 pending: openssh-server 1:9.2p1-2\+deb12u2 → 1:9.2p1-2\+deb12u3$/);
      assert.match(String(sec.source), /\/var\/lib\/apt\/lists\/\*_Packages and \/var\/lib\/dpkg\/status \(read directly/);
      assert.equal((await updPending.run(ctx)).status, "warn");
      assert.ok(!run.calls.some((c) => c.startsWith("apt-get")), run.calls.join("; "));
    } finally {
      await cleanup();
    }
  });

  test("a pin apt would apply to these lists: apt itself is asked, and the evidence says why", async () => {
    const { root, cleanup } = await rootWith({
      "/etc/apt/preferences.d/stable": "Package: *\nPin: release a=oldstable\nPin-Priority: 900\n",
    });
    try {
      const run = listsRunner(fakeRunner({ [SIM]: { stdout: "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n" } }));
      const o = await updSecurityPending.run(ctxFor({ root, run }));
      assert.equal(o.status, "pass");
      assert.match(String(o.source), /^apt-get -s .* \(apt asked: apt preferences pin in \/etc\/apt\/preferences.d\/stable:2\)$/);
      assert.ok(run.calls.includes(SIM));
    } finally {
      await cleanup();
    }
  });

  test("a pin on an origin no list comes from (a removed source) changes nothing: no apt run", async () => {
    const { root, cleanup } = await rootWith({
      "/etc/apt/preferences.d/nodejs": "Package: nodejs\nPin: origin deb.nodesource.com\nPin-Priority: 600\n",
    });
    try {
      const run = listsRunner(fakeRunner({}));
      const o = await updSecurityPending.run(ctxFor({ root, run }));
      assert.equal(o.status, "fail");
      assert.ok(!run.calls.includes(SIM));
    } finally {
      await cleanup();
    }
  });

  test("APT::Default-Release set: apt itself is asked", async () => {
    const { root, cleanup } = await rootWith({ "/etc/apt/apt.conf.d/99release": 'APT::Default-Release "bookworm";\n' });
    try {
      const run = listsRunner(fakeRunner({ [SIM]: { stdout: "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n" } }));
      const o = await updPending.run(ctxFor({ root, run }));
      assert.match(String(o.source), /apt asked: APT::Default-Release is set \(bookworm\)/);
    } finally {
      await cleanup();
    }
  });
});

/** n filler paragraphs of ≈ 700 bytes of incompressible text: a list large enough for readList to grep */
function filler(prefix: string, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${offer(`${prefix}-${i}`, "1.0-1")} ${randomBytes(320).toString("hex")}\n`);
  return out.join("\n");
}

const HOW = {
  signed: "all in one apt-helper stream (an InRelease file between each two)",
  unsigned: "one by one (no InRelease to stand between them)",
  unterminated: "one by one after the stream (a list without its last newline hides a separator)",
};
for (const [mode, how] of Object.entries(HOW))
  test(`large lists are grepped for the installed packages' paragraphs, ${how}, by fields where a paragraph's order needs it`, {
    skip: existsSync(APT_HELPER) ? false : "apt-helper is not installed",
  }, async () => {
    const { writeFile } = await import("node:fs/promises");
    const pkgs = [
      installed("alpha", "1.0-1"),
      installed("libstdc++6", "12.2.0-14"),
      installed("python3.11", "3.11.2-6"),
      installed("spaced", "2.0-1"),
      installed("zeta", "5.0-1"),
      installed("gamma", "1.0-1"),
    ];
    // zeta's Architecture comes after eleven other fields: beyond the lines kept after its Package line
    const late = `Package: zeta\nVersion: 5.0-2\n${Array.from({ length: 11 }, (_, i) => `X-Field-${i}: x\n`).join("")}Architecture: amd64\n`;
    const signed = mode !== "unsigned";
    const rel = (fields: string) => (signed ? release(fields) : `${fields}SHA256:\n 0123 10 main/binary-amd64/Packages\n`);
    const relName = signed ? "InRelease" : "Release";
    const { root, cleanup } = await buildRoot({
      "/var/lib/dpkg/status": pkgs.join("\n"),
      [`${L}/deb.debian.org_debian_dists_bookworm_${relName}`]: rel("Origin: Debian\nLabel: Debian\nSuite: oldstable\nVersion: 12.12\n"),
      [`${L}/deb.debian.org_debian-security_dists_bookworm-security_${relName}`]: rel(
        "Origin: Debian\nLabel: Debian-Security\nSuite: oldstable-security\nVersion: 12\n",
      ),
      // an empty list (a suite with no packages for this architecture; or one without its last newline) and a small one
      [`${L}/deb.debian.org_debian_dists_bookworm_contrib_binary-amd64_Packages`]:
        mode === "unterminated" ? "Package: alpha\nVersion: 1.0-1+c1\nArchitecture: amd64" : "",
      [`${L}/deb.debian.org_debian_dists_bookworm_non-free_binary-amd64_Packages`]: offer("alpha", "1.0-1+nf1"),
    });
    try {
      const big = [
        filler("a", 6000),
        offer("alpha", "1.0-2"),
        offer("alpha-dev", "9.0-1"), // a longer name: not alpha's
        offer("libstdc++6", "12.2.0-14+deb12u1"),
        offer("libstdcxx6", "99"), // "+" is not a pattern here
        offer("python3.11", "3.11.2-6+deb12u1"),
        offer("python3x11", "99"),
        "Package:   spaced  \nVersion: 2.0-2\nArchitecture: amd64\n",
        late,
        filler("b", 6000),
      ].join("\n");
      assert.ok(big.length > 8 * 1024 * 1024, `${big.length}`);
      await writeFile(`${root}${L}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages`, big);
      const sec = gzipSync(`${filler("c", 600)}\n${offer("gamma", "1.0-1+deb12u1")}`);
      assert.ok(sec.length > 128 * 1024, `${sec.length}`);
      await writeFile(`${root}${L}/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.gz`, sec);
      const calls: string[] = [];
      const recording: Runner = (argv, options) => {
        calls.push([...(options?.pipeFrom ?? []), "|", ...argv].join(" "));
        return run(argv, options);
      };
      const r = await pendingFromLists(ctxFor({ root, run: recording }), undefined);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual(
        r.pending.map((p) => `${p.name} ${p.to}${p.security ? " (security)" : ""}`),
        [
          "alpha 1.0-2",
          "gamma 1.0-1+deb12u1 (security)",
          "libstdc++6 12.2.0-14+deb12u1",
          "python3.11 3.11.2-6+deb12u1",
          "spaced 2.0-2",
          "zeta 5.0-2",
        ],
      );
      const pattern = "^Package:[[:blank:]]*(alpha|libstdc\\+\\+6|python3\\.11|spaced|zeta|gamma)[[:blank:]]*$";
      const picked = calls.filter((c) => c.includes(`| grep -a -E -A10 -e ${pattern}`));
      // zeta's paragraph was cut before its Architecture: the main list again, by fields
      const byFields = calls.filter((c) =>
        /^\| grep -a -e \^Package: -e \^Version: -e \^Architecture: .*bookworm_main_binary-amd64_Packages$/.test(c),
      );
      assert.equal(byFields.length, 1, calls.join("\n"));
      if (mode === "signed") {
        // all four lists, an InRelease between each two
        assert.equal(picked.length, 1, calls.join("\n"));
        assert.equal((picked[0]?.match(/_InRelease /g) ?? []).length, 3, picked[0]);
        assert.ok(picked[0]?.startsWith(`${APT_HELPER} cat-file `), picked[0]);
        assert.equal(calls.length, 2, calls.join("\n"));
      } else {
        if (mode === "unterminated") assert.equal(calls.filter((c) => c.includes("_InRelease ")).length, 1, calls.join("\n"));
        // the two large ones each through grep (the gzip one from apt-helper), the small ones read here
        assert.equal(picked.filter((c) => !c.includes("_InRelease ")).length, 2, calls.join("\n"));
        assert.ok(
          picked.some((c) => c.startsWith(`${APT_HELPER} cat-file `)),
          calls.join("\n"),
        );
        assert.equal(calls.length, mode === "unterminated" ? 4 : 3, calls.join("\n"));
      }
    } finally {
      await cleanup();
    }
  });

const DEBIAN = existsSync("/usr/bin/apt-get") && existsSync("/var/lib/dpkg/status") && existsSync(L);

test("this machine: the same upgrades, versions and security flags as apt-get -s dist-upgrade", {
  skip: DEBIAN ? false : "needs a Debian/Ubuntu machine with package lists",
  timeout: 120_000,
}, async () => {
  const ctx = testContext({ live: true });
  const mine = await pendingFromLists(ctx, undefined);
  if (!mine.ok) return test.skip?.(`lists not usable here: ${mine.reason}`);
  const sim = await run([...APT_SIM_ARGV], { env: { ...process.env, LC_ALL: "C" }, timeoutMs: 60_000 });
  // apt's upgrades of installed packages (Inst lines with [old]); new dependencies are not "pending updates"
  const theirs = parseAptSimulation(sim.stdout).filter((p) => p.from !== undefined);
  const key = (p: { name: string; from?: string; to: string; security: boolean }) =>
    `${p.name} ${p.from} → ${p.to}${p.security ? " (security)" : ""}`;
  assert.deepEqual(
    mine.pending
      .filter((p) => !p.held)
      .map(key)
      .sort(),
    theirs.map(key).sort(),
  );
});
