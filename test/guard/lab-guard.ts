// The guard's lab set-up, shared by its lab tests: a server with a real sshd and the admin `alice`, an
// attacker, an admin host, the firewall's ban sets loaded for the backend under test, a mail sink, and the
// daemon started as its own process.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { GUARD_ENV } from "../../src/guard/unit.js";
import { CLI_ARGV, REPO } from "../helpers/cli.js";
import { until } from "../helpers/wait.js";
import type { Lab, LabHost } from "../lab/index.js";

export interface Setup {
  server: LabHost;
  attacker: LabHost;
  admin: LabHost;
  adminKey: string;
  mailbox: string;
  /**
   * The daemon as its own process: from source (tsx), or "built" as the unit runs it — bin/rampart.js → dist/
   * with the unit's environment (GUARD_ENV), so the parts it loads only when configured (mail, reporters)
   * are loaded from the bundle as in production (`npm run build` first; scripts/test.mjs builds).
   */
  startGuard: (how?: "source" | "built") => ReturnType<LabHost["spawn"]>;
}

export async function setup(lab: Lab, backend: "nftables" | "iptables"): Promise<Setup> {
  const server = await lab.host("srv", { role: "server" });
  const attacker = await lab.host("atk", { role: "attacker" });
  const admin = await lab.host("adm", { role: "admin" });
  const key = await lab.keyPair();
  await server.addUser("alice", { groups: ["sudo"], keys: [key.publicKey], password: "correct horse" });
  await server.startSshd({ config: "PasswordAuthentication yes\nMaxAuthTries 6" });
  // the host's own directory on the machine: removed with the lab
  const mailbox = path.join(server.dir, "mailbox.jsonl");
  const smtp = server.spawn([process.execPath, path.join(REPO, "test/helpers/smtp-sink.mjs"), mailbox, "2525"]);
  await smtp.waitFor(/listening/);
  await server.writeFile(
    "/etc/rampart/policy.yaml",
    `admins:
  - name: alice
    keys: [${JSON.stringify(key.publicKey)}]
firewall:
  backend: ${backend}
  inbound:
    - { service: ssh }
guard:
  ignore: [127.0.0.0/8, "::1", ${admin.v4}]
  notify: { email: { to: root@localhost, smtp: "smtp://127.0.0.1:2525" } }
  jails:
    sshd: { maxretry: 3, findtime: 10m, bantime: 10m, backend: file, logpath: /var/log/auth.log }
`,
    { mode: 0o600 },
  );
  // the firewall provides the ban sets
  const rendered = await server.rampart(["firewall", "render", "--json"]);
  assert.equal(rendered.code, 0, rendered.stderr);
  for (const f of (JSON.parse(rendered.stdout) as { files: { name: string; text: string }[] }).files) {
    const argv = f.name.endsWith(".ipset")
      ? ["ipset", "restore", "-exist"]
      : f.name.endsWith(".v6")
        ? ["ip6tables-restore", "--noflush"]
        : f.name.endsWith(".v4")
          ? ["iptables-restore", "--noflush"]
          : ["nft", "-f", "-"];
    await server.exec(argv, { input: f.text });
  }
  const startGuard = (how: "source" | "built" = "source") => {
    if (how === "source") return server.spawn([...CLI_ARGV, "guard", "run"], { cwd: REPO });
    if (!existsSync(path.join(REPO, "dist/bundle/rampart.js"))) throw new Error("no dist/bundle: run `npm run build` first");
    return server.spawn([process.execPath, path.join(REPO, "bin/rampart.js"), "guard", "run"], { cwd: REPO, env: { ...GUARD_ENV } });
  };
  return { server, attacker, admin, adminKey: key.privateKey, mailbox, startGuard };
}

export async function guardReady(server: LabHost): Promise<void> {
  await until(
    "the guard to answer",
    async () => {
      const r = await server.rampart(["guard", "status", "--json"]);
      return r.code === 0 && (JSON.parse(r.stdout) as { sources: { state: string }[] }).sources.every((s) => s.state === "reading");
    },
    30_000,
    200,
  );
}

/**
 * The listing of a family's ban sets: `which` "addr" (single addresses), "p64" (IPv6 /64s: nft lists their
 * network addresses, ipset the /64s), "net" (other prefixes) or "all".
 */
export async function kernelBans(
  server: LabHost,
  backend: "nftables" | "iptables",
  family: 4 | 6 = 4,
  which: "all" | "addr" | "p64" | "net" = "all",
): Promise<string> {
  const kinds = { all: ["", "p64_", "net_"], addr: [""], p64: ["p64_"], net: ["net_"] }[which];
  const sets = kinds.filter((k) => family === 6 || k !== "p64_").map((k) => `rampart_ban_${k}v${family}`);
  let out = "";
  for (const set of sets) {
    const r =
      backend === "nftables"
        ? await server.exec(["nft", "list", "set", "inet", "rampart", set])
        : await server.exec(["ipset", "list", set]);
    out += r.stdout;
  }
  return out;
}
