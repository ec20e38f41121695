// authorized_keys lines: which are usable public keys, and the identity of a key (type + base64 blob, so the
// same key with another comment or options is not added twice). Token scanning, no regex over the line.
import { SSH_KEY_TYPES } from "../../policy/schema.js";
import type { HostFs } from "../../system/hostfs.js";
import type { Accounts } from "../../facts/accounts.js";

const TYPES = new Set<string>(SSH_KEY_TYPES);
const BLOB = /^AAAA[A-Za-z0-9+/]{16,16384}={0,3}$/;

/** "type blob" of the first key on a line (options before it allowed), or undefined. */
export function keyIdentity(line: string): string | undefined {
  const t = line.trim();
  if (!t || t.startsWith("#")) return undefined;
  const words = t.split(/[ \t]+/);
  for (let i = 0; i + 1 < words.length && i < 8; i++) {
    const type = words[i] as string;
    const blob = words[i + 1] as string;
    if (TYPES.has(type) && BLOB.test(blob)) return `${type} ${blob}`;
  }
  return undefined;
}

export function homeOf(acc: Accounts, user: string): string {
  return acc.users.get(user)?.home || `/home/${user}`;
}

/** Usable keys in a user's authorized_keys (and authorized_keys2) on the host. */
export async function hostKeys(fs: HostFs, acc: Accounts, user: string): Promise<string[]> {
  const home = homeOf(acc, user);
  const out: string[] = [];
  for (const f of [`${home}/.ssh/authorized_keys`, `${home}/.ssh/authorized_keys2`]) {
    const text = await fs.readTextIfExists(f).catch(() => undefined);
    for (const line of (text ?? "").split("\n")) {
      const id = keyIdentity(line);
      if (id) out.push(id);
    }
  }
  return out;
}
