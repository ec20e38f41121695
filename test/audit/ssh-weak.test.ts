// Lab: a server host with a deliberately weak sshd — the Debian layout (sshd_config includes
// sshd_config.d/*.conf at the top) plus a cloud-init drop-in that turns passwords and root login back on
// and offers the weakest algorithms this OpenSSH still accepts. arcfour* is gone from OpenSSH (removed
// from sshd in 7.x), so the weak cipher list uses 3des-cbc and aes128-cbc, with hmac-md5/hmac-sha1 MACs and
// diffie-hellman-group1/14-sha1 KEX. `rampart audit --only ssh` inside the host must fail the right IDs
// with the drop-in's file:line as source (values from the real sshd -T); after the drop-in is fixed the same
// checks pass. A real password login proves the audit describes the running server.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const labIndex = path.join(path.dirname(fileURLToPath(import.meta.url)), "../lab/index.ts");

const DROPIN = "/etc/ssh/sshd_config.d/50-cloud-init.conf";
const WEAK = [
  "PasswordAuthentication yes",
  "PermitRootLogin yes",
  "Ciphers 3des-cbc,aes128-cbc,aes256-ctr",
  "MACs hmac-md5,hmac-sha1,hmac-sha2-256",
  "KexAlgorithms diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,curve25519-sha256",
  "",
].join("\n");
const FIXED = [
  "PasswordAuthentication no",
  "PermitRootLogin no",
  "Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr",
  "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
  "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512",
  "",
].join("\n");
/** Debian 12's sshd_config, shortened: the Include comes first, so the drop-in wins over these lines. */
const MAIN = [
  "# Debian sshd_config (shortened)",
  "Include /etc/ssh/sshd_config.d/*.conf",
  "PasswordAuthentication no",
  "KbdInteractiveAuthentication no",
  "UsePAM yes",
  "X11Forwarding yes",
  "PrintMotd no",
  "AcceptEnv LANG LC_*",
  "Subsystem sftp /usr/lib/openssh/sftp-server",
  "",
].join("\n");

/** check id → the drop-in line that must be named as source */
const EXPECT: Record<string, number> = {
  "SSH-PASSWORD-AUTH": 1,
  "SSH-DROPIN-OVERRIDES": 1,
  "SSH-ROOT-LOGIN": 2,
  "SSH-CIPHERS": 3,
  "SSH-MACS": 4,
  "SSH-KEX": 5,
};

interface ExecResult {
  ok?: boolean;
  code: number;
  stdout: string;
  stderr: string;
}
interface LabHostLike {
  v4: string;
  addUser(name: string, o: { groups?: string[]; password?: string }): Promise<unknown>;
  writeFile(p: string, text: string): Promise<unknown>;
  startSshd(o: { config?: string }): Promise<{ reload(): Promise<unknown> }>;
  ssh(o: { user: string; host: string; password: string }): Promise<ExecResult & { ok: boolean }>;
  rampart(argv: string[]): Promise<ExecResult>;
}
interface LabModule {
  labTest(name: string, fn: (lab: { host(name: string, o: { role: string }): Promise<LabHostLike> }) => Promise<void>): void;
}

interface AuditJson {
  checks: { id: string; status: string; evidence: { observed: unknown; source: string }; reason?: string }[];
}

if (!existsSync(labIndex)) {
  if (process.env.CI === "true") throw new Error("test/lab/index.ts is missing: the ssh lab test cannot run");
  test("weak sshd in a lab host", { skip: "test/lab is not built yet" }, () => {});
} else {
  // imported by path so this file type-checks before the lab exists; the shape used is LAB_API.md's
  const { labTest } = (await import(pathToFileURL(labIndex).href)) as LabModule;
  labTest("audit names the cloud-init drop-in that weakens a real sshd, and passes once it is fixed", async (lab) => {
    const server = await lab.host("srv", { role: "server" });
    const attacker = await lab.host("atk", { role: "attacker" });
    await server.addUser("alice", { groups: ["sudo"], password: "s3cret-Pa55!" });
    await server.writeFile("/etc/ssh/sshd_config", MAIN);
    await server.writeFile(DROPIN, WEAK);
    const sshd = await server.startSshd({});

    const login = await attacker.ssh({ user: "alice", host: server.v4, password: "s3cret-Pa55!" });
    assert.ok(login.ok, `password login should work on the weak server: ${login.stderr}`);

    const audit = async (): Promise<AuditJson> => {
      const r = await server.rampart(["audit", "--format", "json", "--only", "ssh"]);
      assert.ok(r.stdout.trim().startsWith("{"), `audit printed no JSON (exit ${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout) as AuditJson;
    };
    const byId = (a: AuditJson, id: string) => {
      const c = a.checks.find((x) => x.id === id);
      assert.ok(c, `no ${id} in the report`);
      return c;
    };

    const weak = await audit();
    for (const [id, line] of Object.entries(EXPECT)) {
      const c = byId(weak, id);
      assert.equal(c.status, "fail", `${id}: ${JSON.stringify(c)}`);
      assert.equal(c.evidence.source, `${DROPIN}:${line}`, id);
    }
    // the values came from the running configuration (sshd -T), not the parser fallback
    assert.doesNotMatch(byId(weak, "SSH-PASSWORD-AUTH").reason ?? "", /could not run|--root/);
    assert.match(JSON.stringify(byId(weak, "SSH-CIPHERS").evidence.observed), /3des-cbc/);

    await server.writeFile(DROPIN, FIXED);
    await sshd.reload();
    const fixed = await audit();
    for (const [id, line] of Object.entries(EXPECT)) {
      const c = byId(fixed, id);
      assert.equal(c.status, "pass", `${id} after the fix: ${JSON.stringify(c)}`);
      if (id !== "SSH-DROPIN-OVERRIDES") assert.equal(c.evidence.source, `${DROPIN}:${line}`, id);
    }
    const refused = await attacker.ssh({ user: "alice", host: server.v4, password: "s3cret-Pa55!" });
    assert.equal(refused.ok, false, "password login must be refused after the fix");
  });
}
