// Part `ssh`: the policy's sshd settings in rampart's own drop-in /etc/ssh/sshd_config.d/00-rampart.conf,
// and the one-line edit that makes the main sshd_config include that directory at its top (sshd keeps the
// first value it reads, so our file wins over the main file and over 50-cloud-init.conf). Preflight refuses
// every way the change could lock the admin out; validate runs the real `sshd -t` and `sshd -T -C` on the
// candidate files in a temp tree before anything is installed. With `ssh.mfa` it also owns one marked block
// in /etc/pam.d/sshd (the TOTP module before the password), installs the module's package, refuses admins
// who are not enrolled, and asks that the confirming connection itself passed the second factor.
import { promises as fsp } from "node:fs";
import path from "node:path";
import { messageOf } from "../../core/errors.js";
import type { Policy } from "../../policy/schema.js";
import { COMPATIBLE_EXTRA, MODERN } from "../../sshd/crypto.js";
import { querySupported, type Supported } from "../../sshd/effective.js";
import { type CryptoChoice, expectedEffective, MANAGED_KEYWORDS, renderSettings } from "../../sshd/settings.js";
import { which } from "../../system/exec.js";
import { groupsOf, readAccounts } from "../../facts/accounts.js";
import {
  type Candidate,
  type Change,
  type Note,
  type Part,
  type PartContext,
  type PartPlan,
  type Refusal,
  type Validation,
  partFacts,
} from "../plan.js";
import { systemdRunning } from "../../system/systemd.js";
import { packages } from "../../facts/packages.js";
import { secretFileOf } from "../../mfa/enroll.js";
import { secretProblem } from "../../mfa/status.js";
import { PAM_SSHD, TOTP_PACKAGE, pamBlockOf, totpBlock, withPamBlock } from "../../sshd/pam.js";
import { installArgv } from "./apt-commands.js";
import { hostKeys, keyIdentity } from "./keys.js";
import {
  DROPIN,
  DROPIN_DIR,
  loadCandidate,
  overridesOf,
  pidFileOf,
  redirectIncludes,
  SSHD_CONFIG,
  sshdEffective,
  withTopInclude,
} from "./sshd-view.js";

// Ubuntu ≥ 22.10 starts sshd through ssh.socket: the socket, not sshd_config's Port, decides where it listens.
// Ubuntu 24.04 ships a generator that derives ListenStream from sshd_config at daemon-reload; without it,
// rampart writes the socket's drop-in itself.
export const SSH_SOCKET_WANTS = "/etc/systemd/system/sockets.target.wants/ssh.socket";
export const SSH_SOCKET_DROPIN = "/etc/systemd/system/ssh.socket.d/00-rampart.conf";
const SSH_SOCKET_GENERATOR = "/usr/lib/systemd/system-generators/sshd-socket-generator";

async function socketActivated(ctx: PartContext): Promise<boolean> {
  return (await ctx.fs.lstat(SSH_SOCKET_WANTS)) !== undefined;
}

export function sshSocketDropIn(port: number): string {
  return `# Written by rampart (policy ssh.port): sshd is socket-activated here, so the socket must listen there.
[Socket]
ListenStream=
ListenStream=0.0.0.0:${port}
ListenStream=[::]:${port}
BindIPv6Only=ipv6-only
`;
}

/** The Ciphers/KexAlgorithms/MACs values for the policy, limited to what this OpenSSH supports. */
export function cryptoLines(crypto: Policy["ssh"]["crypto"], supported: Supported | undefined): { values: CryptoChoice; notes: string[] } {
  if (crypto === "keep") return { values: {}, notes: [] };
  if (!supported) return { values: {}, notes: ["`ssh -Q` could not run: Ciphers/KexAlgorithms/MACs left at OpenSSH's defaults"] };
  const want: { cipher: readonly string[] | undefined; kex: readonly string[] | undefined; mac: readonly string[] | undefined } =
    typeof crypto === "string"
      ? {
          cipher: MODERN.cipher,
          kex: crypto === "compatible" ? [...MODERN.kex, ...COMPATIBLE_EXTRA.kex] : MODERN.kex,
          mac: crypto === "compatible" ? [...MODERN.mac, ...COMPATIBLE_EXTRA.mac] : MODERN.mac,
        }
      : { cipher: crypto.ciphers, kex: crypto.kex, mac: crypto.macs };
  const values: CryptoChoice = {};
  const notes: string[] = [];
  const pick = (kw: keyof CryptoChoice, list: readonly string[] | undefined, have: string[]) => {
    if (!list) return;
    const ok = list.filter((a) => have.includes(a));
    const missing = list.filter((a) => !have.includes(a));
    if (missing.length && typeof crypto !== "string") notes.push(`${kw}: not supported by this OpenSSH, left out: ${missing.join(",")}`);
    if (ok.length) values[kw] = ok.join(",");
    else notes.push(`${kw}: none of the wanted algorithms is supported; left at OpenSSH's default`);
  };
  pick("Ciphers", want.cipher, supported.cipher);
  pick("KexAlgorithms", want.kex, supported.kex);
  pick("MACs", want.mac, supported.mac);
  return { values, notes };
}

