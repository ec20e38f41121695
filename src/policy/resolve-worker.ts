// The worker thread of resolve-apart.ts: resolve the policy, post it (or what went wrong) back, end.
import { parentPort, workerData } from "node:worker_threads";
import { type ErrorCode, RampartError } from "../core/errors.js";
import { HostFs } from "../system/hostfs.js";
import { type Diagnostic, PolicyInvalidError } from "./diagnostics.js";
import { type ResolvedPolicy, resolvePolicy } from "./load.js";

/** what the worker posts: the policy, or its error as plain data (an Error's class does not cross threads) */
export type WorkerAnswer =
  | { ok: true; resolved: ResolvedPolicy }
  | {
      ok: false;
      invalid?: { errors: Diagnostic[]; warnings: Diagnostic[] };
      rampart?: { code: ErrorCode; message: string; hint: string | undefined; location: string | undefined };
      message: string;
    };

if (parentPort) {
  const { root, explicit } = workerData as { root: string; explicit: string | undefined };
  let answer: WorkerAnswer;
  try {
    answer = { ok: true, resolved: await resolvePolicy(new HostFs(root), explicit) };
  } catch (e) {
    answer =
      e instanceof PolicyInvalidError
        ? { ok: false, invalid: { errors: e.errors, warnings: e.warnings }, message: e.message }
        : e instanceof RampartError
          ? { ok: false, rampart: { code: e.code, message: e.message, hint: e.hint, location: e.location }, message: e.message }
          : { ok: false, message: (e as Error).stack ?? String(e) };
  }
  parentPort.postMessage(answer);
}
