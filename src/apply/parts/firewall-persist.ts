// The firewall at boot: the rendered ruleset saved under /etc/rampart/ and loaded before the network comes
// up. Where systemd is the init system, a oneshot unit `rampart-firewall.service` (DefaultDependencies=no,
// Before=network-pre.target, as Debian's nftables.service) enabled through sysinit.target.wants — named so
// the audit's FW-PERSISTED check (rampart*firewall*.service) recognises it. On ifupdown-only systems the
// guide's /etc/network/if-pre-up.d hook: a fixed script with no variables that loads a fixed file once.
// Everything here is returned as plan changes, so the transaction backs it up and a rollback removes or
// restores it with the ruleset (an unconfirmed ruleset must not come back at the next boot).
import path from "node:path";
import type { BackendName, RenderedRuleset } from "../../firewall/index.js";
import { fileOf } from "../../firewall/backend.js";
import { IPT_BUILTIN, IPT_CHAIN, IPT_JUMP_COMMENT, NFT_FAMILY, NFT_TABLE } from "../../firewall/sets.js";
import { type Change, type PartContext, rootFileChange } from "../plan.js";
import { systemdRunning } from "../../system/systemd.js";

export const PERSIST_DIR = "/etc/rampart";
export const UNIT_NAME = "rampart-firewall.service";
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
export const WANTS_DIR = "/etc/systemd/system/sysinit.target.wants";
export const UNIT_LINK = `${WANTS_DIR}/${UNIT_NAME}`;
export const IFUP_HOOK = "/etc/network/if-pre-up.d/rampart";

/** Where each rendered file is saved for the boot-time load. */
export const SAVED: Record<string, string> = {
  "rampart.nft": `${PERSIST_DIR}/firewall.nft`,
  "rampart.ipset": `${PERSIST_DIR}/firewall.ipset`,
  "rules.v4": `${PERSIST_DIR}/firewall.rules.v4`,
  "rules.v6": `${PERSIST_DIR}/firewall.rules.v6`,
};

const NFT = "/usr/sbin/nft";
const IPSET = "/usr/sbin/ipset";
const IPT = { 4: "/usr/sbin/iptables", 6: "/usr/sbin/ip6tables" } as const;

/** The commands that load the saved ruleset (argv each; fixed paths, no variables). */
export function loadCommands(backend: BackendName): string[][] {
  if (backend === "nftables") return [[NFT, "-f", SAVED["rampart.nft"] as string]];
  return [
    [IPSET, "restore", "-exist", "-file", SAVED["rampart.ipset"] as string],
    [`${IPT[4]}-restore`, "--noflush", SAVED["rules.v4"] as string],
    [`${IPT[6]}-restore`, "--noflush", SAVED["rules.v6"] as string],
  ];
}

/** Commands that remove rampart's jumps first, so loading twice keeps one jump per chain (failures ignored). */
function jumpDeletes(): string[][] {
  const out: string[][] = [];
  for (const f of [4, 6] as const) {
    for (const c of ["input", "forward", "output"] as const)
      out.push([IPT[f], "-D", IPT_BUILTIN[c], "-m", "comment", "--comment", IPT_JUMP_COMMENT, "-j", IPT_CHAIN[c]]);
  }
  return out;
}

export function unitText(backend: BackendName): string {
  const files = backend === "nftables" ? [SAVED["rampart.nft"]] : [SAVED["rampart.ipset"], SAVED["rules.v4"], SAVED["rules.v6"]];
  const lines = [
    "# Installed by rampart (`rampart apply --only firewall`): loads rampart's firewall before the network is up.",
    "# The saved ruleset is rewritten by every apply; do not edit it by hand (edit the policy).",
    "[Unit]",
    `Description=rampart firewall (${backend === "nftables" ? `table ${NFT_FAMILY} ${NFT_TABLE}` : "RAMPART-* chains and rampart_* ipsets"})`,
    `Documentation=${backend === "nftables" ? "man:nft(8)" : "man:iptables-restore(8) man:ipset(8)"}`,
    "DefaultDependencies=no",
    "Wants=network-pre.target",
    "Before=network-pre.target shutdown.target",
    "Conflicts=shutdown.target",
    ...files.map((f) => `ConditionPathExists=${f}`),
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
  ];
  if (backend === "iptables") for (const argv of jumpDeletes()) lines.push(`ExecStartPre=-${argv.join(" ")}`);
  for (const argv of loadCommands(backend)) lines.push(`ExecStart=${argv.join(" ")}`);
  lines.push("", "[Install]", "WantedBy=sysinit.target", "");
  return lines.join("\n");
}

