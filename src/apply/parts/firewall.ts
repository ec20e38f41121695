// Part `firewall`: the policy's ruleset loaded into the kernel (one KernelChange: snapshot = the backend's
// snapshot, apply = backend.load, restore = backend.restore — so the shared transaction's timer, boot
// re-arm and confirm cover it like any file), plus the files that load it again at boot
// (firewall-persist.ts). The plan shows the diff between what is loaded now and the rendered ruleset, both
// in the kernel's own spelling (firewall-state.ts), or the full ruleset on a first apply; equal means no
// change. Anti-lockout: the port sshd really listens on stays open to the applying admin's address
// (compile's anti-lockout rule) unless the policy says keepAdminSession: false, and then the apply is
// refused when no inbound rule admits that address; listening services nobody could reach are noted.
// firewall.ipv6: false is refused while an admin comes over IPv6 (this session, or an SSH rule's source).
import { readFileSync } from "node:fs";
import { RampartError, messageOf } from "../../core/errors.js";
import { tryParseCidr, tryParseIp } from "../../core/ip.js";
import { parseProcNet } from "../../facts/listening.js";
import {
  type BackendName,
  type FirewallPolicy,
  type FirewallSnapshot,
  NFT_FAMILY,
  NFT_TABLE,
  type RenderedRuleset,
  type RuleModel,
  compile,
  createBackend,
  renderedText,
} from "../../firewall/index.js";
import { portRange } from "../../firewall/services.js";
import { unifiedDiff } from "../diff.js";
import type { Change, KernelChange, Note, Part, PartContext, PartPlan, Refusal, Validation } from "../plan.js";
import { admits } from "./firewall-reach.js";
import { persistChanges, SAVED } from "./firewall-persist.js";
import { loadedState, rehearse } from "./firewall-state.js";

const PART = "firewall";

interface Planned {
  backend: BackendName;
  model: RuleModel;
  ruleset: RenderedRuleset;
  adminSource: string | undefined;
  sshPort: number | undefined;
  sshPortSource: string;
  /** the rendered ruleset in the kernel's spelling, from the scratch namespace (undefined: could not rehearse) */
  rehearsed: string | undefined;
  rehearsalError: string | undefined;
  /** the rehearsal failed because no scratch namespace could be made (not because the ruleset is bad) */
  noScratch: boolean;
}

// plan → preflight → validate run in one process on the same context: compute once
const cache = new WeakMap<PartContext, Planned>();

/** The port of the applying SSH session (SSH_CONNECTION's 4th field), else sshd's own (`sshd -T`) if it listens. */
async function sshPortOf(ctx: PartContext): Promise<{ port: number | undefined; source: string }> {
  const fromSession = Number(ctx.session.sshConnection?.split(" ")[3]);
  if (Number.isInteger(fromSession) && fromSession > 0 && fromSession < 65536) return { port: fromSession, source: "SSH_CONNECTION" };
  if (!ctx.live) return { port: undefined, source: "policy" };
  const r = await ctx.run(["/usr/sbin/sshd", "-T"], { okCodes: "any", timeoutMs: 5000 }).catch(() => undefined);
  const ports = [...(r?.stdout ?? "").matchAll(/^port (\d+)$/gm)].map((m) => Number(m[1]));
  if (ports.length === 0) return { port: undefined, source: "policy" };
  const listening = new Set(tcpListening().map((s) => s.port));
  return { port: ports.find((p) => listening.has(p)) ?? ports[0], source: "sshd -T" };
}

/** Listening sockets of this network namespace (/proc/net). */
function tcpListening(): ReturnType<typeof parseProcNet> {
  const out: ReturnType<typeof parseProcNet> = [];
  for (const [file, proto, family] of [
    ["/proc/net/tcp", "tcp", 4],
    ["/proc/net/tcp6", "tcp", 6],
    ["/proc/net/udp", "udp", 4],
    ["/proc/net/udp6", "udp", 6],
  ] as const) {
    try {
      out.push(...parseProcNet(readFileSync(file, "latin1"), file, proto, family));
    } catch {}
  }
  return out;
}

