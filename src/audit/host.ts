// Who is being audited: host name, OS (PRETTY_NAME of /etc/os-release) and running kernel. Live, the
// kernel and host name come from the running system (no `uname` process needed); for an image under
// --root they come from its files, and the kernel is unknown (null).
import os from "node:os";
import type { HostFs } from "../system/hostfs.js";

export interface HostInfo {
  hostname: string;
  os: string;
  kernel: string | null;
}

export async function hostInfo(fs: HostFs, live: boolean): Promise<HostInfo> {
  const [osRelease, hostnameFile] = await Promise.all([
    fs.readTextIfExists("/etc/os-release").catch(() => undefined),
    live ? Promise.resolve(undefined) : fs.readTextIfExists("/etc/hostname").catch(() => undefined),
  ]);
  return {
    hostname: live ? os.hostname() : (hostnameFile?.trim().split("\n")[0] ?? "unknown"),
    os: prettyName(osRelease ?? "") ?? "unknown",
    kernel: live ? os.release() : null,
  };
}

/** PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" → Debian GNU/Linux 12 (bookworm) */
export function prettyName(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const m = /^PRETTY_NAME=(.*)$/.exec(line.trim());
    if (m) return (m[1] ?? "").replace(/^(["'])(.*)\1$/, "$2");
  }
  return undefined;
}
