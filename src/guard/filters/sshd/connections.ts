// What the sshd filter remembers of each sshd connection (one sshd / sshd-session process, keyed by host
// name and pid): its address, from the lines that carry one, for the lines that do not (`Disconnecting: Too
// many authentication failures`, `kex_exchange_identification: …`) and to settle a line whose address is
// ambiguous; a failure waiting for the connection's address; the user name its failures were for. Memory
// is bounded (two generations of at most MAX_CONNECTIONS / 2 records) and every operation is O(1) per line.
import type { Envelope } from "../../envelope.js";
import { MAX_CONNECTIONS } from "./rules.js";

export interface Conn {
  /** the exact (host hash, pid): map keys are 32-bit mixes of the two and may collide */
  host: number;
  pid: number;
  /** the address as text, or (cheaper, for helper lines) an IPv4 address as a number */
  address: string | undefined;
  /** -1: none */
  v4: number;
  /** the rule of a failure waiting for the connection's address */
  pending: string | undefined;
  /** a hash of the user name the connection's failures were for (userSeen: there was one) */
  userHash: number;
  userSeen: boolean;
}

export function connAddress(c: Conn): string | undefined {
  if (c.address !== undefined) return c.address;
  if (c.v4 < 0) return undefined;
  const v = c.v4;
  c.address = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  return c.address;
}

/** 2^16 bits: one per value of a key's low 16 bits */
const KEY_WORDS = 2048;

function mayHave(bits: Uint32Array, key: number): boolean {
  return (((bits[(key >>> 5) & (KEY_WORDS - 1)] as number) >>> (key & 31)) & 1) !== 0;
}

function addKey(bits: Uint32Array, key: number): void {
  const i = (key >>> 5) & (KEY_WORDS - 1);
  bits[i] = (bits[i] as number) | (1 << (key & 31));
}

/** a 32-bit map key for (host hash, pid); collisions are resolved by the record's own fields */
function mixKey(host: number, pid: number): number {
  return (Math.imul(host, 0x9e3779b1) ^ pid) | 0;
}

/**
 * Connections by host hash and pid (numbers: no string building per line), in two generations: when the
 * young one is full it becomes the old one and the previous old one is dropped — bounded memory, O(1) per
 * line, and a connection seen recently is never forgotten first.
 */
export class Connections {
  private young = new Map<number, Conn>();
  private old = new Map<number, Conn>();
  /**
   * Which keys (their low 16 bits) were added to each generation: a clear bit means the map has no such
   * key, so a new connection (the common miss) and a close line's search of the old generation cost no
   * map lookup. Bits are never cleared on delete (a set bit only means "look").
   */
  private youngKeys = new Uint32Array(KEY_WORDS);
  private oldKeys = new Uint32Array(KEY_WORDS);
  /** the record conn() returned last, while it is in `young` */
  private last: Conn | undefined = undefined;
  /**
   * The (host, pid) take() found no record for, or removed: until conn() adds a record, none has it (a key
   * is in at most one generation), so a connection's second close line (`Received disconnect`, then
   * `Disconnected from`) costs no map lookup. closedPid -1: none.
   */
  private closedHost = 0;
  private closedPid = -1;
  /** the host name hashed last, and its hash (most logs hold one host: hashed once) */
  private lastHost = "";
  private lastHostHash = 0;

  /** the connection's record, created when missing (or when another connection held the key) */
  conn(host: number, pid: number): Conn {
    // a connection's lines usually come together: the record of the previous call first (it is always in
    // the young generation — set below, cleared by take — so this changes nothing but the map lookups)
    const last = this.last;
    if (last !== undefined && last.pid === pid && last.host === host) return last;
    const key = mixKey(host, pid);
    let c = mayHave(this.youngKeys, key) ? this.young.get(key) : undefined;
    if (c && c.host === host && c.pid === pid) {
      this.last = c;
      return c;
    }
    c = mayHave(this.oldKeys, key) ? this.old.get(key) : undefined;
    if (c) this.old.delete(key);
    // one shape for every record (no property added or deleted later)
    if (!c || c.host !== host || c.pid !== pid)
      c = { host, pid, address: undefined, v4: -1, pending: undefined, userHash: 0, userSeen: false };
    this.closedPid = -1;
    if (this.young.size >= MAX_CONNECTIONS / 2) {
      this.old = this.young;
      this.young = new Map();
      const bits = this.oldKeys;
      this.oldKeys = this.youngKeys;
      this.youngKeys = bits.fill(0);
    }
    this.young.set(key, c);
    addKey(this.youngKeys, key);
    this.last = c;
    return c;
  }

  /** the connection's record if there is one (never creates it) */
  peek(host: number, pid: number): Conn | undefined {
    const last = this.last;
    if (last !== undefined && last.pid === pid && last.host === host) return last;
    const key = mixKey(host, pid);
    const c =
      (mayHave(this.youngKeys, key) ? this.young.get(key) : undefined) ?? (mayHave(this.oldKeys, key) ? this.old.get(key) : undefined);
    return c && c.host === host && c.pid === pid ? c : undefined;
  }

  /** the connection's record removed (it closed), if there was one */
  take(host: number, pid: number): Conn | undefined {
    if (pid === this.closedPid && host === this.closedHost) return undefined;
    this.closedHost = host;
    this.closedPid = pid;
    const key = mixKey(host, pid);
    let c = mayHave(this.youngKeys, key) ? this.young.get(key) : undefined;
    if (c && c.host === host && c.pid === pid) {
      this.young.delete(key);
      if (c === this.last) this.last = undefined;
      return c;
    }
    c = mayHave(this.oldKeys, key) ? this.old.get(key) : undefined;
    if (c && c.host === host && c.pid === pid) {
      this.old.delete(key);
      return c;
    }
    return undefined;
  }

  /**
   * A 32-bit FNV-1a hash of the line's host name: with the pid, the connection a line belongs to, also
   * when one file holds several hosts' logs. Cached for the common one-host log.
   */
  hostHash(s: string, env: Envelope): number {
    const hl = env.hostEnd - env.hostStart;
    if (hl !== this.lastHost.length || !sameAt(s, env.hostStart, this.lastHost)) {
      let h = 0x811c9dc5;
      for (let i = env.hostStart; i < env.hostEnd; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
      this.lastHost = `${s.slice(env.hostStart, env.hostEnd)}`;
      this.lastHostHash = h | 0;
    }
    return this.lastHostHash;
  }
}

function sameAt(s: string, at: number, lit: string): boolean {
  for (let i = 0; i < lit.length; i++) if (s.charCodeAt(at + i) !== lit.charCodeAt(i)) return false;
  return true;
}

/** the line's pid, or -1 */
export function pidOf(s: string, env: Envelope): number {
  if (env.pidEnd <= env.pidStart || env.pidEnd - env.pidStart > 9) return -1;
  let pid = 0;
  for (let i = env.pidStart; i < env.pidEnd; i++) pid = pid * 10 + s.charCodeAt(i) - 48;
  return pid;
}

/** FNV-1a of s[start..end): a user name compared without making a string */
export function textHash(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}
