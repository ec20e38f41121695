// Part `sysctl`: the recommended kernel settings (the same list the audit checks) plus the policy's
// overrides in rampart's own /etc/sysctl.d/60-rampart.conf, and loaded at runtime too — a KernelChange whose
// snapshot is the current values of exactly the keys it writes, so a rollback puts them back. Keys the
// running kernel does not have are left out with a note; forwarding stays on for routing/container hosts.
// Network settings can cut remote access (rp_filter on a multi-homed host, IPv6 off), so the apply is kept
// only after `rampart confirm`.
import path from "node:path";
import { persistedSysctl } from "../../facts/sysctl.js";
import { forwardingContext } from "../../facts/forwarding.js";
import {
  type Change,
  type KernelChange,
  type Note,
  type Part,
  type PartContext,
  type PartPlan,
  type Refusal,
  partFacts,
  rootFileChange,
} from "../plan.js";
import { type NetnsScope, loadableLive, netnsScope, readRuntime, writeRuntime } from "./sysctl-runtime.js";
import { designSysctl, IPV6_OFF_KEYS, renderSysctlFile, SYSCTL_FILE, type SysctlSetting } from "./sysctl-values.js";

const PART = "sysctl";
const RUNTIME_KEY = "sysctl:runtime";

/** Which keys the target's kernel has: live /proc/sys, an image's own proc/sys when present, else unknown. */
async function kernelHas(ctx: PartContext): Promise<((key: string) => Promise<boolean>) | undefined> {
  if (!ctx.live && !(await ctx.fs.stat("/proc/sys"))?.isDirectory()) return undefined;
  return async (key) => (await readRuntime(ctx.fs, key)) !== undefined;
}

/** The settings to write, with notes; shared by plan and the runtime change. */
async function wanted(ctx: PartContext): Promise<{ settings: SysctlSetting[]; notes: string[] }> {
  const facts = partFacts(ctx);
  const design = designSysctl(
    ctx.policy,
    await forwardingContext(facts, { ipForward: ctx.policy.sysctl.ipForward, forward: ctx.policy.firewall.forward }),
  );
  const notes = [...design.notes];
  const has = await kernelHas(ctx);
  if (!has) {
    if (design.settings.length)
      notes.push("cannot tell which keys the image's kernel has (no proc/sys under --root): every key is written");
    return { settings: design.settings, notes };
  }
  const settings: SysctlSetting[] = [];
  const missing: string[] = [];
  for (const s of design.settings) {
    if (await has(s.key)) settings.push(s);
    else missing.push(s.key);
  }
  if (missing.length) notes.push(`not in this kernel, left out of ${path.posix.basename(SYSCTL_FILE)}: ${missing.join(", ")}`);
  return { settings, notes };
}

/** Later sysctl.d files (or /etc/sysctl.conf) that would set a key back at boot. */
async function laterOverrides(ctx: PartContext, settings: readonly SysctlSetting[]): Promise<string[]> {
  const persisted = await persistedSysctl(partFacts(ctx));
  const ours = path.posix.basename(SYSCTL_FILE);
  const out: string[] = [];
  for (const s of settings) {
    const a = persisted.get(s.key);
    if (!a || a.value === s.value) continue;
    const file = a.source.slice(0, a.source.lastIndexOf(":"));
    if (file === SYSCTL_FILE) continue;
    if (file === "/etc/sysctl.conf" || path.posix.basename(file) > ours) {
      out.push(`${a.source} sets ${s.key} = ${a.value} after ${ours}: the next boot uses that value (fix or remove that line)`);
    }
  }
  return out;
}

