// Download one list over HTTP(S): conditional GET (ETag / If-Modified-Since), a timeout per attempt, retries
// with exponential backoff on network errors and 5xx/429, and a size cap (the body is read as a stream and
// abandoned past the cap). The caller decides what is a good copy (see update.ts: a failed, empty or sharply
// shrunk download keeps the last good one). Node's built-in fetch; no dependency.
// Plain http is refused unless the caller allows it (the policy's `insecure: true` or a pinned `sha256`): a
// redirect from https to http counts too, since whoever sits on the path could then rewrite the list.
import { RampartError, messageOf } from "../core/errors.js";

export interface FetchOptions {
  etag?: string | undefined;
  lastModified?: string | undefined;
  timeoutMs?: number;
  retries?: number;
  /** first backoff delay; doubled after each failed attempt */
  backoffMs?: number;
  maxBytes?: number;
  /** injectable for tests */
  sleep?: (ms: number) => Promise<void>;
  userAgent?: string;
  /** bytes received so far and the announced size (content-length), per chunk */
  onProgress?: (received: number, total: number | undefined) => void;
  /** accept http:// (the URL itself or a redirect target); default: https only */
  allowHttp?: boolean;
}

export type FetchResult =
  | { status: "not-modified"; attempts: number }
  | { status: "ok"; body: Buffer; etag?: string; lastModified?: string; attempts: number; finalUrl?: string };

/** The largest list taken, downloaded or read from a `file:` source (bytes). */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;

export async function fetchList(url: string, options: FetchOptions = {}): Promise<FetchResult> {
  const retries = options.retries ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = options.backoffMs ?? 1000;
  let last: unknown;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    try {
      return { ...(await once(url, options)), attempts: attempt };
    } catch (e) {
      last = e;
      if (e instanceof RampartError && e.code !== "UNAVAILABLE" && e.code !== "TIMEOUT") throw e;
      if (attempt <= retries) {
        await sleep(delay);
        delay *= 2;
      }
    }
  }
  throw last instanceof RampartError ? last : new RampartError("UNAVAILABLE", `download of ${url} failed: ${messageOf(last)}`);
}

type Once = { status: "not-modified" } | { status: "ok"; body: Buffer; etag?: string; lastModified?: string; finalUrl?: string };

const plainHttp = (u: string) => /^http:\/\//i.test(u);

function refusePlain(url: string, via?: string): RampartError {
  return new RampartError("REFUSED", `download of ${url}${via ? ` was redirected to plain http (${via})` : " uses plain http"}: refused`, {
    hint: "Use an https:// URL; or pin the content with `sha256: <hex digest>` on the source; or accept the risk with `insecure: true`.",
  });
}

async function once(url: string, options: FetchOptions): Promise<Once> {
  if (!options.allowHttp && plainHttp(url)) throw refusePlain(url);
  const headers: Record<string, string> = { "user-agent": options.userAgent ?? "rampart-blocklist" };
  if (options.etag) headers["if-none-match"] = options.etag;
  if (options.lastModified) headers["if-modified-since"] = options.lastModified;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: ac.signal, redirect: "follow" });
    } catch (e) {
      if (ac.signal.aborted) throw new RampartError("TIMEOUT", `download of ${url} took longer than ${timeoutMs} ms`);
      throw new RampartError("UNAVAILABLE", `download of ${url} failed: ${messageOf((e as Error).cause ?? e)}`);
    }
    if (!options.allowHttp && res.url && plainHttp(res.url)) {
      ac.abort();
      throw refusePlain(url, res.url);
    }
    if (res.status === 304) return { status: "not-modified" };
    if (res.status >= 500 || res.status === 429) {
      throw new RampartError("UNAVAILABLE", `download of ${url}: HTTP ${res.status}`);
    }
    if (res.status !== 200) {
      throw new RampartError("NOT_FOUND", `download of ${url}: HTTP ${res.status}`, { hint: "Check the list's URL in the policy." });
    }
    const max = options.maxBytes ?? MAX_LIST_BYTES;
    const chunks: Uint8Array[] = [];
    let total = 0;
    const announced = Number(res.headers.get("content-length") ?? "") || undefined;
    if (res.body) {
      for await (const c of res.body as AsyncIterable<Uint8Array>) {
        total += c.length;
        options.onProgress?.(total, announced);
        if (total > max) {
          ac.abort();
          throw new RampartError("REFUSED", `download of ${url} is larger than the ${max}-byte cap`, {
            hint: "Is this the right URL? A blocklist is rarely that large.",
          });
        }
        chunks.push(c);
      }
    }
    const out: Once = { status: "ok", body: Buffer.concat(chunks) };
    const etag = res.headers.get("etag");
    const lm = res.headers.get("last-modified");
    if (etag) out.etag = etag;
    if (lm) out.lastModified = lm;
    if (res.url && res.url !== url) out.finalUrl = res.url;
    return out;
  } catch (e) {
    if (e instanceof RampartError) throw e;
    if (ac.signal.aborted) throw new RampartError("TIMEOUT", `download of ${url} took longer than ${timeoutMs} ms`);
    throw new RampartError("UNAVAILABLE", `download of ${url} failed: ${messageOf(e)}`);
  } finally {
    clearTimeout(timer);
  }
}
