// Every ssh check against fixture roots built here (audited as `--root DIR`, so values come from the
// parsed files): one hardened root where all pass, then one change per check that makes it fail or warn,
// asserting status, evidence and the file:line source.
import assert from "node:assert/strict";
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { clientChecks } from "../../src/audit/checks/ssh/client/index.js";
import { checks as sshArea } from "../../src/audit/checks/ssh/index.js";
import type { Outcome } from "../../src/audit/types.js";
import { defaultPolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/schema.js";
import { totpBlock, withPamBlock } from "../../src/sshd/pam.js";
import { SSHD_SETTINGS } from "../../src/sshd/settings.js";
import { run } from "../../src/system/exec.js";
import { runChecks, testContext } from "./ssh-context.js";

// the server checks; the client (ssh_config) ones have their own fixtures in ssh-client.test.ts
const checks = sshArea.filter((c) => !clientChecks.includes(c));
const dirs: string[] = [];
let keys: { ed25519: string; rsa2048: string; ed25519pub: string; rsa2048pub: string; ecdsa: string; ecdsapub: string };

before(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-sshkeys-"));
  dirs.push(dir);
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "host", "-f", path.join(dir, "ed")]);
  await run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "host", "-f", path.join(dir, "rsa")]);
  await run(["ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "host", "-f", path.join(dir, "ecdsa")]);
  const { readFile } = await import("node:fs/promises");
  keys = {
    ed25519: await readFile(path.join(dir, "ed"), "utf8"),
    ed25519pub: await readFile(path.join(dir, "ed.pub"), "utf8"),
    rsa2048: await readFile(path.join(dir, "rsa"), "utf8"),
    rsa2048pub: await readFile(path.join(dir, "rsa.pub"), "utf8"),
    ecdsa: await readFile(path.join(dir, "ecdsa"), "utf8"),
    ecdsapub: await readFile(path.join(dir, "ecdsa.pub"), "utf8"),
  };
});
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const HARDENED: Record<string, string> = {
  PermitRootLogin: "no",
  PasswordAuthentication: "no",
  KbdInteractiveAuthentication: "no",
  PermitEmptyPasswords: "no",
  AllowUsers: "alice",
  MaxAuthTries: "3",
  LoginGraceTime: "30",
  X11Forwarding: "no",
  AllowTcpForwarding: "no",
  AllowAgentForwarding: "no",
  LogLevel: "VERBOSE",
  Ciphers: "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr",
  KexAlgorithms: "sntrup761x25519-sha512@openssh.com,curve25519-sha256,diffie-hellman-group16-sha512",
  MACs: "hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com",
  HostKeyAlgorithms: "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
  HostKey: "/etc/ssh/ssh_host_ed25519_key",
  IgnoreUserKnownHosts: "yes",
  ClientAliveInterval: "300",
};

interface Variant {
  /** keys dropped from 00-rampart.conf */
  drop?: string[];
  /** text of /etc/ssh/sshd_config.d/50-cloud-init.conf */
  cloud?: string;
  /** appended to /etc/ssh/sshd_config */
  mainTail?: string;
  /** extra files (path → text) */
  files?: Record<string, string>;
  modes?: Record<string, number>;
  strictKex?: boolean;
  noSshd?: boolean;
}

const MAIN = "Include /etc/ssh/sshd_config.d/*.conf\nKbdInteractiveAuthentication no\nUsePAM yes\nX11Forwarding yes\n";
const CLOUD = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
const OURS = "/etc/ssh/sshd_config.d/00-rampart.conf";

async function buildRoot(v: Variant = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "rampart-sshroot-"));
  dirs.push(dir);
  const ours = Object.entries(HARDENED)
    .filter(([k]) => !(v.drop ?? []).includes(k))
    .map(([k, val]) => `${k} ${val}\n`)
    .join("");
  const files: Record<string, string> = {
    "/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n",
    "/etc/group": "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nbob:x:1001:\n",
    "/etc/ssh/sshd_config": MAIN + (v.mainTail ?? ""),
    [OURS]: ours,
    "/etc/ssh/ssh_host_ed25519_key": keys.ed25519,
    "/etc/ssh/ssh_host_ed25519_key.pub": keys.ed25519pub,
    ...(v.cloud !== undefined ? { [CLOUD]: v.cloud } : {}),
    ...(v.noSshd ? {} : { "/usr/sbin/sshd": `\x7fELF fake sshd ${v.strictKex === false ? "" : "kex-strict-s-v00@openssh.com"}\n` }),
    ...v.files,
  };
  for (const [p, text] of Object.entries(files)) {
    await mkdir(path.join(dir, path.dirname(p)), { recursive: true });
    await writeFile(path.join(dir, p), text, { mode: 0o644 });
  }
  await chmod(path.join(dir, "/etc/ssh/ssh_host_ed25519_key"), 0o600);
  for (const [p, m] of Object.entries(v.modes ?? {})) await chmod(path.join(dir, p), m);
  return dir;
}

async function audit(v: Variant = {}): Promise<Map<string, Outcome>> {
  return runChecks(testContext({ root: await buildRoot(v) }), checks);
}

function get(results: Map<string, Outcome>, id: string): Outcome {
  const o = results.get(id);
  assert.ok(o, `no result for ${id}`);
  return o;
}

