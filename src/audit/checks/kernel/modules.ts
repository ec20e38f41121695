// The shape shared by the "this kernel module cannot be loaded" checks (unused file systems, USB storage,
// FireWire, rare network protocols): each listed module must be disabled in modprobe.d — by an `install
// MODULE /bin/true` (or /bin/false) line, or where the reference accepts it, by a `blacklist MODULE` line.
// An attacker with a crafted USB stick, file system image or packet otherwise gets the kernel to load a
// rarely used, rarely audited module. File-based, so it also judges an image under --root. Most default
// installs disable none of them, so a missing line warns under the baseline profile and fails under strict.
import { disablesModule, type ModprobeConfig, modprobeConfig } from "../../../facts/modprobe.js";
import { strictOnly } from "../../profile.js";
import type { AuditContext, Check, Severity } from "../../types.js";

export interface ModuleSpec {
  id: string;
  title: string;
  severity: Severity;
  /** the modules to disable; a function when some are exempt on this host (with the reason) */
  modules(ctx: AuditContext): Promise<{ modules: string[]; exempt: Record<string, string> }>;
  /** true: `blacklist MODULE` counts as disabled (Lynis); false: only an install line does (dev-sec) */
  blacklistCounts: boolean;
  /** true: one disabled module of the list is enough (alternative names of one driver) */
  anyOf?: boolean;
  remediation: string;
  refs: string[];
}

export function describeModule(cfg: ModprobeConfig, m: string): { disabled: boolean; how: string; source?: string } {
  const inst = cfg.install(m);
  if (inst && disablesModule(inst.command)) return { disabled: true, how: `install ${m} ${inst.command}`, source: inst.source };
  const bl = cfg.blacklist(m);
  if (inst) return { disabled: false, how: `install ${m} ${inst.command} (loads something)`, source: inst.source };
  if (bl) return { disabled: false, how: `blacklist ${m} only`, source: bl.source };
  return { disabled: false, how: "not disabled" };
}

export function modulesCheck(spec: ModuleSpec): Check {
  return {
    id: spec.id,
    area: "kernel",
    title: spec.title,
    severity: spec.severity,
    remediation: spec.remediation,
    refs: spec.refs,
    strict: "every listed module disabled (a missing line fails)",
    async run(ctx) {
      const [cfg, { modules, exempt }] = await Promise.all([modprobeConfig(ctx), spec.modules(ctx)]);
      const observed: Record<string, string> = {};
      const sources: string[] = [];
      const missing: string[] = [];
      for (const m of modules) {
        const d = describeModule(cfg, m);
        const ok = d.disabled || (spec.blacklistCounts && cfg.blacklist(m) !== undefined);
        observed[m] = ok && !d.disabled ? `blacklist ${m}` : d.how;
        const src = ok && !d.disabled ? cfg.blacklist(m)?.source : d.source;
        if (ok && src) sources.push(src);
        if (!ok) missing.push(m);
      }
      for (const [m, why] of Object.entries(exempt)) observed[m] = `not required: ${why}`;
      const how = spec.blacklistCounts ? "`install MODULE /bin/true` or `blacklist MODULE`" : "`install MODULE /bin/true`";
      const expected = `${spec.anyOf ? "one of the modules" : "each module"} disabled in /etc/modprobe.d (${how})`;
      const fails = spec.anyOf ? missing.length === modules.length : missing.length > 0;
      if (fails) {
        const out = {
          status: "fail" as const,
          observed,
          expected,
          source: cfg.files.length ? cfg.files.join(", ") : "/etc/modprobe.d (no .conf file)",
          reason: `not disabled: ${missing.join(", ")}`,
        };
        return strictOnly(ctx, out, "warn");
      }
      return { status: "pass", observed, expected, source: sources.join(", ") };
    },
  };
}

const fixed = (modules: string[]) => async () => ({ modules, exempt: {} });

export const unusedFilesystems = modulesCheck({
  id: "KERN-UNUSED-FILESYSTEMS",
  title: "Rarely used file system modules cannot be loaded",
  severity: "low",
  blacklistCounts: false,
  async modules(ctx) {
    const exempt: Record<string, string> = {};
    const modules = ["cramfs", "freevxfs", "jffs2", "hfs", "hfsplus", "udf"];
    // snaps are squashfs images; an EFI system partition is vfat (the host would not boot without it)
    const [snapd, efi] = await Promise.all([ctx.fs.exists("/usr/lib/snapd/snapd"), ctx.fs.exists("/sys/firmware/efi")]);
    if (snapd) exempt.squashfs = "snapd is installed (snaps are squashfs images)";
    else modules.push("squashfs");
    if (efi || !ctx.live)
      exempt.vfat = efi ? "the host boots by EFI (the EFI system partition is vfat)" : "cannot tell EFI boot under --root";
    else modules.push("vfat");
    return { modules, exempt };
  },
  remediation:
    "Write `install cramfs /bin/true` (and the same for each listed module) to /etc/modprobe.d/dev-sec.conf; keep squashfs with snaps and vfat on EFI hosts.",
  refs: [
    "dev-sec linux-baseline os-10",
    "CIS Debian 12: Ensure cramfs/freevxfs/hfs/hfsplus/jffs2/squashfs/udf kernel modules are not available",
  ],
});

export const usbStorage = modulesCheck({
  id: "KERN-USB-STORAGE",
  title: "USB storage cannot be attached",
  severity: "low",
  blacklistCounts: true,
  modules: fixed(["usb-storage"]),
  remediation: "Write `install usb-storage /bin/true` (or `blacklist usb-storage`) to /etc/modprobe.d/usb-storage.conf.",
  refs: ["Lynis USB-1000", "CIS Debian 12: Ensure usb-storage kernel module is not available"],
});

export const firewire = modulesCheck({
  id: "KERN-FIREWIRE",
  title: "FireWire storage cannot be attached",
  severity: "low",
  blacklistCounts: true,
  anyOf: true,
  modules: fixed(["firewire-core", "firewire-ohci"]),
  remediation:
    "Write `install firewire-core /bin/true` (or `blacklist firewire-core` and `blacklist firewire-ohci`) to /etc/modprobe.d/firewire.conf.",
  refs: ["Lynis STRG-1846"],
});

export const rareProtocols = modulesCheck({
  id: "KERN-RARE-PROTOCOLS",
  title: "Rarely used network protocols (DCCP, SCTP, RDS, TIPC) cannot be loaded",
  severity: "low",
  blacklistCounts: true,
  modules: fixed(["dccp", "sctp", "rds", "tipc"]),
  remediation:
    "Write `install dccp /bin/true` (and the same for sctp, rds, tipc — keep sctp if the host speaks it) to /etc/modprobe.d/rare-protocols.conf.",
  refs: ["Lynis NETW-3200", "CIS Debian 12: Ensure dccp/sctp/rds/tipc kernel modules are not available"],
});