async function planned(ctx: PartContext): Promise<Planned> {
  const hit = cache.get(ctx);
  if (hit) return hit;
  const fw = ctx.policy.firewall;
  const adminSource = ctx.session.clientAddr && tryParseIp(ctx.session.clientAddr).ok ? ctx.session.clientAddr : undefined;
  const { port: sshPort, source: sshPortSource } = await sshPortOf(ctx);
  const model = compile(ctx.policy, { adminSource, sshPort });
  const backend = fw.backend;
  const ruleset = createBackend(backend, ctx.run).render(model);
  let rehearsed: string | undefined;
  let rehearsalError: string | undefined;
  let noScratch = false;
  if (ctx.live) {
    try {
      rehearsed = (await rehearse(ctx.run, backend, ruleset)).state;
    } catch (e) {
      rehearsalError = messageOf(e);
      noScratch = e instanceof RampartError && e.code === "EXEC" && /scratch network namespace/.test(e.message);
    }
  }
  const p: Planned = { backend, model, ruleset, adminSource, sshPort, sshPortSource, rehearsed, rehearsalError, noScratch };
  cache.set(ctx, p);
  return p;
}

function kernelChange(p: Planned, current: string | undefined): KernelChange {
  const label = p.backend === "nftables" ? `table ${NFT_FAMILY} ${NFT_TABLE}` : "RAMPART-* chains and rampart_* ipsets";
  const detail =
    current === undefined
      ? renderedText(p.ruleset).trimEnd()
      : unifiedDiff(current, p.rehearsed ?? renderedText(p.ruleset), "", {
          oldLabel: `${label} (loaded now)`,
          newLabel: `${label} (from the policy)`,
        }).trimEnd();
  return {
    kind: "kernel",
    part: PART,
    key: p.backend === "nftables" ? `nft:table ${NFT_FAMILY} ${NFT_TABLE}` : "iptables:RAMPART",
    summary: `${current === undefined ? "load" : "replace"} ${label} (${p.backend}, one transaction${p.backend === "iptables" ? " per family" : ""})`,
    detail,
    async snapshot(ctx) {
      return JSON.stringify(await createBackend(p.backend, ctx.run).snapshot());
    },
    async apply(ctx) {
      await createBackend(p.backend, ctx.run).load(p.ruleset);
    },
  };
}

