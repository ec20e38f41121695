// The APT configuration read from /etc/apt/apt.conf.d and apt.conf directly, and `apt-config dump` run only
// where those files may not be all apt reads: the syntax the reader follows (and what it refuses), the
// fallbacks on a live system, and — where apt-config is installed — the same values as the real apt-config
// for the same files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { type AptConfig, aptConfig, aptConfSyntax, aptKey, parseAptConf } from "../../src/facts/apt.js";
import { buildRoot, ctxFor, fakeRunner, recorded } from "./firewall.fixture.js";

const DUMP = "apt-config dump";

/** nested blocks, all three comment forms, quoted values holding comment characters, lists, #clear */
const FOLLOWED = `// a comment
/* a block
   comment */
# a hash comment
APT
{
  Periodic
  {
    Update-Package-Lists "1"; // after a statement
    Unattended-Upgrade "always";
  };
  Default-Release "bookworm # not a comment";
};
Unattended-Upgrade::Origins-Pattern {
        "origin=Debian,codename=\${distro_codename}-security,label=Debian-Security";
        "o=Example // not a comment";
};
Unattended-Upgrade::Package-Blacklist {
};
Unattended-Upgrade::Allowed-Origins:: "Debian:bookworm";
Acquire::IndexTargets::deb::DEP-11 { DefaultEnabled "false"; };
Dir::Cache::pkgcache "";
Old::List { "gone"; };
#clear Old::List;
;
`;

function parsed(text: string): AptConfig {
  const cfg: AptConfig = { scalars: new Map(), lists: new Map(), files: [] };
  parseAptConf(text, "f", cfg);
  return cfg;
}