/** The if-pre-up.d hook: loads the saved ruleset once (when rampart's table/chain is not there yet). */
export function ifupHookText(backend: BackendName): string {
  const head = [
    "#!/bin/sh",
    "# Installed by rampart (rampart apply --only firewall): loads rampart's firewall before an interface",
    "# comes up (ifupdown without systemd). Fixed commands on fixed files; runs once per boot.",
  ];
  if (backend === "nftables") {
    const file = SAVED["rampart.nft"] as string;
    return `${[
      ...head,
      `[ -r ${file} ] || exit 0`,
      `${NFT} list table ${NFT_FAMILY} ${NFT_TABLE} >/dev/null 2>&1 && exit 0`,
      `exec ${NFT} -f ${file}`,
    ].join("\n")}\n`;
  }
  const [sets, v4, v6] = loadCommands("iptables").map((a) => a.join(" "));
  return `${[
    ...head,
    `[ -r ${SAVED["rules.v4"]} ] || exit 0`,
    `${IPT[4]} -n -L ${IPT_CHAIN.input} >/dev/null 2>&1 && exit 0`,
    `${sets} || exit 1`,
    `${v4} || exit 1`,
    `exec ${v6}`,
  ].join("\n")}\n`;
}

export type InitKind = "systemd" | "ifupdown" | "none";

/** How this host (or image) starts: systemd (running, or installed), else ifupdown, else unknown. */
export async function initKind(ctx: PartContext): Promise<InitKind> {
  if (await systemdRunning(ctx.fs)) return "systemd";
  for (const p of ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"]) if (await ctx.fs.exists(p)) return "systemd";
  if ((await ctx.fs.stat("/etc/systemd/system"))?.isDirectory()) return "systemd";
  if ((await ctx.fs.exists("/etc/network/interfaces")) || (await ctx.fs.exists("/etc/network/if-pre-up.d"))) return "ifupdown";
  return "none";
}

const ROOT = { user: "root", group: "root" };

const fileChange = (ctx: PartContext, target: string, content: string, mode: number, reason: string) =>
  rootFileChange(ctx, { part: "firewall", path: target, content, mode, reason });

/** The changes that make the rendered ruleset come back at boot; notes for what cannot be done. */
export async function persistChanges(ctx: PartContext, ruleset: RenderedRuleset): Promise<{ changes: Change[]; notes: string[] }> {
  const changes: Change[] = [];
  const notes: string[] = [];
  const push = (c: Change | undefined) => {
    if (c) changes.push(c);
  };
  if (!(await ctx.fs.stat(PERSIST_DIR))?.isDirectory()) {
    changes.push({
      kind: "dir",
      part: "firewall",
      path: PERSIST_DIR,
      mode: 0o755,
      owner: ROOT,
      exists: false,
      reason: "rampart's configuration",
    });
  }
  for (const f of ruleset.files) {
    const target = SAVED[f.name];
    if (target) push(await fileChange(ctx, target, fileOf(ruleset, f.name), 0o600, `the ruleset loaded at boot (${f.loader})`));
  }
  const kind = await initKind(ctx);
  if (kind === "systemd") {
    push(await fileChange(ctx, UNIT_PATH, unitText(ruleset.backend), 0o644, "loads the saved ruleset at boot, before network-pre.target"));
    if (!(await ctx.fs.lstat(UNIT_LINK))) {
      if (!(await ctx.fs.stat(WANTS_DIR))?.isDirectory()) {
        changes.push({
          kind: "dir",
          part: "firewall",
          path: WANTS_DIR,
          mode: 0o755,
          owner: ROOT,
          exists: false,
          reason: "systemd's wants directory",
        });
      }
      if (await systemdRunning(ctx.fs)) {
        changes.push({
          kind: "command",
          part: "firewall",
          argv: ["systemctl", "enable", UNIT_NAME],
          reason: `enable ${UNIT_NAME} at boot`,
          touches: [UNIT_LINK],
          creates: [],
        });
      } else {
        // systemd is not PID 1 (a container, an image under --root): the link `systemctl enable` would make
        const link = path.join(await ctx.fs.real(WANTS_DIR), UNIT_NAME);
        changes.push({
          kind: "command",
          part: "firewall",
          argv: ["ln", "-s", UNIT_PATH, link],
          reason: `enable ${UNIT_NAME} at boot (the symlink \`systemctl enable\` makes)`,
          touches: [UNIT_LINK],
          creates: [],
        });
      }
    }
  } else if (kind === "ifupdown") {
    push(await fileChange(ctx, IFUP_HOOK, ifupHookText(ruleset.backend), 0o755, "loads the saved ruleset before an interface comes up"));
  } else {
    notes.push(
      `no systemd and no ifupdown found: the firewall is NOT loaded at boot; run \`${loadCommands(ruleset.backend)
        .map((a) => a.join(" "))
        .join(" && ")}\` from your init system`,
    );
  }
  return { changes, notes };
}