describe("ssh checks on fixture roots", () => {
  test("there are at least 20 ssh checks with stable, unique SSH-* ids", () => {
    const ids = checks.map((c) => c.id);
    assert.ok(ids.length >= 20, `${ids.length} checks`);
    assert.equal(new Set(ids).size, ids.length);
    for (const c of checks) {
      assert.match(c.id, /^SSH-[A-Z0-9-]+$/);
      assert.equal(c.area, "ssh");
      assert.ok(c.remediation.length > 10 && c.refs.length > 0, c.id);
    }
  });

  test("SSHD_SETTINGS (src/sshd/settings.ts) names only checks that exist, and every setting check has its row", () => {
    const ids = new Set(checks.map((c) => c.id));
    for (const row of SSHD_SETTINGS) if (row.check) assert.ok(ids.has(row.check), `${row.keyword}: ${row.check}`);
    for (const id of ["SSH-ROOT-LOGIN", "SSH-PASSWORD-AUTH", "SSH-CIPHERS", "SSH-TCP-KEEPALIVE", "SSH-PORT", "SSH-HOSTKEY-LIST"])
      assert.ok(
        SSHD_SETTINGS.some((r) => r.check === id),
        id,
      );
  });

  test("a hardened root passes every check, values sourced from 00-rampart.conf", async () => {
    const r = await audit();
    for (const c of checks) assert.equal(get(r, c.id).status, "pass", `${c.id}: ${JSON.stringify(get(r, c.id))}`);
    assert.equal(get(r, "SSH-PASSWORD-AUTH").source, `${OURS}:2`);
    assert.equal(get(r, "SSH-KBD-INTERACTIVE").source, `${OURS}:3`);
    assert.match(get(r, "SSH-PASSWORD-AUTH").reason ?? "", /--root: sshd -T not run/);
  });

  test("openssh-server not installed (no binary, no sshd_config): every check skips with that reason", async () => {
    const dir = await buildRoot({ noSshd: true });
    await rm(path.join(dir, "etc/ssh"), { recursive: true, force: true });
    const r = await runChecks(testContext({ root: dir }), checks);
    for (const c of checks) {
      assert.equal(get(r, c.id).status, "skip", c.id);
      assert.equal(get(r, c.id).reason, "openssh-server not installed");
    }
  });

  test("a config tree (sshd_config, no sshd binary) is judged from the files, never skipped", async () => {
    const r = await audit({ noSshd: true, drop: ["PasswordAuthentication"], cloud: "PasswordAuthentication yes\n" });
    const pw = get(r, "SSH-PASSWORD-AUTH");
    assert.equal(pw.status, "fail");
    assert.equal(pw.source, `${CLOUD}:1`);
    assert.match(pw.reason ?? "", /judged from the files: no sshd binary in the image/);
    for (const c of checks) assert.notEqual(get(r, c.id).status, "skip", `${c.id}: ${JSON.stringify(get(r, c.id))}`);
    // the hardened rest still passes from the files alone; Terrapin cannot tell without the binary and says so
    assert.equal(get(r, "SSH-ROOT-LOGIN").status, "pass");
    assert.equal(get(r, "SSH-TERRAPIN").status, "warn");
  });

  test("SSH-HOSTKEY-ALGOS judges what sshd offers (its host keys), not the whole configured list", async () => {
    // the default list names ECDSA P-256/384/521, their certificates and sk-* forms; an ed25519-only server offers none
    const edOnly = get(await audit({ drop: ["HostKeyAlgorithms"] }), "SSH-HOSTKEY-ALGOS");
    assert.equal(edOnly.status, "pass", JSON.stringify(edOnly));
    assert.deepEqual(edOnly.observed, ["ssh-ed25519"]);
    assert.match(
      edOnly.reason ?? "",
      /configured algorithm\(s\) not offered: no host key of that type \(host keys: \/etc\/ssh\/ssh_host_ed25519_key \(ssh-ed25519\)\)/,
    );
    // add a P-256 key: only ecdsa-sha2-nistp256 is offered and warned about — not P-384, P-521, certs or sk-*
    const withEcdsa = get(
      await audit({
        drop: ["HostKeyAlgorithms"],
        mainTail: "HostKey /etc/ssh/ssh_host_ecdsa_key\n",
        files: { "/etc/ssh/ssh_host_ecdsa_key": keys.ecdsa, "/etc/ssh/ssh_host_ecdsa_key.pub": keys.ecdsapub },
        modes: { "/etc/ssh/ssh_host_ecdsa_key": 0o600 },
      }),
      "SSH-HOSTKEY-ALGOS",
    );
    assert.equal(withEcdsa.status, "warn");
    assert.deepEqual(
      (withEcdsa.observed as string[]).map((o) => o.split(" ")[0]),
      ["ecdsa-sha2-nistp256"],
    );
  });

  test("SSH-PASSWORD-AUTH's fix names only files that exist", async () => {
    const plain = get(await audit({ drop: ["PasswordAuthentication"] }), "SSH-PASSWORD-AUTH");
    assert.equal(plain.status, "fail");
    assert.equal(plain.remediation, undefined, "the general fix, which names no cloud-init file");
    const general = checks.find((c) => c.id === "SSH-PASSWORD-AUTH")?.remediation ?? "";
    assert.doesNotMatch(general, /cloud-init/);
    const cloud = get(await audit({ drop: ["PasswordAuthentication"], cloud: "PasswordAuthentication yes\n" }), "SSH-PASSWORD-AUTH");
    assert.match(cloud.remediation ?? "", /wins over \/etc\/ssh\/sshd_config.d\/50-cloud-init.conf:1\)/);
  });

  const cases: { name: string; v: Variant; id: string; status: Outcome["status"]; source: string; observed?: RegExp }[] = [
    {
      name: "root login re-enabled by cloud-init",
      v: { drop: ["PermitRootLogin"], cloud: "PermitRootLogin yes\n" },
      id: "SSH-ROOT-LOGIN",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /^yes$/,
    },
    {
      name: "root login with a key only (default)",
      v: { drop: ["PermitRootLogin"] },
      id: "SSH-ROOT-LOGIN",
      status: "warn",
      source: "default (assumed)",
      observed: /prohibit-password/,
    },
    {
      name: "passwords re-enabled by cloud-init",
      v: { drop: ["PasswordAuthentication"], cloud: "PasswordAuthentication yes\n" },
      id: "SSH-PASSWORD-AUTH",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /^yes$/,
    },
    {
      name: "cloud-init drop-in wins over the main file",
      v: { drop: ["PasswordAuthentication"], cloud: "PasswordAuthentication yes\n", mainTail: "PasswordAuthentication no\n" },
      id: "SSH-DROPIN-OVERRIDES",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /wins over \/etc\/ssh\/sshd_config:5/,
    },
    {
      name: "ChallengeResponseAuthentication alias",
      v: { drop: ["KbdInteractiveAuthentication"], cloud: "ChallengeResponseAuthentication yes\n" },
      id: "SSH-KBD-INTERACTIVE",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "empty passwords",
      v: { drop: ["PermitEmptyPasswords"], cloud: "PermitEmptyPasswords yes\n" },
      id: "SSH-EMPTY-PASSWORDS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "AllowUsers misses the sudo admin",
      v: { drop: ["AllowUsers"], cloud: "AllowUsers bob\n" },
      id: "SSH-ALLOW-USERS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "AllowGroups sudo covers the admin",
      v: { drop: ["AllowUsers"], cloud: "AllowGroups sudo\n" },
      id: "SSH-ALLOW-USERS",
      status: "pass",
      source: `${CLOUD}:1`,
    },
    { name: "no allow-list", v: { drop: ["AllowUsers"] }, id: "SSH-ALLOW-USERS", status: "warn", source: "default" },
    {
      name: "MaxAuthTries default 6",
      v: { drop: ["MaxAuthTries"] },
      id: "SSH-MAX-AUTH-TRIES",
      status: "fail",
      source: "default (assumed)",
      observed: /^6$/,
    },
    {
      name: "LoginGraceTime 2m",
      v: { drop: ["LoginGraceTime"], cloud: "LoginGraceTime 2m\n" },
      id: "SSH-LOGIN-GRACE",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /^120$/,
    },
    {
      name: "X11Forwarding yes in Debian's main file",
      v: { drop: ["X11Forwarding"] },
      id: "SSH-X11-FORWARDING",
      status: "fail",
      source: "/etc/ssh/sshd_config:4",
    },
    {
      name: "TCP forwarding",
      v: { drop: ["AllowTcpForwarding"], cloud: "AllowTcpForwarding yes\n" },
      id: "SSH-TCP-FORWARDING",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "DisableForwarding covers TCP forwarding",
      v: { drop: ["AllowTcpForwarding"], cloud: "DisableForwarding yes\n" },
      id: "SSH-TCP-FORWARDING",
      status: "pass",
      source: "default (assumed)",
    },
    {
      name: "agent forwarding by default",
      v: { drop: ["AllowAgentForwarding"] },
      id: "SSH-AGENT-FORWARDING",
      status: "fail",
      source: "default (assumed)",
    },
    {
      name: "LogLevel QUIET",
      v: { drop: ["LogLevel"], cloud: "LogLevel QUIET\n" },
      id: "SSH-LOG-LEVEL",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "host-based auth",
      v: { cloud: "HostbasedAuthentication yes\n" },
      id: "SSH-HOSTBASED-AUTH",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "user environment",
      v: { cloud: "PermitUserEnvironment yes\n" },
      id: "SSH-USER-ENVIRONMENT",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "CBC and 3DES ciphers",
      v: { drop: ["Ciphers"], cloud: "Ciphers aes256-ctr,aes128-cbc,3des-cbc\n" },
      id: "SSH-CIPHERS",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /aes128-cbc \(fail/,
    },
    { name: "default ciphers", v: { drop: ["Ciphers"] }, id: "SSH-CIPHERS", status: "pass", source: "default (assumed)" },
    {
      name: "SHA-1 KEX added with +",
      v: { drop: ["KexAlgorithms"], cloud: "KexAlgorithms +diffie-hellman-group14-sha1\n" },
      id: "SSH-KEX",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /group14-sha1/,
    },
    {
      name: "NIST curves only warn (default KEX)",
      v: { drop: ["KexAlgorithms"] },
      id: "SSH-KEX",
      status: "warn",
      source: "default (assumed)",
    },
    {
      name: "hmac-sha1 MAC",
      v: { drop: ["MACs"], cloud: "MACs hmac-sha1,hmac-sha2-256-etm@openssh.com\n" },
      id: "SSH-MACS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "ssh-rsa configured but no RSA host key: not offered, not a finding",
      v: { drop: ["HostKeyAlgorithms"], cloud: "HostKeyAlgorithms ssh-rsa,ssh-ed25519\n" },
      id: "SSH-HOSTKEY-ALGOS",
      status: "pass",
      source: `${CLOUD}:1`,
    },
    {
      name: "ssh-rsa host key algorithm (with an RSA host key to sign it)",
      v: {
        drop: ["HostKeyAlgorithms"],
        cloud: "HostKeyAlgorithms ssh-rsa,ssh-ed25519\n",
        mainTail: "HostKey /etc/ssh/ssh_host_rsa_key\n",
        files: { "/etc/ssh/ssh_host_rsa_key.pub": "ssh-rsa AAAAB3NzaC1yc2E host\n", "/etc/ssh/ssh_host_rsa_key": "private\n" },
      },
      id: "SSH-HOSTKEY-ALGOS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    { name: "Terrapin: chacha20 without strict KEX", v: { strictKex: false }, id: "SSH-TERRAPIN", status: "fail", source: `${OURS}:12` },
    {
      name: "Terrapin: no chacha20, no CBC+EtM",
      v: { strictKex: false, drop: ["Ciphers"], cloud: "Ciphers aes256-gcm@openssh.com\n" },
      id: "SSH-TERRAPIN",
      status: "pass",
      source: `${CLOUD}:1`,
    },
    {
      name: "2048-bit RSA host key",
      v: { cloud: "HostKey /etc/ssh/ssh_host_rsa_key\n", files: {} },
      id: "SSH-HOSTKEY-SIZE",
      status: "fail",
      source: "/etc/ssh/ssh_host_rsa_key",
    },
    {
      name: "world-writable drop-in",
      v: { cloud: "LogLevel INFO\n", modes: { [CLOUD]: 0o666 } },
      id: "SSH-CONFIG-MODES",
      status: "fail",
      source: CLOUD,
    },
    {
      name: "readable host key",
      v: { modes: { "/etc/ssh/ssh_host_ed25519_key": 0o644 } },
      id: "SSH-HOSTKEY-MODES",
      status: "fail",
      source: "/etc/ssh/ssh_host_ed25519_key",
    },
    {
      name: "Match block re-enables passwords",
      v: { mainTail: "Match User bob\n  PasswordAuthentication yes\n" },
      id: "SSH-PER-USER-OVERRIDES",
      status: "warn",
      source: "/etc/ssh/sshd_config:6",
      observed: /Match User bob/,
    },
    {
      name: "Match block re-enables root login",
      v: { mainTail: "Match Address 10.0.0.0/8\n  PermitRootLogin yes\n" },
      id: "SSH-PER-USER-OVERRIDES",
      status: "warn",
      source: "/etc/ssh/sshd_config:6",
    },
  ];

  // one planted weakness per check added for dev-sec ssh-baseline coverage (#17): each fails exactly its own check
  const C = (key: string, value: string) => ({ drop: [key], cloud: `${key} ${value}\n` });
  const GEX = "curve25519-sha256,diffie-hellman-group-exchange-sha256";
  const MODULI_WEAK =
    "# Time Type Tests Tries Size Generator Modulus\n20230101000000 2 6 100 1535 2 F00D\n20230101000000 2 6 100 3071 2 BEEF\n";
  const planted: { name: string; v: Variant; id: string; status: Outcome["status"]; source: string; observed?: RegExp }[] = [
    { name: "StrictModes no", v: C("StrictModes", "no"), id: "SSH-STRICT-MODES", status: "fail", source: `${CLOUD}:1` },
    { name: "MaxSessions 64", v: C("MaxSessions", "64"), id: "SSH-MAX-SESSIONS", status: "fail", source: `${CLOUD}:1` },
    { name: "MaxStartups 100:30:200", v: C("MaxStartups", "100:30:200"), id: "SSH-MAX-STARTUPS", status: "fail", source: `${CLOUD}:1` },
    { name: "IgnoreRhosts no", v: C("IgnoreRhosts", "no"), id: "SSH-IGNORE-RHOSTS", status: "fail", source: `${CLOUD}:1` },
    {
      name: "IgnoreUserKnownHosts no",
      v: C("IgnoreUserKnownHosts", "no"),
      id: "SSH-IGNORE-USER-KNOWN-HOSTS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "KerberosAuthentication yes (without the local-password fallback)",
      v: { drop: ["KerberosAuthentication"], cloud: "KerberosAuthentication yes\nKerberosOrLocalPasswd no\n" },
      id: "SSH-KERBEROS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    { name: "GSSAPIAuthentication yes", v: C("GSSAPIAuthentication", "yes"), id: "SSH-GSSAPI", status: "fail", source: `${CLOUD}:1` },
    {
      name: "no ClientAliveInterval (default 0)",
      v: { drop: ["ClientAliveInterval"] },
      id: "SSH-CLIENT-ALIVE",
      status: "fail",
      source: "default (assumed)",
    },
    {
      name: "ClientAliveInterval 1h",
      v: C("ClientAliveInterval", "1h"),
      id: "SSH-CLIENT-ALIVE",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /^3600$/,
    },
    {
      name: "ClientAliveCountMax 0",
      v: { mainTail: "ClientAliveCountMax 0\n" },
      id: "SSH-CLIENT-ALIVE",
      status: "fail",
      source: `${OURS}:18`,
    },
    { name: "PermitTunnel yes", v: C("PermitTunnel", "yes"), id: "SSH-PERMIT-TUNNEL", status: "fail", source: `${CLOUD}:1` },
    {
      name: "GatewayPorts clientspecified",
      v: C("GatewayPorts", "clientspecified"),
      id: "SSH-GATEWAY-PORTS",
      status: "fail",
      source: `${CLOUD}:1`,
    },
    {
      name: "a 1536-bit modulus with group exchange offered",
      v: { drop: ["KexAlgorithms"], cloud: `KexAlgorithms ${GEX}\n`, files: { "/etc/ssh/moduli": MODULI_WEAK } },
      id: "SSH-DH-MODULI",
      status: "fail",
      source: "/etc/ssh/moduli:2",
      observed: /^1 weak moduli \(1536 bits\)$/,
    },
    {
      name: "a 1536-bit modulus, group exchange not offered (latent)",
      v: { files: { "/etc/ssh/moduli": MODULI_WEAK } },
      id: "SSH-DH-MODULI",
      status: "warn",
      source: "/etc/ssh/moduli:2",
    },
    {
      name: "/etc/ssh writable by others",
      v: { modes: { "/etc/ssh": 0o777 } },
      id: "SSH-CONFIG-MODES",
      status: "fail",
      source: "/etc/ssh",
    },
    // the dev-sec ssh-baseline server controls added for #17 (baseline profile)
    { name: "PubkeyAuthentication no", v: C("PubkeyAuthentication", "no"), id: "SSH-PUBKEY-AUTH", status: "fail", source: `${CLOUD}:1` },
    {
      name: "SyslogFacility LOCAL0",
      v: C("SyslogFacility", "local0"),
      id: "SSH-SYSLOG-FACILITY",
      status: "fail",
      source: `${CLOUD}:1`,
      observed: /^LOCAL0$/,
    },
    { name: "UseDNS yes", v: C("UseDNS", "yes"), id: "SSH-USE-DNS", status: "fail", source: `${CLOUD}:1` },
    {
      name: "a banner naming the OS",
      v: { cloud: "Banner /etc/issue.net\n", files: { "/etc/issue.net": "Debian GNU/Linux 12 — authorised use only\n" } },
      id: "SSH-BANNER",
      status: "warn",
      source: `${CLOUD}:1`,
      observed: /issue.net: \\"Debian\\"/,
    },
    {
      name: "SSHD_OPTS replaces the ciphers on the command line",
      v: { files: { "/etc/default/ssh": "# Options to pass to sshd\nSSHD_OPTS='-oCiphers=aes128-cbc'\n" } },
      id: "SSH-CRYPTO-POLICY",
      status: "fail",
      source: "/etc/default/ssh:2",
    },
    {
      name: "Protocol 2,1 where the OpenSSH version is unknown",
      v: { mainTail: "Protocol 2,1\n" },
      id: "SSH-PROTOCOL",
      status: "warn",
      source: "/etc/ssh/sshd_config:5",
    },
    {
      name: "UseLogin yes, version unknown",
      v: { mainTail: "UseLogin yes\n" },
      id: "SSH-USE-LOGIN",
      status: "warn",
      source: "/etc/ssh/sshd_config:5",
    },
    {
      name: "UsePrivilegeSeparation no, version unknown",
      v: { mainTail: "UsePrivilegeSeparation no\n" },
      id: "SSH-PRIVILEGE-SEPARATION",
      status: "warn",
      source: "/etc/ssh/sshd_config:5",
    },
  ];
  for (const c of planted) {
    test(`planted: ${c.name} fails exactly ${c.id}`, async () => {
      const r = await audit(c.v);
      const o = get(r, c.id);
      assert.equal(o.status, c.status, JSON.stringify(o));
      assert.equal(o.source, c.source, JSON.stringify(o));
      if (c.observed) assert.match(JSON.stringify(o.observed).replace(/^"|"$/g, ""), c.observed, JSON.stringify(o.observed));
      const others = [...r].filter(([id, x]) => id !== c.id && x.status !== "pass").map(([id, x]) => `${id} ${x.status}`);
      assert.deepEqual(others, [], "every other check still passes");
    });
  }
  test("SSH-HOSTKEY-LIST judges the HostKey list sshd reports: a listed DSA key fails, a listed missing key is only noted", async () => {
    const dsa = get(
      await audit({
        mainTail: "HostKey /etc/ssh/ssh_host_dsa_key\nHostKey /etc/ssh/ssh_host_rsa_key\n",
        files: { "/etc/ssh/ssh_host_dsa_key.pub": "ssh-dss AAAAB3NzaC1kc3M host\n", "/etc/ssh/ssh_host_dsa_key": "not a key\n" },
        modes: { "/etc/ssh/ssh_host_dsa_key": 0o600 },
      }),
      "SSH-HOSTKEY-LIST",
    );
    assert.equal(dsa.status, "fail", JSON.stringify(dsa));
    assert.equal(dsa.source, `${OURS}:16`);
    assert.deepEqual(dsa.observed, [
      "/etc/ssh/ssh_host_ed25519_key (ed25519)",
      "/etc/ssh/ssh_host_dsa_key (dsa)",
      "/etc/ssh/ssh_host_rsa_key (rsa, missing)",
    ]);
    const missing = get(await audit({ mainTail: "HostKey /etc/ssh/ssh_host_rsa_key\n" }), "SSH-HOSTKEY-LIST");
    assert.equal(missing.status, "pass");
    assert.match(missing.reason ?? "", /listed but missing \(sshd skips them\): \/etc\/ssh\/ssh_host_rsa_key/);
    const none = get(await audit({ drop: ["HostKey"], mainTail: "HostKey /etc/ssh/nothing_here\n" }), "SSH-HOSTKEY-LIST");
    assert.equal(none.status, "fail");
    assert.match(none.reason ?? "", /no listed host key exists/);
  });

  test("Kerberos-only settings have no effect while Kerberos is off: the baseline passes them and says so", async () => {
    const r = await audit({
      cloud: "KerberosOrLocalPasswd yes\nKerberosTicketCleanup no\nGSSAPICleanupCredentials no\nX11UseLocalhost no\n",
    });
    for (const id of ["SSH-KERBEROS-LOCAL-PASSWD", "SSH-KERBEROS-TICKET-CLEANUP", "SSH-GSSAPI-CLEANUP", "SSH-X11-USE-LOCALHOST"]) {
      assert.equal(get(r, id).status, "pass", id);
      assert.match(get(r, id).reason ?? "", /no effect while .* is no; audit.profile strict wants/, id);
    }
    // with Kerberos on, the local-password fallback is a finding of its own
    const on = await audit({ drop: ["KerberosAuthentication"], cloud: "KerberosAuthentication yes\n" });
    assert.equal(get(on, "SSH-KERBEROS-LOCAL-PASSWD").status, "fail");
    assert.equal(get(on, "SSH-KERBEROS-LOCAL-PASSWD").source, "default (assumed)");
  });

  test("SSH-PORT: the policy's ssh.port must be in effect; without one any port passes", async () => {
    const p = defaultPolicy();
    const policy: Policy = { ...p, ssh: { ...p.ssh, port: 2222 } };
    const root = await buildRoot({ cloud: "Port 22\n" });
    const wrong = get(await runChecks(testContext({ root, policy }), checks), "SSH-PORT");
    assert.equal(wrong.status, "fail");
    assert.equal(wrong.source, `${CLOUD}:1`);
    assert.match(wrong.reason ?? "", /the policy's port is not in effect/);
    const right = await buildRoot({ cloud: "Port 2222\n" });
    assert.equal(get(await runChecks(testContext({ root: right, policy }), checks), "SSH-PORT").status, "pass");
    assert.equal(get(await audit({ cloud: "Port 2200\n" }), "SSH-PORT").status, "pass");
  });

  test("a strong /etc/ssh/moduli passes SSH-DH-MODULI", async () => {
    const o = get(
      await audit({ files: { "/etc/ssh/moduli": "20230101000000 2 6 100 3071 2 BEEF\n20230101000000 2 6 100 4095 5 CAFE\n" } }),
      "SSH-DH-MODULI",
    );
    assert.equal(o.status, "pass");
    assert.equal(o.source, "/etc/ssh/moduli");
  });

  for (const c of cases) {
    test(`${c.id} ${c.status}: ${c.name}`, async () => {
      const v = c.name.startsWith("2048-bit")
        ? { ...c.v, files: { "/etc/ssh/ssh_host_rsa_key": keys.rsa2048, "/etc/ssh/ssh_host_rsa_key.pub": keys.rsa2048pub } }
        : c.v;
      const o = get(await audit(v), c.id);
      assert.equal(o.status, c.status, JSON.stringify(o));
      assert.equal(o.source, c.source, JSON.stringify(o));
      if (c.observed) assert.match(JSON.stringify(o.observed).replace(/^"|"$/g, ""), c.observed, JSON.stringify(o.observed));
    });
  }

  test("SSH-HOSTKEY-SIZE reads every key's size, with one ssh-keygen for all or, when a .pub is missing or unreadable, one per key", async () => {
    const rsa = { "/etc/ssh/ssh_host_rsa_key": keys.rsa2048 };
    const cloud = "HostKey /etc/ssh/ssh_host_rsa_key\n";
    // all .pub files there: one process; the 2048-bit key is named
    const all = get(await audit({ cloud, files: { ...rsa, "/etc/ssh/ssh_host_rsa_key.pub": keys.rsa2048pub } }), "SSH-HOSTKEY-SIZE");
    assert.equal(all.status, "fail", JSON.stringify(all));
    assert.match(JSON.stringify(all.observed), /ssh_host_rsa_key: RSA 2048/);
    // the RSA key's .pub missing: ssh-keygen reads the private key itself
    const noPub = get(await audit({ cloud, files: rsa }), "SSH-HOSTKEY-SIZE");
    assert.equal(noPub.status, "fail", JSON.stringify(noPub));
    assert.match(JSON.stringify(noPub.observed), /ssh_host_rsa_key: RSA 2048/);
    // a .pub that is not a key (ssh-keygen would skip its line and shift the others): each key on its own
    const junk = get(await audit({ cloud, files: { ...rsa, "/etc/ssh/ssh_host_rsa_key.pub": "not a key\n" } }), "SSH-HOSTKEY-SIZE");
    assert.equal(junk.status, "fail", JSON.stringify(junk));
    assert.match(JSON.stringify(junk.observed), /ssh_host_ed25519_key: ED25519 256.*ssh_host_rsa_key: RSA 2048/);
  });

  test("PermitRootLogin in a Match for root is judged for root, with that line as source", async () => {
    const r = await audit({ mainTail: "Match User root\n  PermitRootLogin yes\n" });
    const o = get(r, "SSH-ROOT-LOGIN");
    assert.equal(o.status, "fail");
    assert.equal(o.source, "/etc/ssh/sshd_config:6");
  });
});

describe("SSH-MFA on fixture roots", () => {
  const IS_ROOT = process.getuid?.() === 0;
  const PAM = "@include common-auth\naccount required pam_nologin.so\n";
  const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n" WINDOW_SIZE 3\n" TOTP_AUTH\n12345678\n';
  const totpPolicy = (): Policy => {
    const p = defaultPolicy();
    return { ...p, ssh: { ...p.ssh, mfa: "totp" as const } };
  };
  /** A hardened root with key + TOTP required (AuthenticationMethods, rampart's PAM block) and alice enrolled. */
  async function mfaRoot(o: { methods?: string; pam?: string; enrolled?: boolean; mode?: number } = {}): Promise<string> {
    const files: Record<string, string> = {
      "/etc/pam.d/sshd": o.pam ?? withPamBlock(PAM, totpBlock()),
      ...(o.enrolled === false ? {} : { "/home/alice/.google_authenticator": SECRET }),
    };
    const dir = await buildRoot({
      files,
      drop: ["KbdInteractiveAuthentication"],
      cloud: `KbdInteractiveAuthentication yes\n${o.methods === "" ? "" : `AuthenticationMethods ${o.methods ?? "publickey,keyboard-interactive:pam"}\n`}`,
    });
    if (o.enrolled !== false) {
      const f = path.join(dir, "/home/alice/.google_authenticator");
      await chmod(f, o.mode ?? 0o400);
      if (IS_ROOT) await chown(f, 1000, 1000);
    }
    return dir;
  }
  const mfa = async (root: string, policy = totpPolicy()) =>
    get(await runChecks(testContext({ root, policy }), checks), "SSH-MFA") as Outcome & { observed: string[] };

  test("key + TOTP required and alice enrolled: pass, with each admin's state; kbd-interactive after the key is no finding", {
    skip: !IS_ROOT && "needs root for the secret's owner",
  }, async () => {
    const root = await mfaRoot();
    const r = await runChecks(testContext({ root, policy: totpPolicy() }), checks);
    assert.equal(get(r, "SSH-MFA").status, "pass", JSON.stringify(get(r, "SSH-MFA")));
    assert.deepEqual(get(r, "SSH-MFA").observed, ["alice: key + totp, enrolled"]);
    assert.equal(get(r, "SSH-MFA").source, `${CLOUD}:2`);
    assert.equal(get(r, "SSH-KBD-INTERACTIVE").status, "pass");
  });
  test("alice not enrolled: fail", async () => {
    const o = await mfa(await mfaRoot({ enrolled: false }));
    assert.equal(o.status, "fail");
    assert.deepEqual(o.observed, ["alice: key + totp, not enrolled"]);
    assert.match(o.reason ?? "", /alice: not enrolled/);
  });
  test("a group-readable secret is refused by the module: fail", { skip: !IS_ROOT && "needs root for the secret's owner" }, async () => {
    const o = await mfa(await mfaRoot({ mode: 0o640 }));
    assert.equal(o.status, "fail");
    assert.match(o.observed[0] ?? "", /secret refused .*mode 0640/);
  });
  test("keyboard-interactive without the TOTP module in PAM is only the password: fail", {
    skip: !IS_ROOT && "needs root for the secret's owner",
  }, async () => {
    const o = await mfa(await mfaRoot({ pam: PAM }));
    assert.equal(o.status, "fail");
    assert.match(o.reason ?? "", /alice: sshd asks key \+ password/);
  });
  test("no AuthenticationMethods: the key alone logs in — fail under ssh.mfa: totp, pass (state shown) under off", async () => {
    const root = await mfaRoot({ methods: "", enrolled: false });
    const o = await mfa(root);
    assert.equal(o.status, "fail");
    assert.match(o.reason ?? "", /alice: sshd asks the key only/);
    const off = await mfa(root, defaultPolicy());
    assert.equal(off.status, "pass");
    assert.deepEqual(off.observed, ["alice: key only, not enrolled"]);
  });
  test("the PAM stack names the module but dpkg has no package: fail (every code login would fail)", async () => {
    const root = await mfaRoot({ enrolled: false });
    await mkdir(path.join(root, "var/lib/dpkg"), { recursive: true });
    await writeFile(path.join(root, "var/lib/dpkg/status"), "Package: openssh-server\nStatus: install ok installed\nVersion: 1\n\n");
    const o = await mfa(root);
    assert.equal(o.status, "fail");
    assert.match(o.reason ?? "", /libpam-google-authenticator is not installed/);
    assert.equal(o.source, "/etc/pam.d/sshd");
  });
  test("PasswordAuthentication yes only after the key (publickey,password) is not a password login", async () => {
    const r = await audit({
      drop: ["PasswordAuthentication"],
      cloud: "PasswordAuthentication yes\nAuthenticationMethods publickey,password\n",
    });
    assert.equal(get(r, "SSH-PASSWORD-AUTH").status, "pass");
  });
});

describe("audit.profile strict on fixture roots (dev-sec ssh-baseline's own values)", () => {
  const strictPolicy = (): Policy => ({ ...defaultPolicy(), audit: { profile: "strict" } });
  /** dev-sec's demands beyond the baseline, one line each (in 50-cloud-init.conf) */
  const STRICT: Record<string, string> = {
    Port: "22",
    AddressFamily: "any",
    ListenAddress: "192.0.2.10",
    TCPKeepAlive: "no",
    PrintMotd: "no",
    PrintLastLog: "no",
    Compression: "no",
    KerberosOrLocalPasswd: "no",
    DebianBanner: "no",
  };
  async function strictAudit(
    o: { drop?: string; extra?: string; mode?: number; files?: Record<string, string>; hardened?: string[] } = {},
  ) {
    const cloud =
      Object.entries(STRICT)
        .filter(([k]) => k !== o.drop)
        .map(([k, v]) => `${k} ${v}\n`)
        .join("") + (o.extra ?? "");
    const root = await buildRoot({
      cloud,
      drop: o.hardened ?? [],
      files: { "/etc/debian_version": "12.8\n", ...o.files },
      modes: { "/etc/ssh/sshd_config": o.mode ?? 0o600 },
    });
    return runChecks(testContext({ root, policy: strictPolicy() }), checks);
  }

  test("a root meeting dev-sec's values passes every check under strict", async () => {
    const r = await strictAudit();
    for (const c of checks) assert.equal(get(r, c.id).status, "pass", `${c.id}: ${JSON.stringify(get(r, c.id))}`);
  });

  const cases: { name: string; o: Parameters<typeof strictAudit>[0]; id: string; reason?: RegExp }[] = [
    { name: "no Port line", o: { drop: "Port" }, id: "SSH-PORT", reason: /no Port line/ },
    { name: "no AddressFamily line", o: { drop: "AddressFamily" }, id: "SSH-ADDRESS-FAMILY" },
    { name: "listens on every address", o: { drop: "ListenAddress" }, id: "SSH-LISTEN-ADDRESS", reason: /every address/ },
    { name: "TCPKeepAlive left at yes", o: { drop: "TCPKeepAlive" }, id: "SSH-TCP-KEEPALIVE" },
    { name: "PrintMotd left at yes", o: { drop: "PrintMotd" }, id: "SSH-PRINT-MOTD" },
    { name: "PrintLastLog left at yes", o: { drop: "PrintLastLog" }, id: "SSH-PRINT-LASTLOG" },
    { name: "Compression left at yes", o: { drop: "Compression" }, id: "SSH-COMPRESSION" },
    { name: "KerberosOrLocalPasswd left at yes", o: { drop: "KerberosOrLocalPasswd" }, id: "SSH-KERBEROS-LOCAL-PASSWD" },
    { name: "a Debian sshd without DebianBanner no", o: { drop: "DebianBanner" }, id: "SSH-DEBIAN-BANNER", reason: /Debian revision/ },
    { name: "LogLevel INFO", o: { hardened: ["LogLevel"], extra: "LogLevel INFO\n" }, id: "SSH-LOG-LEVEL" },
    { name: "sshd_config 0644", o: { mode: 0o644 }, id: "SSH-CONFIG-MODES" },
    { name: "X11UseLocalhost no (even with X11 forwarding off)", o: { extra: "X11UseLocalhost no\n" }, id: "SSH-X11-USE-LOCALHOST" },
    { name: "KerberosTicketCleanup no", o: { extra: "KerberosTicketCleanup no\n" }, id: "SSH-KERBEROS-TICKET-CLEANUP" },
    { name: "GSSAPICleanupCredentials no", o: { extra: "GSSAPICleanupCredentials no\n" }, id: "SSH-GSSAPI-CLEANUP" },
    { name: "SyslogFacility AUTHPRIV", o: { extra: "SyslogFacility AUTHPRIV\n" }, id: "SSH-SYSLOG-FACILITY" },
    {
      name: "a legal-notice banner",
      o: { extra: "Banner /etc/issue.net\n", files: { "/etc/issue.net": "Authorised use only.\n" } },
      id: "SSH-BANNER",
    },
    { name: "a stale UseLogin no line", o: { extra: "UseLogin no\n" }, id: "SSH-USE-LOGIN", reason: /remove the stale line/ },
    {
      name: "a host key outside dev-sec's set",
      o: { extra: "HostKey /etc/ssh/extra_ed25519_key\n" },
      id: "SSH-HOSTKEY-LIST",
      reason: /not one of dev-sec's host keys/,
    },
  ];
  for (const c of cases) {
    test(`strict: ${c.name} fails exactly ${c.id} (and passes under the baseline)`, async () => {
      const r = await strictAudit(c.o);
      const o = get(r, c.id);
      assert.equal(o.status, "fail", JSON.stringify(o));
      if (c.reason) assert.match(o.reason ?? "", c.reason);
      const others = [...r].filter(([id, x]) => id !== c.id && x.status !== "pass").map(([id, x]) => `${id} ${x.status}`);
      assert.deepEqual(others, [], "every other check still passes");
    });
  }
  test("strict notes: each check stricter under strict says what it demands", () => {
    const noted = checks.filter((c) => c.strict).map((c) => c.id);
    for (const id of ["SSH-LOG-LEVEL", "SSH-CONFIG-MODES", "SSH-HOSTKEY-SIZE", "SSH-PORT", "SSH-TCP-KEEPALIVE", "SSH-BANNER"])
      assert.ok(noted.includes(id), id);
    assert.ok(!noted.includes("SSH-PUBKEY-AUTH"), "the same demand under both profiles needs no note");
  });
});
