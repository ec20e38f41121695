// The sshd facts every ssh check shares, loaded once per run through ctx.memo: is openssh-server
// installed, the parsed config (with Includes and Match blocks), the effective settings for the admin,
// root and an unknown user (sshd -T, or the parser when sshd cannot run), the installed OpenSSH
// version and whether it has strict KEX (Terrapin), and who the admins are (the ones the policy
// file names, which the caller passes in, else the members of sudo/admin/wheel).
import { promises as fsp } from "node:fs";
import { type EffectiveView, type OpenSshVersion, effectiveView, queryVersion } from "../sshd/effective.js";
import { type SshdConfig, loadSshdConfig } from "../sshd/load.js";
import type { Connection } from "../sshd/match.js";
import type { FactContext } from "./context.js";

export const SSHD_CANDIDATES = ["/usr/sbin/sshd", "/usr/bin/sshd", "/sbin/sshd", "/usr/local/sbin/sshd"];
/** A user that does not exist: what a password-guessing bot gets. */
export const UNKNOWN_USER = "rampart-no-such-user";
/** The connection's address for `sshd -T -C`: from outside (a documentation address), so `Match Address` for LANs does not apply. */
export const PROBE_ADDR = "203.0.113.1";

/** The note every ssh verdict carries when an image has sshd_config but no sshd binary. */
export const CONFIG_TREE_NOTE = "judged from the files: no sshd binary in the image";

export interface Admins {
  names: string[];
  /** where the names came from */
  from: "policy" | "/etc/group";
}

export interface SshdFacts {
  installed: boolean;
  /**
   * under --root, an sshd_config with no sshd binary beside it (a config tree, an image built in layers):
   * still judged from the files, never skipped — a skip there would read as a clean bill of health
   */
  configTree: boolean;
  /** target path of the sshd binary */
  binary?: string;
  config: SshdConfig;
  admins: Admins;
  /** effective settings for the first admin (when there is one), root and an unknown user */
  views: { label: string; view: EffectiveView }[];
  version: OpenSshVersion | undefined;
  /** the sshd binary knows kex-strict-s-v00@openssh.com (Terrapin fix); undefined = cannot tell */
  strictKex: boolean | undefined;
}

interface Account {
  name: string;
  gid: string;
}

/** Where sshd is and what its configuration files say: no sshd process is asked. */
export interface SshdInstall {
  /** target path of the sshd binary */
  binary: string | undefined;
  config: SshdConfig;
}

export function sshdInstall(ctx: FactContext): Promise<SshdInstall> {
  return ctx.memo("sshd:install", async () => {
    let binary: string | undefined;
    for (const p of SSHD_CANDIDATES) {
      if (await ctx.fs.exists(p)) {
        binary = p;
        break;
      }
    }
    return { binary, config: await loadSshdConfig(ctx.fs) };
  });
}

/** The sshd facts; `policyAdmins`: the admins a policy file names (none: sudo/admin/wheel members are probed). */
export function sshdFacts(ctx: FactContext, policyAdmins: readonly string[] = []): Promise<SshdFacts> {
  return ctx.memo(`sshd:${policyAdmins.join(",")}`, () => loadFacts(ctx, policyAdmins));
}

async function loadFacts(ctx: FactContext, policyAdmins: readonly string[]): Promise<SshdFacts> {
  const { binary, config } = await sshdInstall(ctx);
  const passwd = parseColonFile((await ctx.fs.readTextIfExists("/etc/passwd")) ?? "");
  const group = parseColonFile((await ctx.fs.readTextIfExists("/etc/group")) ?? "");
  const accounts: Account[] = passwd.map((f) => ({ name: f[0] ?? "", gid: f[3] ?? "" }));
  const groupsOf = (user: string): string[] | undefined => {
    const acc = accounts.find((a) => a.name === user);
    if (!acc) return undefined;
    const out = new Set<string>();
    for (const g of group) {
      if (g[2] === acc.gid) out.add(g[0] ?? "");
      if ((g[3] ?? "").split(",").includes(user)) out.add(g[0] ?? "");
    }
    return [...out];
  };
  const admins = adminsOf(policyAdmins, group);
  const conn = (user: string): Connection => {
    const groups = groupsOf(user);
    const c: Connection = { user, host: PROBE_ADDR, addr: PROBE_ADDR };
    if (groups) c.groups = groups;
    else c.invalidUser = true;
    return c;
  };
  const users: { label: string; user: string }[] = [];
  if (admins.names[0]) users.push({ label: `admin ${admins.names[0]}`, user: admins.names[0] });
  users.push({ label: "root", user: "root" }, { label: "unknown user", user: UNKNOWN_USER });
  const configTree = !binary && !ctx.live && config.files.has(config.main);
  const opts = { sshd: binary, live: ctx.live };
  const [views, version, strictKex] = await Promise.all([
    Promise.all(users.map(async (u) => ({ label: u.label, view: await effectiveView(ctx.run, config, conn(u.user), opts) }))),
    ctx.live ? queryVersion(ctx.run, binary) : Promise.resolve(undefined),
    binary ? binaryHasStrictKex(ctx, binary) : Promise.resolve(undefined),
  ]);
  // say in every verdict that the values come from the files alone (there is no sshd to ask)
  if (configTree) for (const v of views) v.view.note = CONFIG_TREE_NOTE;
  const facts: SshdFacts = { installed: binary !== undefined, configTree, config, admins, views, version, strictKex };
  if (binary) facts.binary = binary;
  return facts;
}

function adminsOf(policyAdmins: readonly string[], group: string[][]): Admins {
  if (policyAdmins.length > 0) return { names: [...policyAdmins], from: "policy" };
  const names: string[] = [];
  for (const g of group) {
    if (!["sudo", "admin", "wheel"].includes(g[0] ?? "")) continue;
    for (const m of (g[3] ?? "").split(",")) if (m && m !== "root" && !names.includes(m)) names.push(m);
  }
  return { names, from: "/etc/group" };
}

/** Fields of a colon-separated file (/etc/passwd, /etc/group); comments and blank lines skipped. */
export function parseColonFile(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

/** Debian and Ubuntu backport the Terrapin fix without changing the version: look for the marker itself. */
async function binaryHasStrictKex(ctx: FactContext, binary: string): Promise<boolean | undefined> {
  try {
    const buf = await fsp.readFile(await ctx.fs.real(binary));
    return buf.includes("kex-strict-s-v00@openssh.com");
  } catch {
    return undefined;
  }
}
