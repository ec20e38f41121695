// Just enough of fail2ban's configuration reader to know what its sshd jail will do: the INI files in
// fail2ban's own order (paths-common.conf, paths-<distro>.conf, jail.conf, jail.d/*.conf, jail.local,
// jail.d/*.local; later wins), with %(name)s and %(section/name)s interpolation, and the file:line of the
// value that won. Full filter handling lives in the guard's fail2ban import, not here.
import type { AuditContext } from "../../types.js";

export interface IniValue {
  value: string;
  source: string;
}
export type Ini = Map<string, Map<string, IniValue>>;

const DIR = "/etc/fail2ban";

export async function readFail2banJails(ctx: AuditContext): Promise<{ ini: Ini; files: string[] } | undefined> {
  if (!(await ctx.fs.exists(`${DIR}/jail.conf`)) && !(await ctx.fs.exists(`${DIR}/jail.local`))) return undefined;
  const jd = await ctx.fs.list(`${DIR}/jail.d`);
  const order = [
    `${DIR}/paths-common.conf`,
    `${DIR}/paths-debian.conf`,
    `${DIR}/paths-overrides.local`,
    `${DIR}/jail.conf`,
    ...jd.filter((n) => n.endsWith(".conf")).map((n) => `${DIR}/jail.d/${n}`),
    `${DIR}/jail.local`,
    ...jd.filter((n) => n.endsWith(".local")).map((n) => `${DIR}/jail.d/${n}`),
  ];
  const ini: Ini = new Map();
  const files: string[] = [];
  for (const f of order) {
    const text = await ctx.fs.readTextIfExists(f);
    if (text === undefined) continue;
    files.push(f);
    parseIni(text, f, ini);
  }
  return { ini, files };
}

export function parseIni(text: string, file: string, ini: Ini): void {
  let section: Map<string, IniValue> | undefined;
  let last: { v: IniValue } | undefined;
  text.split("\n").forEach((raw, i) => {
    if (/^\s*[#;]/.test(raw) || raw.trim() === "") {
      last = undefined;
      return;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (sec) {
      const name = sec[1] as string;
      section = ini.get(name) ?? new Map();
      ini.set(name, section);
      last = undefined;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.v.value += `\n${raw.trim()}`; // continuation line (multi-line logpath)
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv || !section) return;
    const v = { value: (kv[2] ?? "").replace(/\s+[#;].*$/, "").trim(), source: `${file}:${i + 1}` };
    section.set((kv[1] ?? "").trim(), v);
    last = { v };
  });
}

/** A value of a jail, falling back to [DEFAULT], with interpolation. */
export function jailValue(ini: Ini, jail: string, key: string): IniValue | undefined {
  const raw = ini.get(jail)?.get(key) ?? ini.get("DEFAULT")?.get(key);
  if (!raw) return undefined;
  return { value: interpolate(ini, jail, raw.value, 0), source: raw.source };
}

function interpolate(ini: Ini, jail: string, value: string, depth: number): string {
  if (depth > 10) return value;
  return value.replace(/%\(([^)]+)\)s/g, (whole, name: string) => {
    const slash = name.indexOf("/");
    const sec = slash === -1 ? jail : name.slice(0, slash) === "default" ? "DEFAULT" : name.slice(0, slash);
    const key = slash === -1 ? name : name.slice(slash + 1);
    const v = ini.get(sec)?.get(key) ?? ini.get("DEFAULT")?.get(key);
    return v ? interpolate(ini, jail, v.value, depth + 1) : whole;
  });
}
