// Where blocklists live on disk, and the state file that remembers each list's last good download and what was
// loaded into the kernel. Layout:
//   /var/cache/rampart/blocklists/<name>.list   the last good copy of each list, as downloaded
//   /var/lib/rampart/blocklists.json            this state (written atomically: temp file, fsync, rename)
// A corrupt or half-written state file is an error that names the file and how to recover; it is never
// silently replaced (rampart refuses to write over it until it is moved aside).
import { RampartError } from "../core/errors.js";
import type { HostFs } from "../system/hostfs.js";
import { privateDir } from "../system/private.js";
import type { InvalidLine } from "./parse.js";
import type { Removal } from "./never.js";

export const CACHE_DIR = "/var/cache/rampart/blocklists";
export const STATE_DIR = "/var/lib/rampart";
export const STATE_FILE = "blocklists.json";

export interface ListState {
  name: string;
  /** url or file */
  source: string;
  /** the last time the list was fetched successfully (ISO) */
  fetchedAt?: string;
  /** the last attempt (ISO), successful or not */
  checkedAt?: string;
  etag?: string;
  lastModified?: string;
  sha256?: string;
  bytes?: number;
  format?: string;
  entries?: number;
  invalid?: number;
  samples?: InvalidLine[];
  /** the list's own header date (ISO) */
  headerDate?: string;
  stale?: boolean;
  /** the last attempt's failure, if it failed (the cached copy was kept) */
  error?: string;
  /** the last download refused by a rule (sanity.ts, sha256 pin, transport): the list was not taken */
  refused?: Refusal;
  /** how the last download was fetched and verified */
  fetched?: FetchedFrom;
}

/** Why a list (or the merged result, list "merged") was refused as a whole. */
export interface Refusal {
  rule: "min-prefix" | "max-share" | "max-merged-share" | "max-entries" | "sha256" | "insecure-http";
  detail: string;
  at: string;
  /** the refused lines (min-prefix), with line numbers */
  samples?: InvalidLine[];
}

export interface FetchedFrom {
  url: string;
  /** after redirects, when different */
  finalUrl?: string;
  /** the server's addresses, resolved when it was fetched (kept out of the block sets) */
  addresses: string[];
  /** "https" (TLS, the system's CAs), "sha256" (content matched the pinned digest), "insecure-http", "local-file" */
  verified: "https" | "sha256" | "insecure-http" | "local-file";
}

export interface LoadedState {
  hash: string;
  backend: "nftables" | "ipset";
  at: string;
  /** /proc/sys/kernel/random/boot_id at load time: after a reboot the sets are empty and are reloaded */
  bootId?: string;
  v4: { ranges: number; cidrs: number; addresses: number };
  v6: { ranges: number; cidrs: number; addresses: string };
}

export interface BlocklistState {
  version: 1;
  lists: Record<string, ListState>;
  loaded?: LoadedState;
  lastRun?: { at: string; removed: Removal[]; errors: string[]; refused?: { list: string; rule: Refusal["rule"]; detail: string }[] };
}

export const emptyState = (): BlocklistState => ({ version: 1, lists: {} });

export function statePath(dir = STATE_DIR): string {
  return `${dir.replace(/\/+$/, "")}/${STATE_FILE}`;
}

/** Read the state; a missing file is an empty state, a corrupt one an error that keeps the file. */
export async function readState(fs: HostFs, dir = STATE_DIR): Promise<BlocklistState> {
  const file = statePath(dir);
  const text = await fs.readTextIfExists(file);
  if (text === undefined) return emptyState();
  const where = fs.display(file);
  const corrupt = (why: string, cause?: unknown) =>
    new RampartError("STATE", `blocklist state ${where} is corrupt or half-written: ${why}`, {
      location: where,
      hint: `It was left as it is. Move it aside (mv ${where} ${where}.bad) and run \`rampart blocklist update\` to rebuild it.`,
      cause,
    });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw corrupt((e as Error).message, e);
  }
  if (typeof v !== "object" || v === null || (v as { version?: unknown }).version !== 1) throw corrupt("not a version 1 state object");
  const lists = (v as { lists?: unknown }).lists;
  if (typeof lists !== "object" || lists === null || Array.isArray(lists)) throw corrupt('"lists" is not an object');
  return v as BlocklistState;
}

export async function writeState(fs: HostFs, state: BlocklistState, dir = STATE_DIR): Promise<void> {
  // rampart's private state directory (0700 whatever existed before; writeAtomic alone would make it 0755)
  await privateDir(await fs.real(dir));
  await fs.writeAtomic(statePath(dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function cachePath(name: string, dir = CACHE_DIR): string {
  return `${dir.replace(/\/+$/, "")}/${name}.list`;
}
