// The text of rampart's two APT drop-ins for automatic updates, for the running distribution: the
// 20auto-upgrades equivalent (APT::Periodic: refresh the lists and run unattended-upgrades daily) and a
// 50unattended-upgrades complement with the security origin of Debian or Ubuntu (apt appends list values, so
// the distribution's own 50unattended-upgrades keeps working), plus the optional automatic-reboot window.
// The distribution comes from /etc/os-release under the root (`${distro_codename}` stays apt's variable).
import type { Policy } from "../../policy/schema.js";
import type { HostFs } from "../../system/hostfs.js";

export const PERIODIC_FILE = "/etc/apt/apt.conf.d/20rampart-auto-upgrades";
export const ORIGINS_FILE = "/etc/apt/apt.conf.d/52rampart-unattended-upgrades";

export type Family = "debian" | "ubuntu";

export interface OsRelease {
  id: string;
  idLike: string[];
  codename: string | undefined;
  pretty: string;
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const l = raw.trim();
    const eq = l.indexOf("=");
    if (l.startsWith("#") || eq < 1) continue;
    let v = l.slice(eq + 1).trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[l.slice(0, eq)] = v.replace(/\\(["'$`\\])/g, "$1");
  }
  return out;
}

export async function readOsRelease(fs: HostFs): Promise<OsRelease | undefined> {
  const text = (await fs.readTextIfExists("/etc/os-release")) ?? (await fs.readTextIfExists("/usr/lib/os-release"));
  if (text === undefined) return undefined;
  const f = parseOsRelease(text);
  return {
    id: (f.ID ?? "").toLowerCase(),
    idLike: (f.ID_LIKE ?? "").toLowerCase().split(/\s+/).filter(Boolean),
    codename: f.VERSION_CODENAME || f.UBUNTU_CODENAME || undefined,
    pretty: f.PRETTY_NAME ?? f.NAME ?? f.ID ?? "unknown",
  };
}

/** Which origin syntax the distribution uses; undefined for non-Debian families. */
export function familyOf(os: OsRelease): Family | undefined {
  if (os.id === "ubuntu" || os.idLike.includes("ubuntu")) return "ubuntu";
  if (os.id === "debian" || os.idLike.includes("debian")) return "debian";
  return undefined;
}

export function periodicText(): string {
  return [
    "// Managed by rampart (policy updates.automatic): apt's daily timers refresh the package lists and run",
    "// unattended-upgrades. `rampart apply --only updates` rewrites this file; `updates.automatic: off` removes it.",
    'APT::Periodic::Update-Package-Lists "1";',
    'APT::Periodic::Unattended-Upgrade "1";',
    "",
  ].join("\n");
}

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: ${distro_id} and ${distro_codename} are apt's own variables */
const ORIGINS: Record<Family, { key: string; security: string[]; all: string[] }> = {
  debian: {
    key: "Unattended-Upgrade::Origins-Pattern",
    security: ["origin=Debian,codename=${distro_codename}-security,label=Debian-Security"],
    all: ["origin=Debian,codename=${distro_codename},label=Debian", "origin=Debian,codename=${distro_codename}-updates"],
  },
  ubuntu: {
    key: "Unattended-Upgrade::Allowed-Origins",
    security: [
      "${distro_id}:${distro_codename}-security",
      "${distro_id}ESMApps:${distro_codename}-apps-security",
      "${distro_id}ESM:${distro_codename}-infra-security",
    ],
    all: ["${distro_id}:${distro_codename}", "${distro_id}:${distro_codename}-updates"],
  },
};
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: ok */

export function originsText(family: Family, updates: Policy["updates"]): string {
  const o = ORIGINS[family];
  const list = updates.automatic === "all" ? [...o.security, ...o.all] : o.security;
  const lines = [
    "// Managed by rampart (policy updates): what unattended-upgrades installs, in addition to the distribution's",
    "// 50unattended-upgrades (apt appends lists). `rampart apply --only updates` rewrites this file.",
    `${o.key} {`,
    ...list.map((v) => `        "${v}";`),
    "};",
  ];
  if (updates.reboot.enabled) {
    lines.push(
      "// reboot by itself when an update needs it (/var/run/reboot-required), at this local time",
      'Unattended-Upgrade::Automatic-Reboot "true";',
      `Unattended-Upgrade::Automatic-Reboot-Time "${updates.reboot.time}";`,
    );
  }
  return `${lines.join("\n")}\n`;
}
