// The parser against the real sshd: for configs with Includes, globs, Match blocks (also inside included
// files), aliases, quoting and first-wins, the value rampart computes from the files must equal what
// `sshd -T -C` prints, for several connections. sshd reads the fixture as /etc/ssh through a bind mount in
// a private mount namespace (`unshare -m`), with its own tmpfs /run: nothing on this machine changes.
// Then every ssh check runs in sshd -T mode against the same fixture and must agree with parser mode.
// Needs root, unshare and openssh-server; skips otherwise (fails under CI=true).
import assert from "node:assert/strict";
import { access, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { checks } from "../../src/audit/checks/ssh/index.js";
import { parseSshdT, viewFromParser } from "../../src/sshd/effective.js";
import { normalizeValue } from "../../src/sshd/keywords.js";
import { loadSshdConfig } from "../../src/sshd/load.js";
import type { Connection } from "../../src/sshd/match.js";
import { type Runner, run } from "../../src/system/exec.js";
import { HostFs } from "../../src/system/hostfs.js";
import { runChecks, testContext } from "./ssh-context.js";

const SSHD = "/usr/sbin/sshd";
async function canRun(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (mount namespace, sshd -T reads host keys)";
  try {
    await access(SSHD);
    await run(["unshare", "--version"]);
  } catch {
    return "needs openssh-server and unshare";
  }
  return undefined;
}
const why = await canRun();
if (why && process.env.CI === "true") throw new Error(`ssh conformance test cannot run under CI: ${why}`);

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A runner that starts sshd inside a private mount namespace where ROOT/etc/ssh is /etc/ssh. */
function nsRunner(root: string): Runner {
  // constant script; the directory and argv are passed as positional parameters, never spliced into it
  const script = 'mount --bind "$0" /etc/ssh && mount -t tmpfs tmpfs /run && mkdir /run/sshd && exec "$@"';
  return (argv, options) =>
    argv[0]?.endsWith("sshd")
      ? run(["unshare", "-m", "--propagation", "private", "--", "sh", "-c", script, path.join(root, "etc/ssh"), ...argv], options)
      : run(argv, options);
}

async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-sshdT-"));
  dirs.push(dir);
  await mkdir(path.join(dir, "etc/ssh/sshd_config.d"), { recursive: true });
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "etc/ssh/ssh_host_ed25519_key")]);
  const base: Record<string, string> = {
    "/etc/passwd": "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n",
    "/etc/group": "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n",
  };
  await mkdir(path.join(dir, "usr/sbin"), { recursive: true });
  await copyFile(SSHD, path.join(dir, SSHD));
  for (const [p, t] of Object.entries({ ...base, ...files })) {
    await mkdir(path.join(dir, path.dirname(p)), { recursive: true });
    await writeFile(path.join(dir, p), t);
  }
  return dir;
}

const KEYS = [
  "passwordauthentication",
  "permitrootlogin",
  "kbdinteractiveauthentication",
  "maxauthtries",
  "logingracetime",
  "x11forwarding",
  "loglevel",
  "allowusers",
  "ciphers",
  "banner",
  "maxsessions",
  // the keys of the dev-sec server controls (#17): compiled-in defaults and normalisation must match sshd -T
  "port",
  "addressfamily",
  "syslogfacility",
  "tcpkeepalive",
  "x11uselocalhost",
  "printmotd",
  "printlastlog",
  "compression",
  "usedns",
  "kerberosorlocalpasswd",
  "kerberosticketcleanup",
  "gssapicleanupcredentials",
];

