// Part `users`: the policy's admins as Debian's own tools make them (groupadd, useradd -m -s SHELL -G …,
// usermod -aG), their authorized_keys (~/.ssh 0700, authorized_keys 0600, owned by the user; existing keys
// are kept, missing ones appended), root's password locked (root only through sudo), and a sudoers drop-in
// only for admins the policy lets use sudo without a password (checked with `visudo -cf`, mode 0440).
// Commands are argv arrays built from names the schema has checked against USERNAME_RE; no secret is ever
// in an argv, a plan or a log line.
import { RampartError } from "../../core/errors.js";
import { USERNAME_RE } from "../../policy/schema.js";
import { which } from "../../system/exec.js";
import { type Accounts, groupsOf, ownerNames, readAccounts } from "../../facts/accounts.js";
import type { Change, CommandChange, Note, Part, PartContext, PartPlan, Refusal, Validation } from "../plan.js";
import { homeOf, keyIdentity } from "./keys.js";

export const SUDOERS_DROPIN = "/etc/sudoers.d/rampart";
const ACCOUNT_FILES = ["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/subuid", "/etc/subgid"];
const withBackups = (files: string[]) => files.flatMap((f) => [f, `${f}-`]);

function checkName(name: string): string {
  if (!USERNAME_RE.test(name)) {
    throw new RampartError("POLICY", `"${name}" is not a valid user or group name`, {
      hint: "Use lower-case letters, digits, _ and -, starting with a letter.",
    });
  }
  return name;
}

function command(argv: string[], reason: string, touches: string[], creates: string[] = []): CommandChange {
  return { kind: "command", part: "users", argv, reason, touches, creates };
}

/** The tool's argv; under --root DIR the shadow tools work inside DIR (their own --root option, a chroot). */
function tool(ctx: PartContext, name: string, ...args: string[]): string[] {
  return ctx.fs.live ? [name, ...args] : [name, "--root", ctx.fs.root, ...args];
}

/** authorized_keys content: what is there, plus every policy key not yet present (by type + blob). */
export function mergeKeys(current: string | undefined, keys: readonly string[]): string {
  const have = new Set(
    (current ?? "")
      .split("\n")
      .map(keyIdentity)
      .filter((k): k is string => !!k),
  );
  let text = current ?? "";
  if (text && !text.endsWith("\n")) text += "\n";
  for (const k of keys) {
    const id = keyIdentity(k);
    if (!id || have.has(id)) continue;
    have.add(id);
    text += `${k.trim()}\n`;
  }
  return text;
}

export function sudoersText(names: readonly string[]): string {
  return `# Managed by rampart: admins the policy lets use sudo without a password (admins[].sudoPassword: false).\n${names.map((n) => `${checkName(n)} ALL=(ALL:ALL) NOPASSWD: ALL`).join("\n")}\n`;
}

async function primaryGroup(acc: Accounts, user: string): Promise<string> {
  const u = acc.users.get(user);
  if (!u) return user; // useradd makes a group of the user's name (USERGROUPS_ENAB yes)
  return [...acc.groups.values()].find((g) => g.gid === u.gid)?.name ?? user;
}

