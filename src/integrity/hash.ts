// Hash regular files in parallel: a pool of worker threads (one per core) each reads and hashes a batch of
// files with sha256 (and md5 on request, to compare with dpkg's md5sums). Written by hand because it is a
// few lines over worker_threads and is the whole cost of `integrity init` on large trees.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export interface HashRequest {
  /** on-disk path */
  real: string;
}

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { openSync, readSync, closeSync } = require("node:fs");
const buf = Buffer.allocUnsafe(1 << 20);
parentPort.on("message", ({ id, files, algo }) => {
  const out = [];
  for (const f of files) {
    let fd;
    try {
      fd = openSync(f, "r");
      const h = createHash(algo);
      for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) h.update(buf.subarray(0, n));
      out.push(h.digest("hex"));
    } catch (e) {
      out.push(null);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  parentPort.postMessage({ id, out });
});
`;

/** Hash these on-disk files; returns hex digests in the same order (null when unreadable). */
export async function hashFiles(
  files: string[],
  options: { algo?: "sha256" | "md5"; onProgress?: (done: number) => void } = {},
): Promise<(string | null)[]> {
  const algo = options.algo ?? "sha256";
  const result: (string | null)[] = new Array(files.length).fill(null);
  if (files.length === 0) return result;
  const batch = 128;
  const batches: number[] = [];
  for (let i = 0; i < files.length; i += batch) batches.push(i);
  const workers = Math.max(1, Math.min(availableParallelism(), batches.length));
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      try {
        while (next < batches.length) {
          const start = batches[next++] as number;
          const slice = files.slice(start, start + batch);
          const out = await new Promise<(string | null)[]>((resolve, reject) => {
            w.once("message", (m: { out: (string | null)[] }) => resolve(m.out));
            w.once("error", reject);
            w.postMessage({ id: start, files: slice, algo });
          });
          for (let i = 0; i < out.length; i++) result[start + i] = out[i] ?? null;
          done += slice.length;
          options.onProgress?.(done);
        }
      } finally {
        await w.terminate();
      }
    }),
  );
  return result;
}