/** Listening services (not loopback) that no inbound rule would admit from anywhere. */
function unreachableNotes(p: Planned): Note[] {
  const notes: Note[] = [];
  const seen = new Set<string>();
  for (const s of tcpListening()) {
    if (s.address.startsWith("127.") || s.address === "::1") continue;
    if (s.proto === "udp" && (s.port === 68 || s.port === 546)) continue; // DHCP clients: replies come back as established
    const fam = s.family === 6 && s.address === "::" ? [4, 6] : [s.family];
    for (const family of fam as (4 | 6)[]) {
      if (family === 6 && !p.model.ipv6) continue;
      const key = `${s.proto}/${s.port}/v${family}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const v = admits(p.model, { family, proto: s.proto, port: s.port });
      const where = `${s.proto}/${s.port} (listening on ${s.address}, IPv${family})`;
      if (!v.admitted) notes.push({ part: PART, message: `${where} would be unreachable: no inbound rule admits it (${v.by})` });
      else if (v.onlyFrom && /anti-lockout/.test(v.by))
        notes.push({ part: PART, message: `${where} stays reachable only from ${v.onlyFrom.join(", ")} (${v.by})` });
    }
  }
  return notes;
}

export const firewallPart: Part = {
  name: PART,
  needsConfirm: true,

  async plan(ctx): Promise<PartPlan> {
    const fw = ctx.policy.firewall;
    if (!fw.enabled) {
      return { changes: [], notes: [{ part: PART, message: "firewall.enabled is false: rampart's firewall is left as it is" }] };
    }
    const p = await planned(ctx);
    const notes: Note[] = [];
    const changes: Change[] = [];
    if (ctx.live) {
      const current = await loadedState(ctx.run, p.backend);
      if (p.rehearsed === undefined || current !== p.rehearsed) changes.push(kernelChange(p, current));
      const other: BackendName = p.backend === "nftables" ? "iptables" : "nftables";
      if ((await loadedState(ctx.run, other).catch(() => undefined)) !== undefined) {
        notes.push({ part: PART, message: `rampart's ${other} firewall is also loaded; it is not removed by this apply` });
      }
      notes.push(...unreachableNotes(p));
      if (p.adminSource && fw.keepAdminSession) {
        notes.push({
          part: PART,
          message: `anti-lockout: tcp/${p.sshPort ?? ctx.policy.ssh.port ?? 22} stays open to ${p.adminSource} (your session; port from ${p.sshPortSource})`,
        });
      }
    } else {
      notes.push({ part: PART, message: "--root: the ruleset is saved for the next boot; the running kernel is not changed" });
    }
    const persist = await persistChanges(ctx, p.ruleset);
    changes.push(...persist.changes);
    notes.push(...persist.notes.map((message) => ({ part: PART, message })));
    return { changes, notes };
  },

  async preflight(ctx, changes): Promise<Refusal[]> {
    if (!changes.some((c) => c.part === PART && c.kind === "kernel")) return [];
    const p = await planned(ctx);
    const v6off = ipv6OffRefusals(ctx.policy, p.adminSource, p.sshPort);
    if (v6off.length) return v6off;
    const fw = ctx.policy.firewall;
    if (fw.keepAdminSession || !p.adminSource) return [];
    const ip = tryParseIp(p.adminSource);
    if (!ip.ok) return [];
    const port = p.sshPort ?? ctx.policy.ssh.port ?? 22;
    const v = admits(p.model, {
      family: ip.value.family,
      proto: "tcp",
      port,
      saddr: p.adminSource,
      iif: await routeDev(ctx, p.adminSource),
    });
    if (v.admitted) return [];
    return [
      {
        part: PART,
        reason: `new SSH connections from your address ${p.adminSource} to tcp/${port} would be dropped (${v.by}), and firewall.keepAdminSession is false: you could not log in again to confirm`,
        fix: `Add an inbound rule that admits ${p.adminSource} (e.g. { service: ssh, from: [${p.adminSource}] }), or set firewall.keepAdminSession: true.`,
      },
    ];
  },

  async validate(ctx, _candidate, changes): Promise<Validation> {
    if (!changes.some((c) => c.part === PART && c.kind === "kernel")) return { refusals: [], notes: [] };
    const p = await planned(ctx);
    if (p.rehearsed !== undefined) return { refusals: [], notes: [] };
    const refuse = (reason: string, fix = "See `rampart firewall render`; nothing was loaded."): Validation => ({
      refusals: [{ part: PART, reason, fix }],
      notes: [],
    });
    if (!p.noScratch) return refuse(p.rehearsalError ?? "the ruleset could not be rehearsed");
    // no scratch namespace (not root?): nft -c has no side effects; the iptables check would create ipsets
    if (p.backend === "iptables") {
      return refuse(
        `the iptables ruleset could not be checked: ${p.rehearsalError}`,
        "Run as root (the check loads the ruleset into a throwaway network namespace).",
      );
    }
    try {
      await createBackend(p.backend, ctx.run).check(p.ruleset);
      return { refusals: [], notes: [{ part: PART, message: `checked with nft -c only (${p.rehearsalError})` }] };
    } catch (e) {
      return refuse(messageOf(e));
    }
  },

  async reload(): Promise<void> {
    // the kernel change is the reload: nothing runs from the saved files until the next boot
  },

  async restore(ctx, key, snapshot): Promise<void> {
    let snap: FirewallSnapshot;
    try {
      snap = JSON.parse(snapshot) as FirewallSnapshot;
    } catch (e) {
      throw new RampartError("STATE", `the firewall snapshot ${key} is damaged: ${messageOf(e)}`, {
        hint: "Restore the ruleset by hand from the backup's kernel/ file.",
      });
    }
    if (snap.backend !== "nftables" && snap.backend !== "iptables") {
      throw new RampartError("STATE", `the firewall snapshot ${key} names an unknown backend`, { hint: "Restore the ruleset by hand." });
    }
    await createBackend(snap.backend, ctx.run).restore(snap);
  },

  // a rollback that cannot put the firewall back must not leave the admin behind rules nobody confirmed, now
  // or after a reboot: rampart's rules go, and so does the saved-for-boot ruleset when it is still the new one
  async failOpen(ctx, failed): Promise<string[]> {
    const did: string[] = [];
    const lost: BackendName[] = [];
    if (failed === "all") {
      // the backup's manifest is lost: whichever backend has rampart's rules loaded now
      for (const b of ["nftables", "iptables"] as const)
        if ((await loadedState(ctx.run, b).catch(() => undefined)) !== undefined) lost.push(b);
    } else {
      for (const key of failed.kernel) {
        if (key.startsWith("nft:")) lost.push("nftables");
        if (key.startsWith("iptables:")) lost.push("iptables");
      }
    }
    for (const backend of new Set(lost)) {
      await createBackend(backend, ctx.run)
        .failOpen()
        .then(
          () => did.push(`its ${backend} snapshot is lost: failed open (rampart's ${backend} rules are removed)`),
          (e) => did.push(`its ${backend} snapshot is lost, and failing open failed too: ${messageOf(e)}`),
        );
    }
    const saved = Object.values(SAVED);
    if (failed === "all" || failed.files.some((f) => saved.includes(f))) {
      const removed: string[] = [];
      const left: string[] = [];
      for (const f of saved) {
        if (!(await ctx.fs.lstat(f))) continue;
        await ctx.fs.remove(f).then(
          () => removed.push(ctx.fs.display(f)),
          (e) => left.push(`${ctx.fs.display(f)} (${messageOf(e)})`),
        );
      }
      did.push(
        left.length
          ? `the ruleset saved for boot could not be put back, nor removed: ${left.join(", ")} — remove it by hand before the next boot`
          : `the ruleset saved for boot could not be put back: removed ${removed.join(", ") || "nothing"} (the next boot loads no rampart firewall)`,
      );
    }
    return did;
  },
};

