// The policy for a long-running process (the guard daemon), resolved in a worker thread: the YAML parser and
// the schema library (zod) — ≈12 MiB of a process's memory once imported, and an ES module is never unloaded —
// are loaded by the worker and go away with it; the daemon keeps only the plain Policy sent back. The same
// rules as resolvePolicy (load.ts, which the worker runs) and the same errors: a PolicyInvalidError or
// RampartError there is rebuilt and thrown here, so the CLI reports it as it would have.
import { Worker } from "node:worker_threads";
import { RampartError } from "../core/errors.js";
import { PolicyInvalidError } from "./diagnostics.js";
import type { ResolvedPolicy } from "./load.js";
import type { WorkerAnswer } from "./resolve-worker.js";

/** run from source (tsx: tests, development) rather than built */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
/** the worker's module beside this one (built: scripts/bundle.mjs makes it an entry of its own) */
const WORKER = new URL(FROM_SOURCE ? "./resolve-worker.ts" : "./resolve-worker.js", import.meta.url);

/** A worker running WORKER; from source it registers tsx first (Node 20 does not give a worker the loader hooks). */
function start(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER, { workerData });
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

/** resolvePolicy(new HostFs(root), explicit), in a worker thread. */
export function resolvePolicyApart(root: string, explicit: string | undefined): Promise<ResolvedPolicy> {
  return new Promise((resolve, reject) => {
    const worker = start({ root, explicit });
    let answered = false;
    worker.once("message", (a: WorkerAnswer) => {
      answered = true;
      if (a.ok) resolve(a.resolved);
      else if (a.invalid) reject(new PolicyInvalidError(a.invalid.errors, a.invalid.warnings));
      else if (a.rampart)
        reject(new RampartError(a.rampart.code, a.rampart.message, { hint: a.rampart.hint, location: a.rampart.location }));
      else reject(new Error(a.message));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the policy worker exited (${code}) without an answer`));
    });
  });
}
