// The ssh client (ssh_config) checks on fixture roots: a hardened Debian-layout root passes all of them;
// one planted weakness per check fails exactly that check; the strict profile fails Debian's stock
// ssh_config where dev-sec does; Include/Host/Match resolve as ssh does; and, live, the parser agrees with
// the real `ssh -G` (run once per audit, never with Match exec in the config).
import assert from "node:assert/strict";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { clientChecks } from "../../src/audit/checks/ssh/client/index.js";
import type { Outcome } from "../../src/audit/types.js";
import { PROBE_HOST, clientSetting, expandAlgorithms, sshClientFacts } from "../../src/facts/ssh-client.js";
import { defaultPolicy } from "../../src/policy/load.js";
import { type Runner, run as realRun, which } from "../../src/system/exec.js";
import { policyFrom } from "./helpers/root.js";
import { runChecks, testContext } from "./ssh-context.js";

const IS_ROOT = process.getuid?.() === 0;
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Debian 12's ssh_config, shortened: the Include first, then Host * with Debian's three settings. */
const DEBIAN_MAIN =
  "# Debian ssh_config\nInclude /etc/ssh/ssh_config.d/*.conf\n\nHost *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n    GSSAPIAuthentication yes\n";
const OURS = "/etc/ssh/ssh_config.d/00-rampart.conf";
/** what a strict host writes (every dev-sec value), read first through the Include */
const HARDENED = [
  "AddressFamily any",
  "Port 22",
  "BatchMode no",
  "CheckHostIP yes",
  "StrictHostKeyChecking ask",
  "ForwardAgent no",
  "ForwardX11 no",
  "HostbasedAuthentication no",
  "PasswordAuthentication no",
  "GSSAPIAuthentication no",
  "GSSAPIDelegateCredentials no",
  "Tunnel no",
  "PermitLocalCommand no",
  "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr",
  "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,diffie-hellman-group16-sha512",
  "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
];

interface Variant {
  /** keywords left out of 00-rampart.conf */
  drop?: string[];
  /** text of /etc/ssh/ssh_config (default DEBIAN_MAIN) */
  main?: string;
  files?: Record<string, string>;
  modes?: Record<string, number>;
  noBinary?: boolean;
  clientVersion?: string;
}

async function buildRoot(v: Variant = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-sshclient-"));
  dirs.push(dir);
  const drop = new Set((v.drop ?? []).map((k) => k.toLowerCase()));
  const ours = HARDENED.filter((l) => !drop.has((l.split(" ")[0] ?? "").toLowerCase())).join("\n");
  const files: Record<string, string> = {
    "/etc/ssh/ssh_config": v.main ?? DEBIAN_MAIN,
    [OURS]: `${ours}\n`,
    "/var/lib/dpkg/status": `Package: openssh-client\nStatus: install ok installed\nVersion: ${v.clientVersion ?? "1:9.2p1-2+deb12u10"}\n\n`,
    ...(v.noBinary ? {} : { "/usr/bin/ssh": "\x7fELF fake ssh\n" }),
    ...v.files,
  };
  for (const [p, text] of Object.entries(files)) {
    await mkdir(path.join(dir, path.dirname(p)), { recursive: true });
    await writeFile(path.join(dir, p), text, { mode: 0o644 });
  }
  for (const [p, m] of Object.entries(v.modes ?? {})) await chmod(path.join(dir, p), m);
  return dir;
}

async function audit(v: Variant = {}, strict = false): Promise<Map<string, Outcome>> {
  const policy = strict ? policyFrom("version: 1\naudit:\n  profile: strict\n") : defaultPolicy();
  return runChecks(testContext({ root: await buildRoot(v), policy }), clientChecks);
}

function get(results: Map<string, Outcome>, id: string): Outcome {
  const o = results.get(id);
  assert.ok(o, `no result for ${id}`);
  return o;
}

/** ids that did not pass */
const notPassing = (r: Map<string, Outcome>): string[] =>
  [...r].filter(([, o]) => o.status !== "pass").map(([id, o]) => `${id} ${o.status}`);