/**
 * firewall.ipv6: false drops IPv6, so an admin who comes over IPv6 — this session (the same address
 * sysctl.disableIpv6's refusal reads) or a source the policy's SSH rules list — could not log in again:
 * the anti-lockout rule keeps only this session's address, and compile leaves IPv6 sources out.
 */
export function ipv6OffRefusals(policy: FirewallPolicy, adminSource: string | undefined, sessionPort: number | undefined): Refusal[] {
  const fw = policy.firewall;
  if (fw.ipv6) return [];
  const refusals: Refusal[] = [];
  const admin = adminSource === undefined ? undefined : tryParseIp(adminSource);
  if (admin?.ok && admin.value.family === 6) {
    refusals.push({
      part: PART,
      reason: `you are connected over IPv6 (${adminSource}) and the policy's firewall.ipv6: false would drop IPv6: you could not log in again over IPv6 to confirm, nor later`,
      fix: "Connect over IPv4 and apply again, or keep firewall.ipv6: true.",
    });
  }
  const sshPorts = [policy.ssh.port ?? sessionPort ?? 22, sessionPort ?? policy.ssh.port ?? 22];
  fw.inbound.forEach((rule, i) => {
    const ssh =
      rule.service === "ssh" ||
      (rule.proto !== "udp" && (rule.ports ?? []).map(portRange).some((r) => sshPorts.some((n) => r.from <= n && n <= r.to)));
    if (!ssh) return;
    (rule.from ?? []).forEach((text, j) => {
      const c = tryParseCidr(text);
      if (!c.ok || c.value.family !== 6) return;
      refusals.push({
        part: PART,
        reason: `firewall.inbound[${i}].from[${j}] admits SSH from ${text} (IPv6) while the policy says firewall.ipv6: false, which drops all IPv6: an admin there could not log in`,
        fix: `Keep firewall.ipv6: true, or remove ${text} from firewall.inbound[${i}].from and connect over IPv4.`,
      });
    });
  });
  return refusals;
}

/** The interface a reply to `addr` leaves by (= where its packets arrive), from `ip route get`. */
async function routeDev(ctx: PartContext, addr: string): Promise<string | undefined> {
  const r = await ctx.run(["ip", "-j", "route", "get", addr], { okCodes: "any", timeoutMs: 5000 }).catch(() => undefined);
  if (r?.code !== 0) return undefined;
  try {
    const routes = JSON.parse(r.stdout) as { dev?: string }[];
    return routes[0]?.dev;
  } catch {
    return undefined;
  }
}