const CONFIGS: Record<string, Record<string, string>> = {
  "debian drop-ins, first wins": {
    "/etc/ssh/sshd_config":
      "Include /etc/ssh/sshd_config.d/*.conf\nHostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nX11Forwarding yes\nAllowUsers alice\n",
    "/etc/ssh/sshd_config.d/50-cloud-init.conf": "PasswordAuthentication yes\nallowusers bob\n",
    "/etc/ssh/sshd_config.d/10-first.conf":
      "MaxAuthTries=2\nLoginGraceTime 1m30s\nSyslogFacility local0\nCompression delayed\nPort 2222\nPort 22\n",
    "/etc/ssh/sshd_config.d/notconf": "MaxAuthTries 9\n",
  },
  "match blocks, includes inside match, aliases, quoting": {
    "/etc/ssh/sshd_config": [
      "HostKey /etc/ssh/ssh_host_ed25519_key",
      'Banner "/etc/issue net"   # quoted, then a comment',
      "ChallengeResponseAuthentication no",
      "Include sshd_config.d/*.conf",
      "Match User bob",
      "  PasswordAuthentication yes",
      "  Include /etc/ssh/inner/*.conf",
      "Match Group root", // sshd resolves groups from this machine's own user database
      "  PermitRootLogin no",
      "  MaxSessions 2",
      "Match Address 10.0.0.0/8,!10.9.0.0/16",
      "  X11Forwarding yes",
      "Match all",
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
    "/etc/ssh/sshd_config.d/a.conf": "PermitRootLogin yes\nMatch User alice\n  LogLevel DEBUG\n",
    "/etc/ssh/inner/x.conf": "MaxSessions 5\nMatch Address 203.0.113.0/24\n  KbdInteractiveAuthentication yes\n",
  },
};

const CONNECTIONS: Connection[] = [
  { user: "alice", host: "203.0.113.1", addr: "203.0.113.1", groups: ["alice", "sudo"] },
  { user: "bob", host: "203.0.113.1", addr: "203.0.113.1", groups: ["bob"] },
  { user: "root", host: "10.1.2.3", addr: "10.1.2.3", groups: ["root"] },
  { user: "nobody-here", host: "10.9.1.1", addr: "10.9.1.1", invalidUser: true },
];

describe("parser agrees with sshd -T", { skip: why }, () => {
  for (const [name, files] of Object.entries(CONFIGS)) {
    test(name, async () => {
      const root = await fixture(files);
      const cfg = await loadSshdConfig(new HostFs(root));
      assert.deepEqual(cfg.problems, []);
      const nsRun = nsRunner(root);
      for (const c of CONNECTIONS) {
        const out = await nsRun([SSHD, "-T", "-C", `user=${c.user},host=${c.host},addr=${c.addr}`]);
        const real = parseSshdT(out.stdout);
        const mine = viewFromParser(cfg, c, "test");
        for (const key of KEYS) {
          const want = (real.get(key) ?? []).map((v) => normalizeValue(key, v));
          const got = mine.settings.get(key)?.values ?? [];
          assert.deepEqual(got, want, `${name}: ${key} for ${c.user}@${c.addr}`);
        }
      }
    });
  }

  test("every check gives the same status and source in sshd -T mode as in parser mode", async () => {
    const root = await fixture(CONFIGS["debian drop-ins, first wins"] ?? {});
    const viaParser = await runChecks(testContext({ root }), checks);
    const viaSshd = await runChecks(testContext({ root, live: true, run: nsRunner(root) }), checks);
    const pw = viaSshd.get("SSH-PASSWORD-AUTH");
    assert.equal(pw?.status, "fail");
    assert.equal(pw?.source, "/etc/ssh/sshd_config.d/50-cloud-init.conf:1");
    assert.doesNotMatch(pw?.reason ?? "", /sshd -T could not run|--root/);
    for (const c of checks) {
      const a = viaParser.get(c.id);
      const b = viaSshd.get(c.id);
      // defaults are "default (assumed)" from the parser and "default" from sshd -T
      assert.equal(b?.status, a?.status, `${c.id}: parser ${JSON.stringify(a)} vs sshd -T ${JSON.stringify(b)}`);
      assert.equal(b?.source?.replace(" (assumed)", ""), a?.source?.replace(" (assumed)", ""), c.id);
    }
  });
});
