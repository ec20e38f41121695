// labTest(): a node:test test that gets a fresh Lab and always destroys it (even when the test failed or
// threw). It skips with one line when the lab cannot run here (not root, a program missing) — but under
// CI=true that is a failure, so a CI machine can never pass by skipping the real tests.
import { accessSync, constants } from "node:fs";
import { test } from "node:test";
import { Lab } from "./lab.js";

/** Programs every lab run needs (absolute paths are checked as they are; names on PATH). */
export const LAB_PROGRAMS = ["ip", "nsenter", "unshare", "mount", "/usr/sbin/sshd", "ssh", "ssh-keygen", "sshpass", "ss"];

function onPath(cmd: string): boolean {
  const dirs = cmd.includes("/") ? [""] : (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => {
    try {
      accessSync(d ? `${d}/${cmd}` : cmd, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why the lab cannot run on this machine, or undefined when it can. */
export function labUnavailable(extraPrograms: readonly string[] = []): string | undefined {
  if (process.platform !== "linux") return "the lab needs Linux namespaces";
  if (process.getuid?.() !== 0) return "the lab needs root (network and mount namespaces)";
  const missing = [...LAB_PROGRAMS, ...extraPrograms].filter((p) => !onPath(p));
  if (missing.length) return `missing programs: ${missing.join(", ")} (run scripts/setup-test-deps.mjs as root)`;
  return undefined;
}

export interface LabTestOptions {
  /** default 60 s */
  timeout?: number;
  /** more programs this test needs (e.g. "nft", "ipset") */
  needs?: string[];
}

/** A node:test test with a fresh Lab, destroyed afterwards; skips (or, with CI=true, fails) without root. */
export function labTest(name: string, fn: (lab: Lab) => Promise<void>, options: LabTestOptions = {}): void {
  const why = labUnavailable(options.needs);
  if (why && process.env.CI !== "true") {
    test(name, { skip: `lab: ${why}` }, () => {});
    return;
  }
  const timeoutMs = options.timeout ?? 60_000;
  // node:test's own timeout fails the test but leaves the function running; ours comes first, so the lab
  // is destroyed even when the test hangs.
  test(name, { timeout: timeoutMs + 15_000 }, async () => {
    if (why) throw new Error(`lab: ${why} — and CI=true, so lab tests may not be skipped`);
    const lab = await Lab.create();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`lab test timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([fn(lab), expired]);
    } catch (e) {
      await lab.destroy().catch(() => {}); // do not hide the test's own failure behind a cleanup problem
      throw e;
    } finally {
      clearTimeout(timer);
    }
    await lab.destroy();
  });
}
