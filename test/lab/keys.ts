// Throwaway SSH key pairs for lab tests: ed25519, no passphrase, in a fresh temp dir under /tmp (which every
// lab host sees at the same path, so a client inside a host can use the private key directly).
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { run } from "../../src/system/exec.js";
import { makePrefix, tmpDirOf } from "./cleanup.js";

export interface KeyPair {
  /** path of the private key (mode 0600) */
  privateKey: string;
  /** path of the public key */
  publicKeyFile: string;
  /** the public key line ("ssh-ed25519 AAAA… comment") */
  publicKey: string;
}

let keysDir: string | undefined;

/** This process's key dir (/tmp/rampart-lab-rl<pid>_k): removed at exit, or swept by the next run after a crash. */
function defaultDir(): string {
  if (!keysDir) {
    const dir = tmpDirOf(makePrefix(process.pid, "k"));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    keysDir = dir;
  }
  return keysDir;
}

/** Make a key pair in `dir` (default: this process's key dir; `lab.keyPair()` puts it in the lab's dir). */
export async function makeKeyPair(options: { dir?: string; comment?: string } = {}): Promise<KeyPair> {
  const dir = options.dir ?? defaultDir();
  const base = `${dir}/id_ed25519_${Math.random().toString(36).slice(2, 8)}`;
  await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", options.comment ?? "rampart-lab", "-f", base]);
  return { privateKey: base, publicKeyFile: `${base}.pub`, publicKey: readFileSync(`${base}.pub`, "utf8").trim() };
}