describe("apt.conf syntax the reader follows", () => {
  test("nested blocks, comments, quoted values, lists, #clear: followed, and read as apt reads them", () => {
    assert.equal(aptConfSyntax(FOLLOWED), undefined);
    const cfg = parsed(FOLLOWED);
    assert.deepEqual(cfg.scalars.get(aptKey("APT::Periodic::Update-Package-Lists")), { value: "1", source: "f:9" });
    assert.equal(cfg.scalars.get(aptKey("APT::Periodic::Unattended-Upgrade"))?.value, "always");
    assert.equal(cfg.scalars.get(aptKey("APT::Default-Release"))?.value, "bookworm # not a comment");
    assert.deepEqual(
      cfg.lists.get(aptKey("Unattended-Upgrade::Origins-Pattern"))?.map((v) => v.value),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${distro_codename} is apt's own variable syntax
      ["origin=Debian,codename=${distro_codename}-security,label=Debian-Security", "o=Example // not a comment"],
    );
    assert.deepEqual(
      cfg.lists.get(aptKey("Unattended-Upgrade::Allowed-Origins"))?.map((v) => v.value),
      ["Debian:bookworm"],
    );
    assert.equal(cfg.lists.get(aptKey("Old::List")), undefined);
  });

  test("what apt may read otherwise: refused with its line", () => {
    const cases: [string, RegExp][] = [
      ['APT::X "1";\n#include "/etc/apt/other.conf";\n', /^2: #include/],
      ["APT::Periodic::Unattended-Upgrade 1;\n", /^1: APT::Periodic::Unattended-Upgrade without a "quoted value"/],
      ['APT::Periodic::Unattended-Upgrade "1"\nAPT::Y "2";\n', /^1: APT::Periodic::Unattended-Upgrade without/],
      ['APT::X "1;\n', /^1: a string without its closing quote/],
      ['APT::X "one\ntwo";\n', /^1: a string without its closing quote/],
      ['APT {\n  X "1";\n', /^3: a \{ without its \}/],
      ['APT::X "1";\n};\n', /^2: \} where/],
      ['APT::X#y "1";\n', /^1: "APT::X#y"/],
      ['APT::X "1";\n/* open\n', /^2: a \/\* comment without its \*\//],
      ['"item";\n', /^1: "item" where/],
      ['APT::List:: { "x"; };\n', /^1: APT::List:: without/],
    ];
    for (const [text, want] of cases) assert.match(String(aptConfSyntax(text)), want, text);
  });
});

describe("aptConfig: apt-config dump only where the files may not be all apt reads", () => {
  const dump = async () => fakeRunner({ [DUMP]: { stdout: await recorded("updates/apt-config-dump-debian12-no-uu.txt") } });
  const periodic = 'APT::Periodic::Unattended-Upgrade "1";\n';

  async function configOf(files: Record<string, string>, live = true) {
    const { root, cleanup } = await buildRoot({ "/etc/apt/apt.conf.d/20auto-upgrades": periodic, ...files });
    try {
      const run = await dump();
      const cfg = await aptConfig(ctxFor({ root, run, live }));
      return { cfg, calls: run.calls, value: cfg.scalars.get(aptKey("APT::Periodic::Unattended-Upgrade")) };
    } finally {
      await cleanup();
    }
  }

  test("followed files (Dir::Cache set, names apt skips): no apt-config run, file:line sources", async () => {
    const r = await configOf({
      "/etc/apt/apt.conf.d/docker-clean": 'Dir::Cache::pkgcache "";\n',
      "/etc/apt/apt.conf.d/50x.dpkg-old": "#include broken\n",
      "/etc/apt/apt.conf": 'APT::Default-Release "bookworm";\n',
    });
    assert.deepEqual(r.calls, []);
    assert.deepEqual(r.value, { value: "1", source: "/etc/apt/apt.conf.d/20auto-upgrades:1" });
    assert.equal(r.cfg.scalars.get(aptKey("APT::Default-Release"))?.source, "/etc/apt/apt.conf:1");
    assert.ok(!r.cfg.files.includes(DUMP));
  });

  for (const [why, files] of [
    ["#include", { "/etc/apt/apt.conf.d/90local": '#include "/etc/apt/local.conf";\n' }],
    ["an unquoted value", { "/etc/apt/apt.conf": "APT::Get::Assume-Yes true;\n" }],
    ["Dir::Etc::Parts moved", { "/etc/apt/apt.conf.d/90dir": 'Dir::Etc { Parts "/srv/apt.conf.d"; };\n' }],
    ["RootDir set", { "/etc/apt/apt.conf.d/90root": 'RootDir "/srv/chroot/";\n' }],
    ["a name apt reads that the reader skips", { "/etc/apt/apt.conf.d/90local.site.conf": 'APT::X "1";\n' }],
  ] as const) {
    test(`${why}: apt-config dump is asked, and wins`, async () => {
      const r = await configOf(files);
      assert.deepEqual(r.calls, [DUMP]);
      // the recorded dump (a host without 20auto-upgrades) has no Unattended-Upgrade value
      assert.equal(r.value, undefined);
      assert.ok(r.cfg.files.includes(DUMP));
    });
  }

  test("APT_CONFIG set: apt-config dump is asked; under --root never", async () => {
    const before = process.env.APT_CONFIG;
    process.env.APT_CONFIG = "/etc/apt/elsewhere.conf";
    try {
      assert.deepEqual((await configOf({})).calls, [DUMP]);
      assert.deepEqual((await configOf({ "/etc/apt/apt.conf": "#include x\n" }, false)).calls, []);
    } finally {
      if (before === undefined) delete process.env.APT_CONFIG;
      else process.env.APT_CONFIG = before;
    }
  });
});

const APT_CONFIG_BIN = ["/usr/bin/apt-config", "/bin/apt-config"].find((p) => existsSync(p));

test("the same values as the real apt-config for the same files", {
  skip: APT_CONFIG_BIN ? false : "apt-config is not installed",
}, async () => {
  const uu = await recorded("updates/etc-apt/50unattended-upgrades");
  const { root, cleanup } = await buildRoot({
    "/etc/apt/apt.conf.d/10followed": FOLLOWED,
    "/etc/apt/apt.conf.d/20auto-upgrades": await recorded("updates/etc-apt/20auto-upgrades"),
    "/etc/apt/apt.conf.d/50unattended-upgrades": uu,
    "/etc/apt/apt.conf.d/99later": 'APT::Periodic { Unattended-Upgrade "0"; };\nUnattended-Upgrade::Origins-Pattern:: "extra";\n',
    "/etc/apt/apt.conf": 'APT::Default-Release "trixie";\n',
  });
  try {
    const mine = await aptConfig(ctxFor({ root, run: fakeRunner({}), live: true }));
    assert.ok(!mine.files.includes(DUMP), "these files are followed: no apt-config");
    // apt reads the same two places, moved into the tree by the file APT_CONFIG names
    await writeFile(
      `${root}/apt-config.conf`,
      `Dir::Etc::Parts "${root}/etc/apt/apt.conf.d/";\nDir::Etc::Main "${root}/etc/apt/apt.conf";\n`,
    );
    const r = spawnSync(APT_CONFIG_BIN as string, ["dump"], {
      encoding: "utf8",
      env: { ...process.env, APT_CONFIG: `${root}/apt-config.conf` },
    });
    assert.equal(r.status, 0, r.stderr);
    const theirs = parsed(r.stdout);
    assert.ok(mine.scalars.size >= 5 && mine.lists.size >= 2, `${mine.scalars.size} scalars, ${mine.lists.size} lists`);
    for (const [k, v] of mine.scalars) assert.equal(theirs.scalars.get(k)?.value, v.value, k);
    for (const [k, v] of mine.lists)
      assert.deepEqual(
        theirs.lists.get(k)?.map((x) => x.value),
        v.map((x) => x.value),
        k,
      );
    assert.equal(mine.scalars.get(aptKey("APT::Periodic::Unattended-Upgrade"))?.value, "0");
    assert.equal(mine.scalars.get(aptKey("APT::Default-Release"))?.value, "trixie");
  } finally {
    await cleanup();
  }
});
