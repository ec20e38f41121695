// Listening sockets of the running system, from /proc/net/{tcp,tcp6,udp,udp6} (what `ss -ltnu` shows,
// without starting a process). A TCP socket listens in state 0A (LISTEN); a UDP socket is "listening" when
// it is bound and unconnected (state 07 with a zero remote address). Only the sockets of the network
// namespace rampart runs in are visible. Shared by the services and firewall checks through ctx.memo.
import { formatIp } from "../core/ip.js";
import type { FactContext } from "./context.js";

export interface ListeningSocket {
  proto: "tcp" | "udp";
  family: 4 | 6;
  /** local address, formatted ("0.0.0.0", "::", "127.0.0.1") */
  address: string;
  port: number;
  uid: number;
  inode: number;
  /** "/proc/net/tcp:3" */
  source: string;
}

const TABLES = [
  { file: "/proc/net/tcp", proto: "tcp", family: 4 },
  { file: "/proc/net/tcp6", proto: "tcp", family: 6 },
  { file: "/proc/net/udp", proto: "udp", family: 4 },
  { file: "/proc/net/udp6", proto: "udp", family: 6 },
] as const;

/** Every listening socket (memoised per audit). A missing table (no IPv6) contributes nothing. */
export function listeningSockets(ctx: FactContext): Promise<ListeningSocket[]> {
  return ctx.memo("listening", async () => {
    const tables = await Promise.all(TABLES.map(async (t) => ({ t, text: await ctx.fs.readTextIfExists(t.file) })));
    const out: ListeningSocket[] = [];
    for (const { t, text } of tables) if (text !== undefined) out.push(...parseProcNet(text, t.file, t.proto, t.family));
    return out;
  });
}

/** Parse one /proc/net table; exported for tests. */
export function parseProcNet(text: string, file: string, proto: "tcp" | "udp", family: 4 | 6): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] ?? "").trim().split(/\s+/);
    if (f.length < 10) continue;
    const [local, remote, st] = [f[1] ?? "", f[2] ?? "", f[3] ?? ""];
    const listening = proto === "tcp" ? st === "0A" : st === "07" && /^0+:0000$/.test(remote);
    if (!listening) continue;
    const [addrHex, portHex] = local.split(":");
    if (!addrHex || !portHex) continue;
    const value = decodeAddress(addrHex, family);
    if (value === undefined) continue;
    out.push({
      proto,
      family,
      address: formatIp({ family, value }),
      port: Number.parseInt(portHex, 16),
      uid: Number(f[7]),
      inode: Number(f[9]),
      source: `${file}:${i + 1}`,
    });
  }
  return out;
}

/** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
function decodeAddress(hex: string, family: 4 | 6): bigint | undefined {
  if (hex.length !== (family === 4 ? 8 : 32) || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  let value = 0n;
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    const bytes = [word.slice(6, 8), word.slice(4, 6), word.slice(2, 4), word.slice(0, 2)].join("");
    value = (value << 32n) | BigInt(`0x${bytes}`);
  }
  return value;
}

/** Sockets bound to this port/protocol (any address). */
export function socketsOn(sockets: ListeningSocket[], proto: "tcp" | "udp", port: number): ListeningSocket[] {
  return sockets.filter((s) => s.proto === proto && s.port === port);
}