function runtimeChange(settings: SysctlSetting[], current: Map<string, string>, scope: NetnsScope): KernelChange {
  const keys = settings.map((s) => s.key);
  return {
    kind: "kernel",
    part: PART,
    key: RUNTIME_KEY,
    summary: `load ${settings.length} kernel setting${settings.length === 1 ? "" : "s"} at runtime (/proc/sys)`,
    detail: settings.map((s) => `${s.key}: ${current.get(s.key) ?? "?"} → ${s.value}`).join("\n"),
    async snapshot(ctx) {
      const values: Record<string, string> = {};
      for (const k of keys) {
        const v = await readRuntime(ctx.fs, k);
        if (v !== undefined) values[k] = v;
      }
      return `${JSON.stringify({ version: 1, values })}\n`;
    },
    async apply(ctx) {
      // disable_ipv6 last: the IPv6 keys above it are still there to set
      const ordered = [...settings.filter((s) => !isIpv6Off(s.key)), ...settings.filter((s) => isIpv6Off(s.key))];
      const r = await writeRuntime(ctx.fs, ordered, scope);
      if (r.readOnly.length) ctx.log.warn(`read-only at runtime (set at the next boot by ${SYSCTL_FILE}): ${r.readOnly.join(", ")}`);
    },
  };
}

const isIpv6Off = (key: string) => (IPV6_OFF_KEYS as readonly string[]).includes(key);

export const sysctlPart: Part = {
  name: PART,
  needsConfirm: true,

  async plan(ctx): Promise<PartPlan> {
    const notes: Note[] = [];
    const note = (message: string) => notes.push({ part: PART, message });
    const { settings, notes: n } = await wanted(ctx);
    n.forEach(note);
    const changes: Change[] = [];
    const text = settings.length ? renderSysctlFile(settings) : null;
    const file = await rootFileChange(ctx, {
      part: PART,
      path: SYSCTL_FILE,
      content: text,
      mode: 0o644,
      reason:
        text === null
          ? "the policy sets no kernel parameters (sysctl: none)"
          : "recommended kernel settings and the policy's overrides, for every boot",
    });
    if (file) changes.push(file);
    for (const m of await laterOverrides(ctx, settings)) note(m);
    if (!ctx.live) {
      if (settings.length) note("under --root the settings are only written to the file: the image's kernel loads them at boot");
      return { changes, notes };
    }
    const scope = await netnsScope();
    const current = new Map<string, string>();
    const live: SysctlSetting[] = [];
    const persistOnly: string[] = [];
    for (const s of settings) {
      if (!loadableLive(s.key, scope)) {
        persistOnly.push(s.key);
        continue;
      }
      const v = await readRuntime(ctx.fs, s.key);
      if (v === undefined) continue;
      current.set(s.key, v);
      if (v !== s.value) live.push(s);
    }
    if (persistOnly.length) {
      const why =
        scope === "netns"
          ? "this is not the machine's own network namespace (a container or lab host)"
          : "cannot tell whether this is the machine's own network namespace (/proc/1/ns/net unreadable)";
      note(`machine-wide keys are not loaded at runtime because ${why}; the file sets them at the next boot: ${persistOnly.join(", ")}`);
    }
    if (live.length) changes.push(runtimeChange(live, current, scope));
    return { changes, notes };
  },

  async preflight(ctx, changes): Promise<Refusal[]> {
    if (!changes.some((c) => c.part === PART) || !ctx.policy.sysctl.disableIpv6) return [];
    const addr = ctx.session.clientAddr;
    if (addr?.includes(":") && !addr.toLowerCase().startsWith("::ffff:")) {
      return [
        {
          part: PART,
          reason: `you are connected over IPv6 (${addr}) and sysctl.disableIpv6 would turn IPv6 off: this session and new logins over IPv6 would be cut`,
          fix: "Connect over IPv4 and apply again, or set sysctl.disableIpv6: false.",
        },
      ];
    }
    return [];
  },

  async validate() {
    return { refusals: [], notes: [] };
  },

  async reload() {
    // the runtime values are loaded by the KernelChange (and put back by restore on rollback)
  },

  async restore(ctx, key, snapshot) {
    if (key !== RUNTIME_KEY || !ctx.live) return;
    const parsed = JSON.parse(snapshot) as { values?: Record<string, string> };
    const values = Object.entries(parsed.values ?? {}).map(([k, value]) => ({ key: k, value }));
    const r = await writeRuntime(ctx.fs, values, await netnsScope());
    if (r.readOnly.length) ctx.log.warn(`could not restore at runtime (read-only): ${r.readOnly.join(", ")}`);
  },
};