describe("ssh client checks on fixture roots", () => {
  test("ids are unique SSH-CLIENT-*, every dev-sec client control ssh-01 … ssh-22 is named by a check", () => {
    const ids = clientChecks.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const c of clientChecks) {
      assert.match(c.id, /^SSH-CLIENT-[A-Z0-9-]+$/);
      assert.equal(c.area, "ssh");
    }
    const named = new Set(clientChecks.flatMap((c) => c.refs).filter((r) => r.startsWith("dev-sec ssh-baseline ssh-")));
    for (let n = 1; n <= 22; n++) assert.ok(named.has(`dev-sec ssh-baseline ssh-${String(n).padStart(2, "0")}`), `ssh-${n}`);
    assert.equal(named.size, 22);
  });

  test("a hardened root passes every client check, in both profiles, values sourced from the drop-in", async () => {
    for (const strict of [false, true]) {
      const r = await audit({}, strict);
      assert.deepEqual(notPassing(r), [], `strict=${strict}`);
    }
    const r = await audit();
    assert.equal(get(r, "SSH-CLIENT-AGENT-FORWARDING").source, `${OURS}:6`);
    assert.equal(get(r, "SSH-CLIENT-GSSAPI").source, `${OURS}:11`);
    assert.match(get(r, "SSH-CLIENT-AGENT-FORWARDING").reason ?? "", /--root: ssh -G not run/);
  });

  test("Debian's stock ssh_config passes the baseline and fails only dev-sec's stricter controls in the strict profile", async () => {
    const stock = { drop: HARDENED.map((l) => l.split(" ")[0] ?? "") };
    const base = await audit(stock);
    assert.deepEqual(notPassing(base), []);
    // the default MAC list carries SHA-1 and umac-64: noted, not failed
    assert.match(get(base, "SSH-CLIENT-MACS").reason ?? "", /kept from OpenSSH's default list: .*hmac-sha1/);
    assert.equal(get(base, "SSH-CLIENT-MACS").source, "OpenSSH default");
    const strict = await audit(stock, true);
    assert.deepEqual(notPassing(strict).sort(), [
      "SSH-CLIENT-ADDRESS-FAMILY fail",
      "SSH-CLIENT-CHECK-HOST-IP fail",
      "SSH-CLIENT-GSSAPI fail",
      "SSH-CLIENT-KEX fail",
      "SSH-CLIENT-MACS fail",
      "SSH-CLIENT-PASSWORD-AUTH fail",
      "SSH-CLIENT-PORT fail",
    ]);
    assert.equal(get(strict, "SSH-CLIENT-GSSAPI").source, "/etc/ssh/ssh_config:7");
  });

  const planted: { name: string; v: Variant; id: string; source: string; observed?: RegExp }[] = [
    {
      name: "ssh_config writable by group",
      v: { modes: { "/etc/ssh/ssh_config": 0o664 } },
      id: "SSH-CLIENT-CONFIG-MODES",
      source: "/etc/ssh/ssh_config",
    },
    { name: "a drop-in writable by others", v: { modes: { [OURS]: 0o646 } }, id: "SSH-CLIENT-CONFIG-MODES", source: OURS },
    {
      name: "StrictHostKeyChecking no in Host *",
      v: { drop: ["StrictHostKeyChecking"], main: `${DEBIAN_MAIN}    StrictHostKeyChecking no\n` },
      id: "SSH-CLIENT-HOST-KEY-CHECKING",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "ForwardAgent yes in a later drop-in",
      v: { drop: ["ForwardAgent"], files: { "/etc/ssh/ssh_config.d/50-fwd.conf": "ForwardAgent yes\n" } },
      id: "SSH-CLIENT-AGENT-FORWARDING",
      source: "/etc/ssh/ssh_config.d/50-fwd.conf:1",
    },
    {
      name: "ForwardX11 yes",
      v: { drop: ["ForwardX11"], files: { "/etc/ssh/ssh_config.d/50-x.conf": "Host *\n  ForwardX11 yes\n" } },
      id: "SSH-CLIENT-X11-FORWARDING",
      source: "/etc/ssh/ssh_config.d/50-x.conf:2",
    },
    {
      name: "GSSAPI delegation",
      v: {
        drop: ["GSSAPIDelegateCredentials", "GSSAPIAuthentication"],
        files: { "/etc/ssh/ssh_config.d/50-krb.conf": "GSSAPIDelegateCredentials yes\n" },
      },
      id: "SSH-CLIENT-GSSAPI",
      source: "/etc/ssh/ssh_config.d/50-krb.conf:1",
    },
    {
      name: "HostbasedAuthentication yes",
      v: { drop: ["HostbasedAuthentication"], main: `HostbasedAuthentication yes\n${DEBIAN_MAIN}` },
      id: "SSH-CLIENT-HOSTBASED-AUTH",
      source: "/etc/ssh/ssh_config:1",
    },
    {
      name: "Tunnel yes",
      v: { drop: ["Tunnel"], main: `${DEBIAN_MAIN}    Tunnel yes\n` },
      id: "SSH-CLIENT-TUNNEL",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "PermitLocalCommand yes",
      v: { drop: ["PermitLocalCommand"], main: `${DEBIAN_MAIN}    PermitLocalCommand yes\n` },
      id: "SSH-CLIENT-LOCAL-COMMAND",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "BatchMode yes",
      v: { drop: ["BatchMode"], main: `${DEBIAN_MAIN}    BatchMode yes\n` },
      id: "SSH-CLIENT-BATCH-MODE",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "Port 2222 for every host",
      v: { drop: ["Port"], main: `${DEBIAN_MAIN}    Port 2222\n` },
      id: "SSH-CLIENT-PORT",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "an unknown AddressFamily",
      v: { drop: ["AddressFamily"], main: `${DEBIAN_MAIN}    AddressFamily ipx\n` },
      id: "SSH-CLIENT-ADDRESS-FAMILY",
      source: "/etc/ssh/ssh_config:8",
    },
    {
      name: "an old client with Protocol 2,1",
      v: { clientVersion: "1:6.7p1-5+deb8u8", main: `${DEBIAN_MAIN}    Protocol 2,1\n    UseRoaming no\n` },
      id: "SSH-CLIENT-LEGACY",
      source: "/var/lib/dpkg/status:1",
      observed: /Protocol 2,1 allows SSH-1/,
    },
    {
      name: "3des-cbc appended to the ciphers",
      v: { drop: ["Ciphers"], main: `${DEBIAN_MAIN}    Ciphers +3des-cbc\n` },
      id: "SSH-CLIENT-CIPHERS",
      source: "/etc/ssh/ssh_config:8",
      observed: /^3des-cbc \(fail/,
    },
    {
      name: "SHA-1 key exchange",
      v: { drop: ["KexAlgorithms"], main: `${DEBIAN_MAIN}    KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha1\n` },
      id: "SSH-CLIENT-KEX",
      source: "/etc/ssh/ssh_config:8",
      observed: /diffie-hellman-group14-sha1/,
    },
    {
      name: "hmac-md5",
      v: { drop: ["MACs"], main: `${DEBIAN_MAIN}    MACs ^hmac-md5\n` },
      id: "SSH-CLIENT-MACS",
      source: "/etc/ssh/ssh_config:8",
      observed: /^hmac-md5 \(fail/,
    },
  ];
  for (const p of planted) {
    test(`planted: ${p.name} fails exactly ${p.id}`, {
      skip: p.id === "SSH-CLIENT-CONFIG-MODES" && !IS_ROOT ? "needs root-owned fixtures" : false,
    }, async () => {
      const r = await audit(p.v);
      assert.deepEqual(notPassing(r), [`${p.id} fail`]);
      const o = get(r, p.id);
      assert.equal(o.source, p.source, JSON.stringify(o));
      if (p.observed) assert.match(String(Array.isArray(o.observed) ? o.observed[0] : o.observed), p.observed);
    });
  }

  test("a changed owner fails SSH-CLIENT-CONFIG-MODES; strict wants ssh_config exactly 0644", {
    skip: IS_ROOT ? false : "needs root",
  }, async () => {
    const dir = await buildRoot();
    await chown(path.join(dir, OURS), 1000, 0);
    const r = await runChecks(testContext({ root: dir }), clientChecks);
    assert.deepEqual(notPassing(r), ["SSH-CLIENT-CONFIG-MODES fail"]);
    const tight = await audit({ modes: { "/etc/ssh/ssh_config": 0o600 } });
    assert.deepEqual(notPassing(tight), [], "0600 is safe: the baseline passes it");
    const strict = await audit({ modes: { "/etc/ssh/ssh_config": 0o600 } }, true);
    assert.deepEqual(notPassing(strict), ["SSH-CLIENT-CONFIG-MODES fail"]);
  });

  test("a modern client passes SSH-CLIENT-LEGACY whatever old lines say; an old one without UseRoaming no fails", async () => {
    const modern = get(await audit({ main: `${DEBIAN_MAIN}    Protocol 1\n` }), "SSH-CLIENT-LEGACY");
    assert.equal(modern.status, "pass");
    assert.match(String(modern.observed), /openssh-client 1:9.2p1.*removed in 7.6/);
    const old = get(await audit({ clientVersion: "1:7.1p1-1" }), "SSH-CLIENT-LEGACY");
    assert.equal(old.status, "fail");
    assert.match(JSON.stringify(old.observed), /UseRoaming not set/);
  });

  test("ssh's rules: first value wins, Host blocks for other hosts and Include inside them do not count, Match exec is reported", async () => {
    const main = [
      "Host github.com",
      "  ForwardAgent yes",
      "  Include /etc/ssh/ssh_config.d/inner/*.conf",
      'Match exec "test -e /tmp/x"',
      "  ForwardX11 yes",
      "Host * !bastion",
      "  Ciphers -chacha20*",
      "Host *",
      "  ForwardAgent no",
      "  Ciphers aes128-cbc",
      "",
    ].join("\n");
    const dir = await buildRoot({
      main,
      files: { "/etc/ssh/ssh_config.d/inner/a.conf": "PasswordAuthentication no\nHost *\nTunnel yes\n" },
    });
    const f = await sshClientFacts(testContext({ root: dir }));
    const fwd = clientSetting(f, "ForwardAgent");
    assert.equal(fwd.value, "no");
    assert.equal(fwd.source, "/etc/ssh/ssh_config:9");
    assert.deepEqual(
      fwd.otherHosts.map((d) => `${d.file}:${d.line}`),
      ["/etc/ssh/ssh_config:2"],
    );
    // the included file sits in Host github.com: even its own Host * block applies only there (SSHCONF_NEVERMATCH)
    assert.equal(clientSetting(f, "Tunnel").value, "no");
    assert.equal(clientSetting(f, "Tunnel").source, "OpenSSH default");
    const x11 = clientSetting(f, "ForwardX11");
    assert.equal(x11.value, "no");
    assert.deepEqual(
      x11.conditional.map((d) => d.line),
      [5],
    );
    // "Host * !bastion" matches the probe; "-chacha20*" is applied to the default list; the later line loses
    const c = clientSetting(f, "Ciphers");
    assert.equal(c.source, "/etc/ssh/ssh_config:7");
    assert.equal(c.value, "aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com");
    const r = await runChecks(testContext({ root: dir }), clientChecks);
    assert.match(
      get(r, "SSH-CLIENT-X11-FORWARDING").reason ?? "",
      /Match exec test -e \/tmp\/x \(\/etc\/ssh\/ssh_config:5\) sets yes for some connections/,
    );
  });

  test("algorithm lists: + appends, - removes by wildcard, ^ puts first, a plain list replaces", () => {
    assert.equal(expandAlgorithms("a,b,c", "+d,a"), "a,b,c,d");
    assert.equal(expandAlgorithms("a-1,a-2,b", "-a-*"), "b");
    assert.equal(expandAlgorithms("a,b,c", "^c"), "c,a,b");
    assert.equal(expandAlgorithms("a,b,c", "x,y"), "x,y");
  });

  test("a config tree (ssh_config, no ssh binary) is judged from the files and says so; no ssh at all skips", async () => {
    const r = await audit({ noBinary: true, drop: ["ForwardAgent"], main: `${DEBIAN_MAIN}    ForwardAgent yes\n` });
    const o = get(r, "SSH-CLIENT-AGENT-FORWARDING");
    assert.equal(o.status, "fail");
    assert.match(o.reason ?? "", /judged from the files: no ssh binary in the image/);
    const dir = await buildRoot({ noBinary: true });
    await rm(path.join(dir, "etc/ssh"), { recursive: true });
    const none = await runChecks(testContext({ root: dir }), clientChecks);
    for (const c of clientChecks) assert.equal(get(none, c.id).reason, "openssh-client not installed", c.id);
  });
});

const sshBin = await which("ssh");
describe("ssh client facts agree with the real ssh -G", { skip: sshBin ? false : "no ssh binary" }, () => {
  /** a live context on a fixture root (the files under root, ssh -G reads the root's ssh_config), counting runs */
  function liveContext(root: string) {
    const calls: string[][] = [];
    const counting: Runner = (argv, o) => {
      calls.push([...argv]);
      return realRun(argv, o);
    };
    return { ctx: testContext({ root, live: true, run: counting }), calls };
  }
  const KEYS = [
    "Port",
    "AddressFamily",
    "BatchMode",
    "CheckHostIP",
    "StrictHostKeyChecking",
    "ForwardAgent",
    "ForwardX11",
    "HostbasedAuthentication",
    "PasswordAuthentication",
    "GSSAPIAuthentication",
    "GSSAPIDelegateCredentials",
    "Tunnel",
    "PermitLocalCommand",
    "Ciphers",
    "KexAlgorithms",
    "MACs",
  ];
  // no Include: ssh -G would read the machine's /etc/ssh/ssh_config.d, not the fixture's
  const CONFIGS: Record<string, string> = {
    "Debian's Host * block": "Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n    GSSAPIAuthentication yes\n",
    "other hosts, first wins, +/-/^ lists": [
      "Host github.com gitlab.com",
      "  ForwardAgent yes",
      "  Port 2200",
      "Host *.invalid",
      "  StrictHostKeyChecking accept-new",
      "  Ciphers +aes128-cbc",
      "Match host rampart-*",
      "  MACs -umac-64*,hmac-sha1*",
      "  CheckHostIP yes",
      "Host !" + PROBE_HOST + " *",
      "  Tunnel yes",
      "Host *",
      "  StrictHostKeyChecking no",
      "  KexAlgorithms ^curve25519-sha256",
      "  ForwardX11 yes",
      "  PermitLocalCommand=yes",
      '  BatchMode "yes"',
      "",
    ].join("\n"),
  };
  for (const [name, text] of Object.entries(CONFIGS)) {
    test(name, async () => {
      const root = await buildRoot({ main: text });
      const { ctx, calls } = liveContext(root);
      const viaG = await sshClientFacts(ctx);
      assert.ok(viaG.sshG, viaG.note);
      const files = await sshClientFacts(testContext({ root }));
      for (const k of KEYS) {
        const g = clientSetting(viaG, k);
        const mine = clientSetting(files, k);
        assert.equal(mine.value, g.value, `${name}: ${k}`);
        assert.equal(g.filesSay, undefined, k);
      }
      // once per audit, however many checks ask
      await runChecks(ctx, clientChecks);
      assert.equal(calls.filter((c) => c.includes("-G")).length, 1);
    });
  }

  test("no ssh_config: ssh -G still answers (OpenSSH's defaults), and they are the table's", async () => {
    const root = await buildRoot();
    await rm(path.join(root, "etc/ssh"), { recursive: true });
    const { ctx, calls } = liveContext(root);
    const f = await sshClientFacts(ctx);
    assert.ok(f.sshG, f.note);
    assert.deepEqual(calls[0]?.slice(-2), ["/dev/null", PROBE_HOST]);
    const r = await runChecks(ctx, clientChecks);
    assert.deepEqual(notPassing(r), []);
    assert.match(get(r, "SSH-CLIENT-AGENT-FORWARDING").source ?? "", /^OpenSSH default \(ssh -G/);
  });

  test("Match exec in the config: ssh -G is not run (it would execute the command)", async () => {
    const root = await buildRoot({ main: 'Match exec "touch /tmp/rampart-must-not-exist"\n  ForwardAgent yes\n' });
    const { ctx, calls } = liveContext(root);
    const r = await runChecks(ctx, clientChecks);
    assert.deepEqual(calls, []);
    assert.match(get(r, "SSH-CLIENT-AGENT-FORWARDING").reason ?? "", /ssh -G not run: \/etc\/ssh\/ssh_config:1 has Match exec/);
  });
});