export const usersPart: Part = {
  name: "users",
  needsConfirm: true,

  async plan(ctx: PartContext): Promise<PartPlan> {
    const acc = await readAccounts(ctx.fs);
    const changes: Change[] = [];
    const notes: Note[] = [];
    const admins = ctx.policy.admins;
    // groups first: useradd -G needs them
    const wanted = [...new Set(admins.flatMap((a) => a.groups))].map(checkName);
    for (const g of wanted) {
      if (!acc.groups.has(g))
        changes.push(command(tool(ctx, "groupadd", g), `admin group ${g} does not exist`, withBackups(["/etc/group", "/etc/gshadow"])));
    }
    for (const a of admins) {
      const name = checkName(a.name);
      if (!acc.users.has(name)) {
        const argv = tool(ctx, "useradd", "-m", "-s", a.shell);
        if (a.groups.length) argv.push("-G", a.groups.join(","));
        argv.push(name);
        changes.push(command(argv, `create admin ${name}`, [...withBackups(ACCOUNT_FILES), `/var/mail/${name}`], [`/home/${name}`]));
      } else {
        const have = groupsOf(acc, name);
        const missing = a.groups.filter((g) => !have.includes(g));
        if (missing.length)
          changes.push(
            command(
              ["usermod", "-aG", missing.join(","), name],
              `add ${name} to ${missing.join(", ")}`,
              withBackups(["/etc/group", "/etc/gshadow"]),
            ),
          );
      }
    }
    // authorized keys
    for (const a of admins) {
      if (a.keys.length === 0) continue;
      const home = homeOf(acc, a.name);
      const owner = { user: a.name, group: await primaryGroup(acc, a.name) };
      const sshDir = `${home}/.ssh`;
      const dst = await ctx.fs.stat(sshDir);
      if (!dst || (dst.mode & 0o7777) !== 0o700 || ownerNames(acc, dst.uid, dst.gid).user !== a.name) {
        changes.push({
          kind: "dir",
          part: "users",
          path: sshDir,
          mode: 0o700,
          owner,
          exists: !!dst,
          reason: `${a.name}'s ssh directory: 0700, owned by ${a.name}`,
        });
      }
      const file = `${sshDir}/authorized_keys`;
      const current = await ctx.fs.readTextIfExists(file);
      const next = mergeKeys(current, a.keys);
      const st = await ctx.fs.stat(file);
      const curOwner = st ? ownerNames(acc, st.uid, st.gid) : undefined;
      if (next !== current || !st || (st.mode & 0o7777) !== 0o600 || curOwner?.user !== a.name) {
        changes.push({
          kind: "file",
          part: "users",
          path: file,
          content: next,
          mode: 0o600,
          owner,
          before: current,
          beforeMode: st?.mode,
          beforeOwner: curOwner,
          reason: `${a.name}'s keys from the policy (existing keys are kept)`,
        });
      }
    }
    // root only through sudo
    if (admins.some((a) => a.groups.includes("sudo"))) {
      const state = acc.passwords.get("root");
      if (state === "usable" || state === "empty") {
        changes.push(
          command(tool(ctx, "passwd", "-l", "root"), "lock root's password: root only through sudo", withBackups(["/etc/shadow"])),
        );
      }
    }
    // passwordless sudo only where the policy says so
    const nopasswd = admins.filter((a) => !a.sudoPassword).map((a) => a.name);
    const current = await ctx.fs.readTextIfExists(SUDOERS_DROPIN);
    const st = await ctx.fs.stat(SUDOERS_DROPIN);
    if (nopasswd.length) {
      const text = sudoersText(nopasswd);
      if (text !== current || (st && ((st.mode & 0o7777) !== 0o440 || st.uid !== 0))) {
        changes.push({
          kind: "file",
          part: "users",
          path: SUDOERS_DROPIN,
          content: text,
          mode: 0o440,
          owner: { user: "root", group: "root" },
          before: current,
          beforeMode: st?.mode,
          reason: `sudo without a password for ${nopasswd.join(", ")} (policy: sudoPassword: false)`,
        });
      }
    } else if (current !== undefined) {
      changes.push({
        kind: "file",
        part: "users",
        path: SUDOERS_DROPIN,
        content: null,
        mode: 0o440,
        owner: { user: "root", group: "root" },
        before: current,
        reason: "no admin has sudoPassword: false any more",
      });
    }
    if (admins.length === 0)
      notes.push({ part: "users", message: "the policy names no admins: no accounts are created and root's password is left as it is" });
    return { changes, notes };
  },

  async preflight(ctx, changes): Promise<Refusal[]> {
    const refusals: Refusal[] = [];
    const mine = changes.filter((c) => c.part === "users");
    const locksRoot = mine.some((c) => c.kind === "command" && c.argv[0] === "passwd");
    if (locksRoot && ctx.live && !(await which("sudo")) && !(await ctx.fs.exists("/usr/bin/sudo"))) {
      refusals.push({
        part: "users",
        reason: "root's password would be locked but sudo is not installed: nobody could become root",
        fix: "Install sudo first (apt-get install sudo), then apply again.",
      });
    }
    const needsVisudo = mine.some((c) => c.kind === "file" && c.path === SUDOERS_DROPIN && c.content !== null);
    if (needsVisudo && !(await which("visudo"))) {
      refusals.push({
        part: "users",
        reason: "a sudoers drop-in is needed but visudo (package sudo) is not installed to check it",
        fix: "apt-get install sudo",
      });
    }
    return refusals;
  },

  async validate(ctx, candidate, changes): Promise<Validation> {
    const sudoers = changes.find((c) => c.kind === "file" && c.part === "users" && c.path === SUDOERS_DROPIN && c.content !== null);
    if (!sudoers) return { refusals: [], notes: [] };
    const r = await ctx.run(["visudo", "-c", "-q", "-f", candidate.pathOf(SUDOERS_DROPIN)], { okCodes: "any" });
    if (r.code !== 0) {
      return {
        refusals: [
          {
            part: "users",
            reason: `visudo rejects the sudoers drop-in: ${(r.stderr || r.stdout).trim().split("\n")[0]}`,
            fix: "This is a rampart bug if the policy is valid: please report it.",
          },
        ],
        notes: [],
      };
    }
    return { refusals: [], notes: [] };
  },

  async reload(): Promise<void> {
    // accounts, keys and sudoers are read at each login: nothing to reload
  },
};