/** The text of 00-rampart.conf for a policy: the rows of SSHD_SETTINGS (src/sshd/settings.ts) rampart writes. */
export function renderDropIn(policy: Policy, crypto: CryptoChoice): string {
  const lines = [
    "# Managed by rampart: `rampart apply` rewrites this file from the policy (/etc/rampart/policy.yaml).",
    "# sshd keeps the first value it reads and sshd_config includes this directory at its top, so these",
    "# settings win over sshd_config and later drop-ins — except inside Match blocks (`rampart plan` lists those).",
    ...renderSettings(policy.ssh, crypto),
  ];
  return `${lines.join("\n")}\n`;
}

/** The methods a confirming connection must have passed (sshd's SSH_USER_AUTH), or none without ssh.mfa. */
export function confirmMethods(policy: Policy): string[] {
  if (policy.ssh.mfa === "totp") return ["publickey", "keyboard-interactive"];
  if (policy.ssh.mfa === "password") return ["publickey", "password"];
  return [];
}

async function sshdBinary(): Promise<string | undefined> {
  return (await which("/usr/sbin/sshd")) ?? (await which("sshd"));
}

async function planned(
  ctx: PartContext,
): Promise<{ dropIn: string; main: string | undefined; newMain: string | undefined; notes: string[] }> {
  const crypto =
    ctx.policy.ssh.crypto === "keep" ? { values: {}, notes: [] } : cryptoLines(ctx.policy.ssh.crypto, await querySupported(ctx.run));
  const main = await ctx.fs.readTextIfExists(SSHD_CONFIG);
  return {
    dropIn: renderDropIn(ctx.policy, crypto.values),
    main,
    newMain: main === undefined ? undefined : withTopInclude(main),
    notes: crypto.notes,
  };
}

/**
 * ssh.mfa in the PAM stack: `totp` installs the module's package when dpkg does not have it (before any file
 * is written, so a failed install leaves nothing half-done) and puts rampart's block into /etc/pam.d/sshd;
 * any other value takes the block out again, giving back the file byte for byte.
 */
async function pamChanges(ctx: PartContext): Promise<{ changes: Change[]; notes: Note[] }> {
  const changes: Change[] = [];
  const notes: Note[] = [];
  const current = await ctx.fs.readTextIfExists(PAM_SSHD);
  const want = ctx.policy.ssh.mfa === "totp";
  if (want) {
    const db = await packages(partFacts(ctx));
    if (!db.packages.get(TOTP_PACKAGE)?.installed) {
      changes.push({
        kind: "command",
        part: "ssh",
        argv: installArgv(ctx, TOTP_PACKAGE),
        reason: `ssh.mfa: totp needs the PAM module pam_google_authenticator.so (${TOTP_PACKAGE} is not installed)`,
        touches: [],
        creates: [],
        irreversible: `the package stays installed (remove it with \`apt-get purge ${TOTP_PACKAGE}\`); it does nothing unless a PAM file uses it`,
      });
    }
  }
  if (want) {
    // everyone logging in over SSH needs the code, not only the admins (preflight refuses for those): name the
    // other users with keys who are not enrolled, so the plan says whom the change shuts out
    const acc = await readAccounts(ctx.fs);
    const admins = new Set(ctx.policy.admins.map((a) => a.name));
    const shut: string[] = [];
    for (const u of acc.users.values()) {
      if (admins.has(u.name) || (u.uid !== 0 && u.uid < 1000) || /\/(nologin|false)$/.test(u.shell)) continue;
      if (u.name === "root" && ctx.policy.ssh.permitRootLogin === false) continue;
      if ((await hostKeys(ctx.fs, acc, u.name)).length === 0) continue;
      if (await secondFactorProblem(ctx, u.name, acc)) shut.push(u.name);
    }
    if (shut.length)
      notes.push({
        part: "ssh",
        message: `not enrolled, so refused at login once the code is required: ${shut.join(", ")} (they have SSH keys; \`rampart mfa enroll USER\` each one that still needs SSH)`,
      });
  }
  if (current === undefined) {
    if (want) notes.push({ part: "ssh", message: `${ctx.fs.display(PAM_SSHD)} does not exist: see the refusal below` });
    return { changes, notes };
  }
  const next = withPamBlock(current, want ? totpBlock() : undefined, ctx.fs.display(PAM_SSHD));
  if (next !== current) {
    const st = await ctx.fs.stat(PAM_SSHD);
    changes.push({
      kind: "file",
      part: "ssh",
      path: PAM_SSHD,
      content: next,
      mode: st ? st.mode & 0o7777 : 0o644,
      owner: { user: "root", group: "root" },
      before: current,
      beforeMode: st?.mode,
      reason: want
        ? "ssh.mfa: totp — a TOTP code after the key, in rampart's marked block before the password (only the block is added)"
        : "ssh.mfa is off: remove rampart's marked block (the rest of the file is untouched)",
    });
  }
  return { changes, notes };
}

