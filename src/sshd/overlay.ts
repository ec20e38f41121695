// Candidate files over a real tree: `loadSshdConfig(new OverlayFs(fs, {"/etc/ssh/sshd_config.d/00-rampart.conf":
// text}))` shows what sshd would read after a change, without writing anything (plan and preflight use it).
// A value of `null` hides a file (a planned removal).
import path from "node:path";
import type { ConfigFs } from "./patterns.js";

const fileStat = { isFile: () => true, isDirectory: () => false };
const dirStat = { isFile: () => false, isDirectory: () => true };

export class OverlayFs implements ConfigFs {
  private readonly files: Map<string, string | null>;

  constructor(
    private readonly base: ConfigFs,
    files: Record<string, string | null>,
  ) {
    this.files = new Map(Object.entries(files).map(([p, t]) => [path.posix.normalize(p), t]));
  }

  async readTextIfExists(target: string): Promise<string | undefined> {
    const t = this.files.get(path.posix.normalize(target));
    if (t === null) return undefined;
    return t ?? this.base.readTextIfExists(target);
  }

  async exists(target: string): Promise<boolean> {
    return (await this.stat(target)) !== undefined;
  }

  async stat(target: string): Promise<{ isFile(): boolean; isDirectory(): boolean } | undefined> {
    const n = path.posix.normalize(target);
    const t = this.files.get(n);
    if (t === null) return undefined;
    if (t !== undefined) return fileStat;
    const st = await this.base.stat(target);
    if (st) return st;
    for (const [p, v] of this.files) if (v !== null && p.startsWith(`${n}/`)) return dirStat;
    return undefined;
  }

  async list(target: string): Promise<string[]> {
    const n = path.posix.normalize(target);
    const names = new Set(await this.base.list(target));
    for (const [p, v] of this.files) {
      if (path.posix.dirname(p) !== n) continue;
      if (v === null) names.delete(path.posix.basename(p));
      else names.add(path.posix.basename(p));
    }
    return [...names].sort();
  }
}