/** Why `user` could not pass the policy's second factor, or undefined when they can. */
async function secondFactorProblem(
  ctx: PartContext,
  user: string,
  acc: Awaited<ReturnType<typeof readAccounts>>,
): Promise<string | undefined> {
  const mfa = ctx.policy.ssh.mfa;
  if (mfa === "password") {
    return acc.passwords.get(user) === "usable"
      ? undefined
      : `${user} has no usable password, and ssh.mfa: password asks for it after the key`;
  }
  if (mfa !== "totp") return undefined;
  if (!acc.users.has(user)) return `${user} does not exist yet, so cannot be enrolled for the TOTP code ssh.mfa: totp asks for`;
  const { file, uid } = await secretFileOf(ctx.fs, user);
  const problem = await secretProblem(ctx.fs, file, uid);
  if (problem === undefined) return undefined;
  return problem === "absent"
    ? `${user} is not enrolled (no ${file}), and ssh.mfa: totp asks for a TOTP code after the key`
    : `${user}'s TOTP secret would be refused by the PAM module: ${problem}`;
}

export const sshPart: Part = {
  name: "ssh",
  needsConfirm: true,

  async plan(ctx): Promise<PartPlan> {
    const notes: Note[] = [];
    const { dropIn, main, newMain, notes: cryptoNotes } = await planned(ctx);
    if (main === undefined) {
      return {
        changes: [],
        notes: [{ part: "ssh", message: `${ctx.fs.display(SSHD_CONFIG)} does not exist (openssh-server not installed?): nothing to do` }],
      };
    }
    for (const n of cryptoNotes) notes.push({ part: "ssh", message: n });
    const changes: Change[] = [];
    const root = { user: "root", group: "root" };
    const pam = await pamChanges(ctx);
    changes.push(...pam.changes);
    notes.push(...pam.notes);
    if (newMain !== main) {
      const st = await ctx.fs.stat(SSHD_CONFIG);
      changes.push({
        kind: "file",
        part: "ssh",
        path: SSHD_CONFIG,
        content: newMain ?? main,
        mode: st ? st.mode & 0o7777 : 0o644,
        owner: root,
        before: main,
        beforeMode: st?.mode,
        reason: `include ${DROPIN_DIR}/*.conf at the top, so ${path.posix.basename(DROPIN)} is read first (only this line is added)`,
      });
    }
    const current = await ctx.fs.readTextIfExists(DROPIN);
    const st = await ctx.fs.stat(DROPIN);
    if (current !== dropIn || (st && ((st.mode & 0o7777) !== 0o644 || st.uid !== 0))) {
      changes.push({
        kind: "file",
        part: "ssh",
        path: DROPIN,
        content: dropIn,
        mode: 0o644,
        owner: root,
        before: current,
        beforeMode: st?.mode,
        reason: "sshd settings from the policy",
      });
    }
    // what would still override our settings after the change
    const cfg = await loadCandidate(ctx.fs, { [SSHD_CONFIG]: newMain ?? main, [DROPIN]: dropIn });
    for (const kw of MANAGED_KEYWORDS) for (const m of overridesOf(cfg, kw)) notes.push({ part: "ssh", message: m });
    if (ctx.policy.ssh.port !== undefined) {
      const ports = cfg.directives.filter((d) => d.key === "port" && d.file !== DROPIN);
      for (const p of ports)
        notes.push({ part: "ssh", message: `${p.file}:${p.line}: Port ${p.args.join(" ")} stays: sshd listens on every Port line` });
      if (await socketActivated(ctx)) {
        if (await ctx.fs.exists(SSH_SOCKET_GENERATOR)) {
          notes.push({
            part: "ssh",
            message:
              "ssh.socket is enabled: its generator takes the new Port from sshd_config at `systemctl daemon-reload` (done on reload)",
          });
        } else {
          const text = sshSocketDropIn(ctx.policy.ssh.port);
          const before = await ctx.fs.readTextIfExists(SSH_SOCKET_DROPIN);
          if (before !== text) {
            changes.push({
              kind: "file",
              part: "ssh",
              path: SSH_SOCKET_DROPIN,
              content: text,
              mode: 0o644,
              owner: root,
              before,
              reason: "ssh.socket is enabled: the socket decides the port (Ubuntu socket activation)",
            });
          }
        }
      }
    }
    return { changes, notes };
  },

  async preflight(ctx): Promise<Refusal[]> {
    const refusals: Refusal[] = [];
    const s = ctx.policy.ssh;
    const refuse = (reason: string, fix: string) => refusals.push({ part: "ssh", reason, fix });
    const acc = await readAccounts(ctx.fs);
    // with a second factor every login starts with a key, whatever passwordAuthentication says
    const passwordsOff = (!s.passwordAuthentication && !s.kbdInteractiveAuthentication) || s.mfa !== "off";
    const keysOf = async (user: string): Promise<string[]> => {
      const admin = ctx.policy.admins.find((a) => a.name === user);
      const fromPolicy = (admin?.keys ?? []).map(keyIdentity).filter((k): k is string => !!k);
      return [...fromPolicy, ...(await hostKeys(ctx.fs, acc, user))];
    };
    const groupsAfter = (user: string): string[] => {
      const admin = ctx.policy.admins.find((a) => a.name === user);
      return [...new Set([...groupsOf(acc, user), ...(admin?.groups ?? []), ...(admin && !acc.users.has(user) ? [user] : [])])];
    };
    const allowed = (user: string): string | undefined => {
      if (s.allowUsers?.length && !s.allowUsers.includes(user)) return `AllowUsers ${s.allowUsers.join(" ")} does not list ${user}`;
      if (s.allowGroups?.length && !groupsAfter(user).some((g) => s.allowGroups?.includes(g))) {
        return `AllowGroups ${s.allowGroups.join(" ")} does not include any group of ${user} (${groupsAfter(user).join(", ") || "none"})`;
      }
      return undefined;
    };
    if (passwordsOff && ctx.policy.admins.length === 0 && ctx.session.user === undefined) {
      refuse(
        "password logins would be turned off but the policy names no admin (nobody is known to have a key)",
        'Add an admin with `keys:` to the policy (admins: [{name: you, keys: ["ssh-ed25519 AAAA…"]}]).',
      );
    }
    for (const a of ctx.policy.admins) {
      if (passwordsOff && (await keysOf(a.name)).length === 0) {
        refuse(
          `password logins would be turned off but admin ${a.name} has no valid SSH key (none in the policy, none in ~${a.name}/.ssh/authorized_keys)`,
          `Add ${a.name}'s public key to the policy (admins[].keys: ["ssh-ed25519 AAAA… ${a.name}@laptop"]), or keep ssh.passwordAuthentication: true for now.`,
        );
      }
      const why = allowed(a.name);
      if (why) refuse(`${why}: admin ${a.name} could not log in`, `Add ${a.name} to ssh.allowUsers/allowGroups in the policy.`);
      const factor = await secondFactorProblem(ctx, a.name, acc);
      if (factor) {
        refuse(
          `${factor}: admin ${a.name} could not log in`,
          s.mfa === "totp"
            ? `Run \`rampart apply --only users\` (if ${a.name} is new), then \`sudo rampart mfa enroll ${a.name}\` and scan the code with ${a.name}'s authenticator app; apply again.`
            : `Set a password for ${a.name} (\`passwd ${a.name}\`), or use ssh.mfa: totp.`,
        );
      }
    }
    if (s.mfa === "totp") {
      if (!(await ctx.fs.exists(PAM_SSHD))) {
        refuse(
          `${ctx.fs.display(PAM_SSHD)} does not exist: sshd has no PAM stack to ask for the TOTP code`,
          "Reinstall openssh-server (it ships /etc/pam.d/sshd), or set ssh.mfa: off.",
        );
      } else {
        pamBlockOf((await ctx.fs.readTextIfExists(PAM_SSHD)) ?? "", ctx.fs.display(PAM_SSHD)); // a damaged block throws, with where and how
      }
      const db = await packages(partFacts(ctx));
      if (!db.packages.get(TOTP_PACKAGE)?.installed && !(ctx.live ? await which("apt-get") : await ctx.fs.exists("/usr/bin/apt-get"))) {
        refuse(
          `${TOTP_PACKAGE} (the PAM module for ssh.mfa: totp) is not installed and there is no apt-get to install it`,
          `Install ${TOTP_PACKAGE} (it provides pam_google_authenticator.so), then apply again.`,
        );
      }
    }
    const me = ctx.session.user;
    if (me && !ctx.policy.admins.some((a) => a.name === me) && me !== "root") {
      const factor = await secondFactorProblem(ctx, me, acc);
      if (factor)
        refuse(
          `${factor}: you (${me}, applying this) could not log in again`,
          `Enroll yourself first (\`sudo rampart mfa enroll ${me}\`), or apply as an enrolled admin of the policy.`,
        );
    }
    if (me) {
      const why = allowed(me);
      if (why && !ctx.policy.admins.some((a) => a.name === me))
        refuse(
          `${why}: you (${me}, applying this) could not log in again`,
          `Add ${me} to ssh.allowUsers/allowGroups, or apply as an admin of the policy.`,
        );
      const overSsh = ctx.session.sshConnection !== undefined || ctx.session.sshd !== undefined;
      if (overSsh && me !== "root" && passwordsOff && (await keysOf(me)).length === 0) {
        refuse(
          `your session (${me}) logged in without a key, and password logins would be turned off: you could not log in again as ${me}`,
          `Add your public key to the policy (admins: [{name: ${me}, keys: [...]}]) or to ~${me}/.ssh/authorized_keys first.`,
        );
      }
      if (overSsh && me === "root" && s.permitRootLogin !== true) {
        const rootKeys = await keysOf("root");
        const rootStays =
          s.permitRootLogin === "prohibit-password" && rootKeys.length > 0 && !(await secondFactorProblem(ctx, "root", acc));
        const someAdmin = [];
        for (const a of ctx.policy.admins) {
          const hasPassword = acc.passwords.get(a.name) === "usable";
          if (!allowed(a.name) && ((!passwordsOff && hasPassword) || (await keysOf(a.name)).length > 0)) someAdmin.push(a.name);
        }
        for (let i = someAdmin.length - 1; i >= 0; i--)
          if (await secondFactorProblem(ctx, someAdmin[i] as string, acc)) someAdmin.splice(i, 1);
        if (!rootStays && someAdmin.length === 0) {
          refuse(
            "you are logged in as root, root logins would be turned off, and no admin of the policy could log in instead",
            "Add an admin with a key to the policy first (it is created by the `users` part).",
          );
        }
      }
    }
    return refusals;
  },

  confirmRequires(ctx) {
    return confirmMethods(ctx.policy);
  },

  async validate(ctx, candidate: Candidate, changes: readonly Change[]): Promise<Validation> {
    const mine = changes.filter((c) => c.part === "ssh");
    if (mine.length === 0) return { refusals: [], notes: [] };
    const sshd = await sshdBinary();
    if (!sshd)
      return {
        refusals: [
          { part: "ssh", reason: "sshd is not installed: the candidate config cannot be checked", fix: "apt-get install openssh-server" },
        ],
        notes: [],
      };
    // the candidate tree: every current drop-in plus the planned files, and a main file whose Include points there
    const tmp = candidate.dir;
    await fsp.mkdir(path.join(tmp, DROPIN_DIR), { recursive: true });
    for (const name of await ctx.fs.list(DROPIN_DIR)) {
      const target = `${DROPIN_DIR}/${name}`;
      const text = await candidate.content(target);
      if (text !== undefined) await fsp.writeFile(candidate.pathOf(target), text, { mode: 0o644 });
    }
    const main = (await candidate.content(SSHD_CONFIG)) ?? "";
    const mainPath = path.join(tmp, "sshd_config.rampart-check");
    await fsp.writeFile(mainPath, redirectIncludes(main, tmp), { mode: 0o644 });
    const extra: string[] = [];
    if (!ctx.live && !(await fsp.stat("/run/sshd").catch(() => undefined))) {
      return {
        refusals: [],
        notes: [
          { part: "ssh", message: "not validated with sshd -t: this machine has no /run/sshd (sshd's privilege separation directory)" },
        ],
      };
    }
    if (!ctx.live) {
      // an image's host keys are not this machine's: check the syntax with a throwaway host key
      const hk = path.join(tmp, "hostkey");
      await ctx.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hk]);
      extra.push("-h", hk);
    } else if (!(await ctx.fs.exists("/run/sshd"))) {
      await fsp.mkdir("/run/sshd", { mode: 0o755 }); // sshd's privilege separation directory (systemd's RuntimeDirectory)
    }
    const t = await ctx.run([sshd, "-t", "-f", mainPath, ...extra], { okCodes: "any", timeoutMs: 10_000 });
    if (t.code !== 0) {
      const said = (t.stderr || t.stdout).trim().split(tmp).join("").split("\n").slice(0, 5).join("; ");
      return {
        refusals: [
          {
            part: "ssh",
            reason: `sshd rejects the candidate configuration: ${said}`,
            fix: "Fix the line sshd names (in the policy or the file it names); nothing was installed.",
          },
        ],
        notes: [],
      };
    }
    // the effective values for every admin (and the applying user), as sshd itself computes them
    const notes: Note[] = [];
    const want = expectedEffective(ctx.policy.ssh);
    const acc = await readAccounts(ctx.fs);
    const users = [...new Set([...ctx.policy.admins.map((a) => a.name), ...(ctx.session.user ? [ctx.session.user] : []), "root"])];
    for (const user of users) {
      if (!acc.users.has(user)) continue; // sshd -T -C needs an existing user; new admins are checked by the files
      try {
        const eff = await sshdEffective(
          ctx.run,
          sshd,
          mainPath,
          { user, host: "admin.example", addr: ctx.session.clientAddr ?? "203.0.113.1", groups: groupsOf(acc, user) },
          extra,
        );
        for (const [k, v] of Object.entries(want)) {
          const got = eff.get(k)?.[0];
          if (got !== undefined && got !== v)
            notes.push({
              part: "ssh",
              message: `for user ${user}, sshd would still use ${k} ${got} (policy: ${v}); see the overrides above`,
            });
        }
      } catch (e) {
        notes.push({ part: "ssh", message: `sshd -T for ${user} could not run: ${messageOf(e).split("\n")[0]}` });
      }
    }
    return { refusals: [], notes };
  },

  async reload(ctx): Promise<void> {
    if (!ctx.live) return;
    if ((await systemdRunning(ctx.fs)) && (await socketActivated(ctx))) {
      // a new port lives in the socket unit: reload units, restart the socket (open sessions are not its children)
      await ctx.run(["systemctl", "daemon-reload"]);
      await ctx.run(["systemctl", "restart", "ssh.socket"]);
    }
    if (await systemdRunning(ctx.fs)) {
      const r = await ctx.run(["systemctl", "reload", "ssh"], { okCodes: "any" });
      if (r.code !== 0) await ctx.run(["systemctl", "reload", "sshd"]);
      return;
    }
    const pidFile = pidFileOf(await loadCandidate(ctx.fs, {}));
    const pid = Number((await ctx.fs.readTextIfExists(pidFile))?.trim());
    if (!Number.isInteger(pid) || pid <= 1) {
      ctx.log.warn(`sshd is not running (no ${pidFile}): nothing to reload`);
      return;
    }
    // SIGHUP: the listener re-executes itself with the new files (existing sessions are other processes and
    // stay); it rewrites its pid file once it listens again, which is when new logins work.
    const before = (await ctx.fs.stat(pidFile))?.mtimeMs;
    process.kill(pid, "SIGHUP");
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = (await ctx.fs.stat(pidFile))?.mtimeMs;
      if (now !== undefined && now !== before) break;
    }
    ctx.log.info("sshd reloaded (SIGHUP)", { pid });
  },
};
